package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
)

func TestMemoryContract(t *testing.T) {
	feedbacktest.Run(t, func(t *testing.T) feedback.Store { return feedback.NewMemory(100) })
}

func TestMemoryBound(t *testing.T) {
	ctx := context.Background()
	m := feedback.NewMemory(3)
	now := time.Now()
	for i := range 5 {
		if err := m.Append(ctx, []feedback.Entry{feedbacktest.Entry(fmt.Sprintf("r%d", i), now, false)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := m.Since(ctx, time.Time{})
	if len(got) != 3 || got[0].ID != "r2" || got[2].ID != "r4" {
		t.Errorf("after 5 appends into 3, Since = %v; want r2..r4", got)
	}
	if _, err := m.Vote(ctx, feedback.Vote{AnswerID: "r0", Voter: "v", Value: feedback.Up}); !errors.Is(err, feedback.ErrUnknownAnswer) {
		t.Errorf("Vote(evicted) = %v; want ErrUnknownAnswer", err)
	}
}

func TestHasher(t *testing.T) {
	h := feedback.NewHasher([]byte("k1"))
	tests := []struct {
		kind, raw string
		other     feedback.Hasher
		same      bool
	}{
		{"user", "U123", feedback.NewHasher([]byte("k1")), true},
		{"user", "U123", feedback.NewHasher([]byte("k2")), false},
	}
	for _, tc := range tests {
		a, b := h.Hash(tc.kind, tc.raw), tc.other.Hash(tc.kind, tc.raw)
		if (a == b) != tc.same || len(a) != 32 {
			t.Errorf("Hash(%q, %q) = %q and %q under another key; want same=%v, 32 hex digits", tc.kind, tc.raw, a, b, tc.same)
		}
	}
	if h.Hash("user", "U1") == h.Hash("channel", "U1") {
		t.Errorf("Hash(user, U1) = Hash(channel, U1); want kinds kept apart")
	}
	if got := h.Hash("user", ""); got != "" {
		t.Errorf("Hash(user, \"\") = %q; want \"\"", got)
	}
}

// stuck is a Store whose Append waits for release, or fails.
type stuck struct {
	*feedback.Memory
	release chan struct{}
	fail    error
}

func (s *stuck) Append(ctx context.Context, es []feedback.Entry) error {
	if s.release != nil {
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.fail != nil {
		return s.fail
	}
	return s.Memory.Append(ctx, es)
}

// TestRecordNeverBlocks: with the store stuck, Record returns at once;
// entries beyond the buffer are dropped and counted.
func TestRecordNeverBlocks(t *testing.T) {
	st := &stuck{Memory: feedback.NewMemory(0), release: make(chan struct{})}
	failures := 0
	l := feedback.New(st, feedback.Options{Buffer: 4, OnFailure: func() { failures++ }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	start := time.Now()
	for i := range 20 {
		l.Record(feedbacktest.Entry(fmt.Sprintf("r%d", i), time.Now(), false))
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("20 Records against a stuck store took %s; want no wait", d)
	}
	close(st.release)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Since(context.Background(), time.Time{})
	if int64(len(got))+l.Failures() != 20 || failures != int(l.Failures()) {
		t.Errorf("%d written + %d failed (%d reported); want 20 in all, each failure reported", len(got), l.Failures(), failures)
	}
	cancel()
	<-done
}

// TestRecordDropsBeyondBuffer: with no writer draining the buffer,
// exactly the entries beyond it are dropped and counted.
func TestRecordDropsBeyondBuffer(t *testing.T) {
	l := feedback.New(feedback.NewMemory(0), feedback.Options{Buffer: 4})
	for i := range 20 {
		l.Record(feedbacktest.Entry(fmt.Sprintf("r%d", i), time.Now(), false))
	}
	if got := l.Failures(); got != 16 {
		t.Errorf("Failures() after 20 Records into a buffer of 4 = %d; want 16", got)
	}
}

// TestWriteFailureCounted: a store that fails loses the entries, counted,
// and the Log keeps running.
func TestWriteFailureCounted(t *testing.T) {
	st := &stuck{Memory: feedback.NewMemory(0), fail: errors.New("database down")}
	l := feedback.New(st, feedback.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	l.Record(feedbacktest.Entry("r1", time.Now(), false))
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := l.Failures(); got != 1 {
		t.Errorf("Failures() = %d; want 1", got)
	}
}

// TestVoteWaitsForQueuedEntry: a vote cast before its entry is written
// waits for it rather than calling the answer unknown.
func TestVoteWaitsForQueuedEntry(t *testing.T) {
	mem := feedback.NewMemory(0)
	l := feedback.New(mem, feedback.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	l.Record(feedbacktest.Entry("r1", time.Now(), false))
	if res, err := l.Vote(ctx, feedback.Vote{AnswerID: "r1", Voter: "v", Value: feedback.Up}); err != nil || res != feedback.Recorded {
		t.Errorf("Vote right after Record = %v, %v; want Recorded", res, err)
	}
	if _, err := l.Vote(ctx, feedback.Vote{AnswerID: "r9", Voter: "v", Value: feedback.Up}); !errors.Is(err, feedback.ErrUnknownAnswer) {
		t.Errorf("Vote(never logged) = %v; want ErrUnknownAnswer", err)
	}
}

// TestRunPurges: Run purges at start, by Days.
func TestRunPurges(t *testing.T) {
	mem := feedback.NewMemory(0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = mem.Append(ctx, []feedback.Entry{feedbacktest.Entry("old", time.Now().AddDate(0, 0, -31), false), feedbacktest.Entry("new", time.Now(), false)})
	l := feedback.New(mem, feedback.Options{Days: 30})
	go l.Run(ctx)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := mem.Since(ctx, time.Time{})
	if len(got) != 1 || got[0].ID != "new" {
		t.Errorf("after Run with Days 30, entries = %+v; want only new", got)
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"0d", 0, false},
		{"-3d", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := feedback.ParseWindow(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// BenchmarkRecord is what the log adds to an answer: two keyed hashes
// and a queued entry (the writer draining into memory).
func BenchmarkRecord(b *testing.B) {
	l := feedback.New(feedback.NewMemory(0), feedback.Options{Key: []byte("k")})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	e := feedbacktest.Entry("r", time.Now(), false)
	for i := 0; b.Loop(); i++ {
		e.ID = fmt.Sprintf("r%d", i)
		e.User, e.Channel = l.Hash("user", "U123"), l.Hash("channel", "C123")
		l.Record(e)
	}
}
