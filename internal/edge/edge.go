// Package edge is the one path from every surface — `coopbot ask` and
// `search`, the web page, the JSON API, Slack and Discord — to the
// retrieval core. A Front validates the question (retrieval.CleanQuestion,
// the one validator), admits it through the one gate (internal/gate: EBUSY
// beyond capacity), bounds it by the answer timeout, classifies the outcome
// once (Outcome) for metrics and logs, and logs every failure with its
// operator detail and the request id. Surfaces show users Text(err, id),
// chosen by the error's code, and nothing else: no host, port, path, SQL,
// Go type or stack trace reaches a user.
//
// The record step also writes every answered or refused question to the
// answer log (feedback.Log), when one is set, and Vote takes the 👍/👎
// users cast on those answers.
//
// It imports the standard library, retrieval, feedback and internal/gate
// only; cmd/ builds one Front and hands it to every surface.
package edge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/internal/gate"
	"github.com/coopbot/coopbot/retrieval"
)

// Surfaces: the values of the surface label of coopbot_questions_total.
const (
	SurfaceCLI     = "cli"
	SurfaceWeb     = "web" // the page and its answer fragment
	SurfaceAPI     = "api"
	SurfaceSlack   = "slack"
	SurfaceDiscord = "discord"
)

// Question outcomes, the values of the outcome label of
// coopbot_questions_total and of the outcome field of the logs.
const (
	OutcomeAnswered    = "answered"     // an answer with citations
	OutcomeAbstained   = "abstained"    // "not in the sources"
	OutcomeInvalid     = "invalid"      // rejected as bad input (empty, too long)
	OutcomeRateLimited = "rate_limited" // refused: rate limit or too many in flight
	OutcomeError       = "error"        // the core failed (database, model, bug)
)

// Outcome classifies the result of a question: answered or abstained on
// success; invalid, rate_limited or error by the error's code.
func Outcome(a retrieval.Answer, err error) string {
	switch retrieval.ErrorCode(err) {
	case "":
		if a.Abstained {
			return OutcomeAbstained
		}
		return OutcomeAnswered
	case retrieval.EINVALID:
		return OutcomeInvalid
	case retrieval.ERATELIMIT, retrieval.EBUSY:
		return OutcomeRateLimited
	}
	return OutcomeError
}

// Text is what a user reads for err on any surface: retrieval.ErrorMessage
// (chosen by code), and for a failure of the service the request id to
// quote, which leads an operator to the logged detail.
func Text(err error, requestID string) string {
	msg := retrieval.ErrorMessage(err)
	code := retrieval.ErrorCode(err)
	if code == "" || retrieval.UserCode(code) || code == retrieval.EBUSY || requestID == "" {
		return msg
	}
	return fmt.Sprintf("%s (request id %s).", strings.TrimSuffix(msg, "."), requestID)
}

// Core is the retrieval core as the surfaces reach it; *retrieval.Service
// implements it. Errors are as documented on retrieval.Service.
type Core = gate.Service

// Recorder records one question asked on a surface; *metrics.Metrics
// implements it.
type Recorder interface {
	// ObserveQuestion counts a question with its outcome (one of the
	// Outcome constants) and records how long answering it took.
	ObserveQuestion(surface, outcome string, elapsed time.Duration)
}

// DefaultTimeout bounds one call when Options.Timeout is zero.
const DefaultTimeout = 90 * time.Second

// Options configures a Front.
type Options struct {
	// Gate bounds the calls running and waiting at once (see
	// internal/gate); the zero value is gate's defaults.
	Gate gate.Options
	// Timeout bounds one call into the core, waiting for a slot
	// included; <= 0 means DefaultTimeout.
	Timeout time.Duration
	// Recorder, when set, counts every question by surface and outcome.
	Recorder Recorder
	// Logger receives one record per question or search; nil discards.
	Logger *slog.Logger
	// AnswerLog, when set, records every answered or refused question
	// and takes votes on them (ANSWER_LOG); nil turns both off.
	AnswerLog *feedback.Log
}

// Front is the path in front of the core. It is safe for concurrent use.
type Front struct {
	gate    *gate.Core
	timeout time.Duration
	rec     Recorder
	log     *slog.Logger
	alog    *feedback.Log
}

// New returns a Front over core.
func New(core Core, opts Options) *Front {
	f := &Front{gate: gate.New(core, opts.Gate), timeout: opts.Timeout, rec: opts.Recorder, log: opts.Logger, alog: opts.AnswerLog}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	return f
}

// Question is one question (or search query) from a surface.
type Question struct {
	Surface string // one of the Surface constants
	// ID is the request id, quoted to users and logged; "" takes the
	// context's (WithRequestID) or a new one.
	ID      string
	Text    string
	History []retrieval.Turn // earlier turns of a chat thread, oldest first
	// Attrs are extra log fields (platform, user, channel…).
	Attrs []slog.Attr
	// User and Channel are the platform's ids of the asker and where
	// they asked, "" when the surface has none; the answer log keeps
	// only their keyed hashes.
	User, Channel string
}

