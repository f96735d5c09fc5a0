// Package feedbacktest is the contract every feedback.Store meets, run by
// the tests of feedback.Memory and of the PostgreSQL answer log.
package feedbacktest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/coopbot/coopbot/feedback"
)

// Entry returns an entry with id, logged at t.
func Entry(id string, t time.Time, abstained bool) feedback.Entry {
	e := feedback.Entry{
		ID: id, Time: t, Surface: "slack", Channel: "c-hash", User: "u-hash",
		Question: "q " + id, Standalone: "standalone " + id, Abstained: abstained,
		Answerer: "abstain-rule", Latency: 1500 * time.Microsecond,
	}
	if !abstained {
		e.Answerer = "extractive"
		e.Chunks = []feedback.Chunk{{Document: "doc-a", Ordinal: 3}, {Document: "doc-b", Ordinal: 0}}
	}
	return e
}

// Run checks the contract on the Store fresh returns, which must be
// empty; fresh is called once per subtest.
func Run(t *testing.T, fresh func(t *testing.T) feedback.Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	t.Run("append and read back", func(t *testing.T) { appendRead(t, fresh(t), now) })
	t.Run("votes", func(t *testing.T) { votes(t, fresh(t), now) })
	t.Run("purge", func(t *testing.T) { purge(t, fresh(t), now) })
}

// appendRead: entries read back as written; an id is stored once.
func appendRead(t *testing.T, s feedback.Store, now time.Time) {
	ctx := context.Background()
	a, b := Entry("r1", now.Add(-time.Hour), false), Entry("r2", now, true)
	if err := s.Append(ctx, []feedback.Entry{a, b}); err != nil {
		t.Fatalf("Append = %v", err)
	}
	// An id already stored is left as it is.
	dup := a
	dup.Question = "changed"
	if err := s.Append(ctx, []feedback.Entry{dup}); err != nil {
		t.Fatalf("Append(duplicate) = %v", err)
	}
	got, err := s.Since(ctx, now.Add(-2*time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("Since = %d records, %v; want 2", len(got), err)
	}
	if g := got[0].Entry; g.ID != "r1" || g.Question != a.Question || g.Standalone != a.Standalone || !g.Time.Equal(a.Time) ||
		!slices.Equal(g.Chunks, a.Chunks) || g.Answerer != a.Answerer || g.Latency != a.Latency || g.User != a.User || g.Channel != a.Channel {
		t.Errorf("Since()[0] = %+v; want %+v", g, a)
	}
	if !got[1].Abstained || len(got[1].Chunks) != 0 {
		t.Errorf("Since()[1] = %+v; want abstained with no chunks", got[1])
	}
	if got, _ := s.Since(ctx, now.Add(-time.Minute)); len(got) != 1 || got[0].ID != "r2" {
		t.Errorf("Since(a minute ago) = %+v; want r2 only", got)
	}
}

// votes: one vote per voter and answer, replaced by a changed vote.
func votes(t *testing.T, s feedback.Store, now time.Time) {
	ctx := context.Background()
	if err := s.Append(ctx, []feedback.Entry{Entry("r1", now, false)}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		voter, value string
		want         feedback.Result
	}{
		{"alice", feedback.Up, feedback.Recorded},
		{"alice", feedback.Up, feedback.Unchanged},
		{"alice", feedback.Down, feedback.Changed},
		{"bob", feedback.Down, feedback.Recorded},
	}
	for _, st := range steps {
		got, err := s.Vote(ctx, feedback.Vote{AnswerID: "r1", Surface: "web", Voter: st.voter, Value: st.value, Comment: "c-" + st.voter, Time: now})
		if err != nil || got != st.want {
			t.Errorf("Vote(%q, %q) = %v, %v; want %v", st.voter, st.value, got, err, st.want)
		}
	}
	recs, err := s.Since(ctx, now.Add(-time.Hour))
	if err != nil || len(recs) != 1 {
		t.Fatalf("Since = %v, %v", recs, err)
	}
	if r := recs[0]; r.Ups != 0 || r.Downs != 2 || len(r.Comments) != 2 {
		t.Errorf("tallies = %d up, %d down, comments %q; want 0, 2 and two comments", r.Ups, r.Downs, r.Comments)
	}
	if _, err := s.Vote(ctx, feedback.Vote{AnswerID: "nope", Voter: "alice", Value: feedback.Up, Time: now}); !errors.Is(err, feedback.ErrUnknownAnswer) {
		t.Errorf("Vote(unknown answer) = %v; want ErrUnknownAnswer", err)
	}
}

// purge: entries before the window go, with their votes.
func purge(t *testing.T, s feedback.Store, now time.Time) {
	ctx := context.Background()
	old, fresh := Entry("old", now.AddDate(0, 0, -100), false), Entry("new", now.AddDate(0, 0, -1), false)
	if err := s.Append(ctx, []feedback.Entry{old, fresh}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Vote(ctx, feedback.Vote{AnswerID: "old", Voter: "v", Value: feedback.Down, Time: now}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(ctx, now.AddDate(0, 0, -90))
	if err != nil || n != 1 {
		t.Errorf("Purge = %d, %v; want 1", n, err)
	}
	got, _ := s.Since(ctx, time.Time{})
	if len(got) != 1 || got[0].ID != "new" {
		t.Errorf("after Purge, Since = %+v; want only the entry inside the window", got)
	}
	if _, err := s.Vote(ctx, feedback.Vote{AnswerID: "old", Voter: "v", Value: feedback.Up, Time: now}); !errors.Is(err, feedback.ErrUnknownAnswer) {
		t.Errorf("Vote(purged answer) = %v; want ErrUnknownAnswer", err)
	}
}

// Start runs l's writer until tb ends. Start it after any cleanup that
// must see it stopped (a goroutine-leak check) is registered.
func Start(tb testing.TB, l *feedback.Log) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
}

// NewLog returns a running answer log over a fresh in-memory store.
func NewLog(tb testing.TB) *feedback.Log {
	l := feedback.New(feedback.NewMemory(0), feedback.Options{Key: []byte("test-key")})
	Start(tb, l)
	return l
}
