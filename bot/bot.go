// Package bot holds what every chat adapter shares: the claim that one
// replica answers each platform event (Claim; shared through Claims when
// several replicas run), the pre-checks (help, the question validator,
// the per-user rate limit, shared through Limits), the call into the
// core through the one path every surface shares (internal/edge: the
// admission gate, the answer timeout, outcome metrics and logs, user text
// chosen by error code), the platform-neutral rendering of an Answer into
// citation parts, and the defences against echoing mentions. Adapters
// (bot/slack, bot/discord) only translate to and from their platform. It
// imports the standard library, golang.org/x/time/rate, retrieval and
// internal/edge only.
package bot

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

// Request is one question asked on a chat platform.
type Request struct {
	Platform  string // edge.SurfaceSlack or edge.SurfaceDiscord
	Surface   string // "command", "mention", … (logged as via)
	UserID    string
	ChannelID string
	Question  string           // mention already stripped
	History   []retrieval.Turn // earlier turns of the thread, oldest first
}

// Kind says what an Outcome carries.
type Kind int

// Outcome kinds.
const (
	KindAnswer Kind = iota // Answer is set
	KindHelp               // Text is the usage text
	KindError              // Text is the user text for Err (edge.Text)
)

// Outcome is the result of handling a Request.
type Outcome struct {
	RequestID string
	Kind      Kind
	Answer    retrieval.Answer
	Text      string // help text or user-facing error text
	Err       error  // for KindError
	// Votable is set on an answer the answer log recorded: adapters put
	// the vote buttons under it.
	Votable bool
}

// Options configures a Bot.
type Options struct {
	// RatePerMinute and Burst configure the per-user rate limit; a
	// RatePerMinute <= 0 disables it.
	RatePerMinute float64
	Burst         int
	// Command is the slash command named in the usage text (default "/ask").
	Command string
	// Claims and Limits, when set, are shared by every replica (the
	// PostgreSQL store); nil keeps dedupe and the rate limit in this
	// process. Limits applies RatePerMinute and Burst itself.
	Claims Claims
	Limits Limits
	// Recorder, when set, counts failures of Claims and Limits.
	Recorder Recorder
}

// Bot runs requests from any platform through the shared checks and the
// Front. It is safe for concurrent use.
type Bot struct {
	front   *edge.Front
	logger  *slog.Logger
	limiter *Limiter // nil: no rate limit
	limits  Limits   // shared; limiter decides when it fails
	claims  Claims   // shared; dedupe decides when nil or failing
	dedupe  *Dedupe
	rec     Recorder
	command string
	// sharedDownUntil (unix nanoseconds): Claims and Limits are not
	// tried before then, after a failure (see sharedBackoff).
	sharedDownUntil atomic.Int64
}

// New returns a Bot asking through front. A nil logger discards logs.
func New(front *edge.Front, logger *slog.Logger, opts Options) *Bot {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{front: front, logger: logger, command: opts.Command, claims: opts.Claims, rec: opts.Recorder,
		dedupe: NewDedupe(ClaimTTL, 10_000)}
	if b.command == "" {
		b.command = "/ask"
	}
	if opts.RatePerMinute > 0 {
		b.limiter = NewLimiter(opts.RatePerMinute, opts.Burst)
		b.limits = opts.Limits
	}
	return b
}

// Logger returns the bot's logger, for adapters to log with the same fields.
func (b *Bot) Logger() *slog.Logger { return b.logger }

// Command returns the slash command users ask with ("/ask").
func (b *Bot) Command() string { return b.command }

// Usage returns the help text for this bot's slash command.
func (b *Bot) Usage() string { return Usage(b.command) }

// question is req as the Front sees it: chat markup (mentions, channel
// tokens, Slack links) stripped from the question and the history.
func question(id string, req Request) edge.Question {
	q := edge.Question{
		Surface: req.Platform, ID: id, Text: StripChatMarkup(req.Question), User: req.UserID, Channel: req.ChannelID,
		Attrs: []slog.Attr{
			slog.String("via", req.Surface), slog.String("user", req.UserID), slog.String("channel", req.ChannelID),
		},
	}
	if len(req.History) > 0 {
		q.History = make([]retrieval.Turn, len(req.History))
		for i, t := range req.History {
			q.History[i] = retrieval.Turn{Question: StripChatMarkup(t.Question), Answer: t.Answer}
		}
	}
	return q
}

// Precheck decides, without calling the core, whether req should be
// answered. It returns ok=false and an Outcome to send instead for a help
// request (also a question that is nothing but mentions, see
// StripChatMarkup), a question the validator refuses, or a user over the
// rate limit. Cheap enough to run before acknowledging a platform request.
func (b *Bot) Precheck(req Request) (Outcome, bool) {
	ctx := context.Background()
	id := edge.NewRequestID()
	q := question(id, req)
	if IsHelp(q.Text) {
		b.logger.Info("chat help", "request_id", id, "platform", req.Platform, "via", req.Surface, "user", req.UserID, "channel", req.ChannelID)
		return Outcome{RequestID: id, Kind: KindHelp, Text: b.Usage()}, false
	}
	if err := b.front.Validate(ctx, q); err != nil {
		return Outcome{RequestID: id, Kind: KindError, Text: edge.Text(err, id), Err: err}, false
	}
	if b.limiter != nil {
		if ok, wait := b.allow(req.Platform + ":" + req.UserID); !ok {
			err := rateLimitError(wait)
			b.front.Refuse(ctx, q, err)
			return Outcome{RequestID: id, Kind: KindError, Text: edge.Text(err, id), Err: err}, false
		}
	}
	return Outcome{RequestID: id}, true
}

// Answer asks the core through the Front (a follow-up when req.History is
// set) and returns the answer, or the error with its user text.
// requestID is the id Precheck returned ("" makes a new one).
func (b *Bot) Answer(ctx context.Context, requestID string, req Request) Outcome {
	if requestID == "" {
		requestID = edge.NewRequestID()
	}
	a, err := b.front.Ask(ctx, question(requestID, req))
	if err != nil {
		return Outcome{RequestID: requestID, Kind: KindError, Text: edge.Text(err, requestID), Err: err}
	}
	return Outcome{RequestID: requestID, Kind: KindAnswer, Answer: a, Votable: b.front.Feedback()}
}

// Vote records a user's 👍/👎 (feedback.Up or feedback.Down) on the
// answer with request id answerID and returns the text to show them: the
// vote taken, or why not (edge.Text of the error, which is returned too).
func (b *Bot) Vote(ctx context.Context, platform, answerID, userID, value string) (string, error) {
	res, err := b.front.Vote(ctx, edge.Vote{Surface: platform, AnswerID: answerID, User: userID, Value: value})
	if err != nil {
		return edge.Text(err, answerID), err
	}
	return edge.VoteText(value, res), nil
}
