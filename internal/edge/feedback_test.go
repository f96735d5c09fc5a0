package edge_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// votes counts votes like metrics.Metrics.
type votes struct {
	mu sync.Mutex
	n  map[string]int
}

func (v *votes) ObserveQuestion(string, string, time.Duration) {}
func (v *votes) ObserveVote(surface, vote string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n[surface+"/"+vote]++
}

// logged returns a Front over the bundled corpus that records into a
// running in-memory answer log.
func logged(t testing.TB, rec edge.Recorder) (*edge.Front, *feedback.Log) {
	t.Helper()
	l := feedbacktest.NewLog(t)
	return edge.New(testcore.Service(t), edge.Options{AnswerLog: l, Recorder: rec}), l
}

// TestAnswerLogged: answers and refusals are logged with their standalone
// question, chunks and answerer; invalid questions are not.
func TestAnswerLogged(t *testing.T) {
	front, l := logged(t, nil)
	ctx := context.Background()
	for _, q := range []string{"Which minister announced the Typhoon exercise plan?", "Who won the 2015 Rugby World Cup?", "  "} {
		_, _ = front.Ask(ctx, edge.Question{Surface: edge.SurfaceWeb, Text: q, User: "U1", Channel: "C1"})
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	recs, _ := l.Since(ctx, time.Time{})
	if len(recs) != 2 {
		t.Fatalf("logged %d entries; want 2 (the answer and the refusal)", len(recs))
	}
	a, r := recs[0], recs[1]
	if a.Abstained || len(a.Chunks) == 0 || a.Answerer != retrieval.AnswererExtractive || a.Standalone != a.Question || a.Latency <= 0 {
		t.Errorf("answer entry = %+v; want chunks, the extractive answerer, a latency", a.Entry)
	}
	if !r.Abstained || len(r.Chunks) != 0 || r.Answerer != retrieval.AnswererRule {
		t.Errorf("refusal entry = %+v; want abstained by the rule", r.Entry)
	}
	if a.User == "" || a.User == "U1" || a.Channel == "C1" {
		t.Errorf("entry user, channel = %q, %q; want keyed hashes", a.User, a.Channel)
	}
}

func TestVote(t *testing.T) {
	rec := &votes{n: map[string]int{}}
	front, _ := logged(t, rec)
	ctx := context.Background()
	if _, err := front.Ask(ctx, edge.Question{Surface: edge.SurfaceSlack, ID: "r1", Text: "Which minister announced the Typhoon exercise plan?"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		v      edge.Vote
		want   feedback.Result
		code   string
		inText string
	}{
		{edge.Vote{Surface: "slack", AnswerID: "r1", User: "U1", Value: feedback.Up}, feedback.Recorded, "", ""},
		{edge.Vote{Surface: "slack", AnswerID: "r1", User: "U1", Value: feedback.Up}, feedback.Unchanged, "", ""},
		{edge.Vote{Surface: "slack", AnswerID: "r1", User: "U1", Value: feedback.Down}, feedback.Changed, "", ""},
		{edge.Vote{Surface: "slack", AnswerID: "r-gone", User: "U1", Value: feedback.Up}, 0, retrieval.ENOTFOUND, "no longer in the log"},
		{edge.Vote{Surface: "slack", AnswerID: "r1", User: "U1", Value: "meh"}, 0, retrieval.EINVALID, "must be"},
		{edge.Vote{Surface: "slack", AnswerID: "", User: "U1", Value: feedback.Up}, 0, retrieval.EINVALID, "names no answer"},
		{edge.Vote{Surface: "web", AnswerID: "r1", User: "U2", Value: feedback.Up, Comment: strings.Repeat("x", edge.MaxComment+1)}, 0, retrieval.EINVALID, "too long"},
	}
	for _, tt := range tests {
		got, err := front.Vote(ctx, tt.v)
		if code := retrieval.ErrorCode(err); got != tt.want || code != tt.code || !strings.Contains(edge.Text(err, "r1"), tt.inText) {
			t.Errorf("Vote(%+v) = %v, %v; want %v, code %q, text with %q", tt.v, got, err, tt.want, tt.code, tt.inText)
		}
	}
	if rec.n["slack/up"] != 2 || rec.n["slack/down"] != 1 {
		t.Errorf("votes counted = %v; want slack/up 2, slack/down 1", rec.n)
	}
	off := edge.New(testcore.Service(t), edge.Options{})
	if _, err := off.Vote(ctx, edge.Vote{AnswerID: "r1", Value: feedback.Up}); !strings.Contains(edge.Text(err, ""), "ANSWER_LOG=off") {
		t.Errorf("Vote with the log off = %v; want the plain sentence naming ANSWER_LOG=off", err)
	}
}

// BenchmarkAskAnswerLog measures the answer path with the log off and on
// (in memory, writer running); the difference is the cost of recording.
func BenchmarkAskAnswerLog(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"off", "on"} {
		b.Run("log="+mode, func(b *testing.B) {
			front := edge.New(testcore.Service(b), edge.Options{})
			if mode == "on" {
				front, _ = logged(b, nil)
			}
			q := edge.Question{Surface: edge.SurfaceSlack, Text: "Which minister announced the Typhoon exercise plan?", User: "U1", Channel: "C1"}
			b.ResetTimer()
			for b.Loop() {
				q.ID = ""
				if _, err := front.Ask(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
