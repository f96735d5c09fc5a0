package edge

import (
	"context"
	"errors"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/retrieval"
)

// MaxComment bounds a vote's comment, in characters.
const MaxComment = 1000

// VoteRecorder counts votes by surface and value; *metrics.Metrics
// implements it. A Recorder that also implements it counts votes.
type VoteRecorder interface {
	ObserveVote(surface, vote string)
}

// Vote is one user's 👍/👎 on an answer, from a surface.
type Vote struct {
	Surface  string
	AnswerID string // the answer's request id, carried by the buttons
	User     string // the platform's id of the voter; only its hash is kept
	Value    string // feedback.Up or feedback.Down
	Comment  string
}

// Feedback reports whether answers are logged and votes taken, so a
// surface knows whether to offer the buttons.
func (f *Front) Feedback() bool { return f.alog != nil }

// entry is q and its answer as the answer log keeps them: ids hashed,
// the cited chunks by document and ordinal.
func (f *Front) entry(q Question, ans retrieval.Answer, elapsed time.Duration) feedback.Entry {
	e := feedback.Entry{
		ID: q.ID, Time: time.Now(), Surface: q.Surface,
		Channel: f.alog.Hash("channel", q.Channel), User: f.alog.Hash("user", q.User),
		Question: ans.Question, Standalone: ans.Standalone, Abstained: ans.Abstained,
		Answerer: ans.Answerer, Latency: elapsed,
	}
	if e.Question == "" {
		e.Question = q.Text
	}
	if e.Standalone == "" {
		e.Standalone = e.Question
	}
	if len(ans.Citations) > 0 {
		e.Chunks = make([]feedback.Chunk, len(ans.Citations))
		for i, c := range ans.Citations {
			e.Chunks[i] = feedback.Chunk{Document: c.DocumentID, Ordinal: c.Ordinal}
		}
	}
	return e
}

// Vote records v, once per user and answer (a second vote replaces the
// first), counts it, and logs it under the answer's request id. Errors
// are *retrieval.Error values whose text users read (Text): EINVALID for
// a bad vote, ENOTFOUND for an answer not in the log (never logged, or
// older than the log keeps), EINVALID too when the log is off (ANSWER_LOG=off), EUNAVAILABLE when it fails.
func (f *Front) Vote(ctx context.Context, v Vote) (feedback.Result, error) {
	if f.alog == nil {
		return 0, retrieval.Errorf(retrieval.EINVALID, "Feedback is turned off on this server (ANSWER_LOG=off), so the vote was not recorded.")
	}
	switch {
	case v.Value != feedback.Up && v.Value != feedback.Down:
		return 0, retrieval.Errorf(retrieval.EINVALID, "A vote must be %q or %q.", feedback.Up, feedback.Down)
	case v.AnswerID == "" || len(v.AnswerID) > 64 || !utf8.ValidString(v.AnswerID):
		return 0, retrieval.Errorf(retrieval.EINVALID, "The vote names no answer: vote with the buttons under an answer.")
	case utf8.RuneCountInString(v.Comment) > MaxComment || !utf8.ValidString(v.Comment):
		return 0, retrieval.Errorf(retrieval.EINVALID, "The comment is too long; the limit is %d characters.", MaxComment)
	}
	res, err := f.alog.Vote(ctx, feedback.Vote{
		AnswerID: v.AnswerID, Surface: v.Surface, Voter: f.alog.Hash("user", v.User), Value: v.Value, Comment: v.Comment,
	})
	if errors.Is(err, feedback.ErrUnknownAnswer) {
		err = retrieval.Errorf(retrieval.ENOTFOUND, "That answer is no longer in the log (answers are kept for %d days, and for less in memory), so the vote was not recorded. Ask again to vote on a fresh answer.", f.alog.Days())
	} else if err != nil {
		err = retrieval.Detailf(retrieval.EUNAVAILABLE, err, "record vote")
	}
	attrs := []slog.Attr{slog.String("request_id", v.AnswerID), slog.String("surface", v.Surface), slog.String("vote", v.Value)}
	if err != nil {
		f.log.LogAttrs(ctx, slog.LevelWarn, "vote refused", append(attrs, slog.String("code", retrieval.ErrorCode(err)), slog.String("error", err.Error()))...)
		return 0, err
	}
	if vr, ok := f.rec.(VoteRecorder); ok {
		vr.ObserveVote(v.Surface, v.Value)
	}
	f.log.LogAttrs(ctx, slog.LevelInfo, "vote", append(attrs, slog.Int("result", int(res)))...)
	return res, nil
}

// VoteText is what a user reads once their vote is taken.
func VoteText(value string, res feedback.Result) string {
	mark := "👍"
	if value == feedback.Down {
		mark = "👎"
	}
	switch res {
	case feedback.Changed:
		return "Vote changed to " + mark + ". Thanks for the feedback."
	case feedback.Unchanged:
		return "Your " + mark + " was already recorded."
	}
	return "Thanks for the feedback: " + mark + " recorded. You can change your vote."
}
