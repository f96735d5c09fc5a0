// Package bot holds what every chat adapter shares: the Core it asks, the
// pre-checks (help, question length, per-user rate limit, in-flight limit),
// the request ids and structured logs, the platform-neutral rendering of an
// Answer into citation parts, and the defences against echoing mentions.
// Adapters (bot/slack, bot/discord) only translate to and from their
// platform. It imports the standard library, golang.org/x/time/rate and
// retrieval only.
package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// Core is the retrieval core as the chat adapters see it. *retrieval.Service
// implements it.
type Core interface {
	// Ask validates and answers one standalone question. Errors are
	// *retrieval.Error values: EINVALID for an empty, non-UTF-8 or too
	// long question; EUNAVAILABLE when the store or a model cannot be
	// reached or timed out; EMISMATCH when the store was built by another
	// embedder; anything else is internal.
	Ask(ctx context.Context, question string) (retrieval.Answer, error)
	// AskFollowUp answers question in the context of the earlier turns of
	// a thread (oldest first), rewriting it into a standalone question
	// when a rewriter is configured. It returns the same errors as Ask.
	AskFollowUp(ctx context.Context, history []retrieval.Turn, question string) (retrieval.Answer, error)
}

var _ Core = (*retrieval.Service)(nil)

// Request is one question asked on a chat platform.
type Request struct {
	Platform  string // "slack" or "discord"
	Surface   string // "command", "mention", … (for logs)
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
	KindError              // Text is a polite, user-safe message; Err the cause
)

// Outcome is the result of handling a Request.
type Outcome struct {
	RequestID string
	Kind      Kind
	Answer    retrieval.Answer
	Text      string // help text or user-facing error text
	Err       error  // for KindError
}

// Options configures a Bot.
type Options struct {
	// RatePerMinute and Burst configure the per-user rate limit; a
	// RatePerMinute <= 0 disables it.
	RatePerMinute float64
	Burst         int
	// MaxInFlight bounds the questions answered at once (0 = unbounded);
	// more get a polite "busy" reply (EBUSY).
	MaxInFlight int
	// Timeout bounds one answer (default 60s).
	Timeout time.Duration
	// Command is the slash command named in the usage text (default "/ask").
	Command string
	// Recorder, when set, counts every question by platform and outcome
	// (answered, abstained, invalid, rate_limited, error).
	Recorder Recorder
}

// Recorder counts questions; *metrics.Metrics implements it.
type Recorder interface {
	ObserveQuestion(surface, outcome string, elapsed time.Duration)
}

// Bot runs requests from any platform through the shared checks and the
// Core. It is safe for concurrent use.
type Bot struct {
	core     Core
	logger   *slog.Logger
	limiter  *Limiter
	slots    chan struct{}
	timeout  time.Duration
	command  string
	recorder Recorder
}

// New returns a Bot over core. A nil logger discards logs.
func New(core Core, logger *slog.Logger, opts Options) *Bot {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{core: core, logger: logger, timeout: opts.Timeout, command: opts.Command, recorder: opts.Recorder}
	if b.timeout <= 0 {
		b.timeout = 60 * time.Second
	}
	if b.command == "" {
		b.command = "/ask"
	}
	if opts.RatePerMinute > 0 {
		b.limiter = NewLimiter(opts.RatePerMinute, opts.Burst)
	}
	if opts.MaxInFlight > 0 {
		b.slots = make(chan struct{}, opts.MaxInFlight)
	}
	return b
}

// Logger returns the bot's logger, for adapters to log with the same fields.
func (b *Bot) Logger() *slog.Logger { return b.logger }

// Usage returns the help text for this bot's slash command.
func (b *Bot) Usage() string { return Usage(b.command) }

// Precheck decides, without calling the Core, whether req should be
// answered. It returns ok=false and an Outcome to send instead for a
// question over the length limit or not UTF-8, a help request (also a
// question that is nothing but mentions, see StripChatMarkup), or a user
// over the rate limit. Cheap enough to run before acknowledging a platform request.
func (b *Bot) Precheck(req Request) (Outcome, bool) {
	id := NewRequestID()
	raw := strings.TrimSpace(req.Question)
	if err := CheckQuestion(raw); err != nil {
		b.log(req, id, retrieval.ErrorCode(err), 0, err)
		return Outcome{RequestID: id, Kind: KindError, Text: ErrorText(err, id), Err: err}, false
	}
	if IsHelp(StripChatMarkup(raw)) {
		b.log(req, id, "help", 0, nil)
		return Outcome{RequestID: id, Kind: KindHelp, Text: b.Usage()}, false
	}
	if b.limiter != nil {
		if ok, wait := b.limiter.Allow(req.Platform + ":" + req.UserID); !ok {
			err := rateLimitError(wait)
			b.log(req, id, retrieval.ERATELIMIT, 0, err)
			return Outcome{RequestID: id, Kind: KindError, Text: ErrorText(err, id), Err: err}, false
		}
	}
	return Outcome{RequestID: id}, true
}