// id fills in and returns the request id q is logged under.
func (q *Question) id(ctx context.Context) string {
	if q.ID == "" {
		q.ID = RequestID(ctx)
	}
	if q.ID == "" {
		q.ID = NewRequestID()
	}
	return q.ID
}

// Ask answers q (a follow-up when q.History is set): validated, admitted
// by the gate, bounded by the timeout, recorded and logged. A panic in the
// core becomes EINTERNAL. Errors are *retrieval.Error values; show users
// Text(err, q.ID).
func (f *Front) Ask(ctx context.Context, q Question) (retrieval.Answer, error) {
	return f.call(ctx, "question", q, func(ctx context.Context, text string) (retrieval.Answer, error) {
		if len(q.History) > 0 {
			return f.gate.AskFollowUp(ctx, q.History, text)
		}
		return f.gate.Ask(ctx, text)
	})
}

// Search returns the passages that best match q.Text, presented as an
// Answer (SearchAnswer): validated, admitted, bounded and logged like Ask,
// but not counted as a question.
func (f *Front) Search(ctx context.Context, q Question, k int) (retrieval.Answer, error) {
	return f.call(ctx, "search", q, func(ctx context.Context, text string) (retrieval.Answer, error) {
		snips, err := f.gate.Search(ctx, text, k)
		if err != nil {
			return retrieval.Answer{}, err
		}
		return SearchAnswer(text, snips), nil
	})
}

// call is the path itself: the one validator, then core (through the
// gate) under the timeout, a panic turned into EINTERNAL and a timeout
// into EUNAVAILABLE, then one record (questions are counted, searches
// only logged).
func (f *Front) call(ctx context.Context, what string, q Question, core func(context.Context, string) (retrieval.Answer, error)) (ans retrieval.Answer, err error) {
	q.id(ctx)
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			ans, err = retrieval.Answer{}, retrieval.Detailf(retrieval.EINTERNAL, nil, "panic: %v\n%s", p, debug.Stack())
		}
		if what == "question" {
			f.record(ctx, q, ans, err, time.Since(start))
		} else {
			f.logOutcome(ctx, what, q, ans, err, time.Since(start))
		}
	}()
	text, err := retrieval.CleanQuestion(q.Text)
	if err != nil {
		return retrieval.Answer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	ans, err = core(ctx, text)
	if err != nil && ctx.Err() != nil && retrieval.ErrorCode(err) == retrieval.EINTERNAL {
		err = retrieval.Detailf(retrieval.EUNAVAILABLE, err, "no answer within %s", f.timeout)
	}
	return ans, err
}

// Validate checks q.Text with the one validator before a surface commits
// to answering (a chat acknowledgement), recording and logging a refusal.
func (f *Front) Validate(ctx context.Context, q Question) error {
	if _, err := retrieval.CleanQuestion(q.Text); err != nil {
		f.Refuse(ctx, q, err)
		return err
	}
	return nil
}

// Refuse records and logs q as refused by the surface before reaching the
// core (for example a chat user over the rate limit).
func (f *Front) Refuse(ctx context.Context, q Question, err error) {
	q.id(ctx)
	f.record(ctx, q, retrieval.Answer{}, err, 0)
}

// record counts q under its surface and outcome, and logs it.
func (f *Front) record(ctx context.Context, q Question, ans retrieval.Answer, err error, elapsed time.Duration) {
	if f.rec != nil {
		f.rec.ObserveQuestion(q.Surface, Outcome(ans, err), elapsed)
	}
	if f.alog != nil && err == nil {
		f.alog.Record(f.entry(q, ans, elapsed))
	}
	f.logOutcome(ctx, "question", q, ans, err, elapsed)
}

// logOutcome writes one record: refusals at info, failures at error with
// the operator detail (err's whole text), both under the request id.
func (f *Front) logOutcome(ctx context.Context, what string, q Question, ans retrieval.Answer, err error, elapsed time.Duration) {
	outcome := Outcome(ans, err)
	attrs := append([]slog.Attr{
		slog.String("request_id", q.ID),
		slog.String("surface", q.Surface),
		slog.String("outcome", outcome),
		slog.Duration("latency", elapsed),
		slog.Int("citations", len(ans.Citations)),
	}, q.Attrs...)
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("code", retrieval.ErrorCode(err)), slog.String("error", err.Error()))
		if outcome == OutcomeError {
			level = slog.LevelError
			what += " failed"
		} else {
			what += " refused"
		}
	}
	f.log.LogAttrs(ctx, level, what, attrs...)
}

// SearchAnswer presents search results in the JSON of `coopbot ask
// --json`: no answer text, one citation per snippet numbered from 1, and
// Abstained when nothing was found.
func SearchAnswer(query string, snips []retrieval.Snippet) retrieval.Answer {
	a := retrieval.Answer{Question: query, Abstained: len(snips) == 0, Citations: []retrieval.Citation{}}
	for i, s := range snips {
		a.Citations = append(a.Citations, retrieval.CitationOf(i+1, s))
	}
	return a
}

type ctxKey struct{}

// WithRequestID returns ctx carrying the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the id WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// NewRequestID returns a short random id to quote in replies and logs.
func NewRequestID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "r" + hex.EncodeToString(b[:])
}