// Answer asks the Core (a follow-up when req.History is set) under the
// in-flight limit and the answer timeout, with chat markup (mentions,
// channel tokens, Slack links) stripped from the questions, logs the outcome with latency and
// returns it. requestID is the id Precheck returned ("" makes a new one).
// It never panics on a Core panic: that becomes an internal error.
func (b *Bot) Answer(ctx context.Context, requestID string, req Request) (out Outcome) {
	if requestID == "" {
		requestID = NewRequestID()
	}
	start := time.Now()
	out.RequestID = requestID
	defer func() {
		if r := recover(); r != nil {
			err := retrieval.Errorf(retrieval.EINTERNAL, "panic: %v", r)
			out = Outcome{RequestID: requestID, Kind: KindError, Text: ErrorText(err, requestID), Err: err}
		}
		outcome := "answered"
		switch {
		case out.Kind == KindError:
			outcome = retrieval.ErrorCode(out.Err)
		case out.Answer.Abstained:
			outcome = "abstained"
		}
		b.log(req, requestID, outcome, time.Since(start), out.Err, slog.Int("citations", len(out.Answer.Citations)))
	}()
	if b.slots != nil {
		select {
		case b.slots <- struct{}{}:
			defer func() { <-b.slots }()
		default:
			err := retrieval.Errorf(retrieval.EBUSY, "too many questions in flight")
			return Outcome{RequestID: requestID, Kind: KindError, Text: ErrorText(err, requestID), Err: err}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	q := StripChatMarkup(req.Question)
	var (
		a   retrieval.Answer
		err error
	)
	if len(req.History) > 0 {
		history := make([]retrieval.Turn, len(req.History))
		for i, t := range req.History {
			history[i] = retrieval.Turn{Question: StripChatMarkup(t.Question), Answer: t.Answer}
		}
		a, err = b.core.AskFollowUp(ctx, history, q)
	} else {
		a, err = b.core.Ask(ctx, q)
	}
	if err != nil {
		if ctx.Err() != nil && retrieval.ErrorCode(err) == retrieval.EINTERNAL {
			err = retrieval.WrapError(retrieval.EUNAVAILABLE, err, "answering timed out")
		}
		return Outcome{RequestID: requestID, Kind: KindError, Text: ErrorText(err, requestID), Err: err}
	}
	return Outcome{RequestID: requestID, Kind: KindAnswer, Answer: a}
}

func (b *Bot) log(req Request, id, outcome string, latency time.Duration, err error, extra ...any) {
	if b.recorder != nil && outcome != "help" {
		metric := outcome
		switch outcome {
		case "answered", "abstained":
		case retrieval.ERATELIMIT, retrieval.EBUSY:
			metric = "rate_limited"
		case retrieval.EINVALID:
			metric = "invalid"
		default:
			metric = "error"
		}
		b.recorder.ObserveQuestion(req.Platform, metric, latency)
	}
	attrs := []any{
		slog.String("request_id", id),
		slog.String("platform", req.Platform),
		slog.String("surface", req.Surface),
		slog.String("user", req.UserID),
		slog.String("channel", req.ChannelID),
		slog.String("outcome", outcome),
	}
	if latency > 0 {
		attrs = append(attrs, slog.Duration("latency", latency))
	}
	attrs = append(attrs, extra...)
	switch code := retrieval.ErrorCode(err); code {
	case "":
		b.logger.Info("chat question", attrs...)
	case retrieval.EINVALID, retrieval.ERATELIMIT, retrieval.EBUSY, retrieval.ENOTFOUND:
		b.logger.Info("chat question refused", append(attrs, slog.String("error", err.Error()))...)
	default:
		b.logger.Error("chat question failed", append(attrs, slog.String("error", err.Error()))...)
	}
}

// NewRequestID returns a short random id to quote in apologies and logs.
func NewRequestID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "r" + hex.EncodeToString(b[:])
}
