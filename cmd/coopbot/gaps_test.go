package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// seedLog writes the 200 questions of feedback/testdata/gaps-log.jsonl
// into the answer log at url, with their votes, and returns each
// question's missing topic ("" for covered and one-off questions).
func seedLog(t *testing.T, url string) map[string]string {
	t.Helper()
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Analyzer: snowball.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := s.AnswerLog()
	f, err := os.Open("../../feedback/testdata/gaps-log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	topic := map[string]string{}
	var votes []feedback.Vote
	var entries []feedback.Entry
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); {
		if line := sc.Text(); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r struct {
			Q, Topic         string
			Abstained        bool
			Downs, Ups, Days int
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n++
		id := fmt.Sprintf("rfix%03d", n)
		e := feedback.Entry{ID: id, Time: time.Now().AddDate(0, 0, -r.Days), Surface: "slack", Question: r.Q, Standalone: r.Q, Abstained: r.Abstained, Answerer: "extractive"}
		if !r.Abstained {
			e.Chunks = []feedback.Chunk{{Document: "000_36fd46dc1482b52a", Ordinal: n % 5}}
		}
		entries = append(entries, e)
		for i := range r.Ups {
			votes = append(votes, feedback.Vote{AnswerID: id, Voter: fmt.Sprintf("up%d", i), Value: feedback.Up, Time: time.Now()})
		}
		for i := range r.Downs {
			votes = append(votes, feedback.Vote{AnswerID: id, Voter: fmt.Sprintf("down%d", i), Value: feedback.Down, Time: time.Now()})
		}
		topic[r.Q] = r.Topic
	}
	if err := log.Append(ctx, entries); err != nil {
		t.Fatal(err)
	}
	for _, v := range votes {
		if _, err := log.Vote(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	return topic
}

// TestGapsCommand: coopbot gaps over a log of 200 questions in
// PostgreSQL lists each missing topic as one group, largest first, with
// the passages that came closest.
func TestGapsCommand(t *testing.T) {
	url := pgtest.NewDB(t, "coopbot_gaps")
	getenv := env("DATABASE_URL", url)
	if code, _, errs := run(t, getenv, "ingest"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	topic := seedLog(t, url)
	code, out, errs := run(t, getenv, "gaps", "--json", "--since", "30d")
	if code != 0 {
		t.Fatalf("gaps --json: exit %d: %s", code, errs)
	}
	var rep feedback.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("gaps --json printed %q: %v", out, err)
	}
	want := []struct {
		topic string
		n     int
	}{{"carrier", 16}, {"budget", 13}, {"submarine", 11}, {"gcap", 9}, {"space", 7}}
	if rep.Questions != 200 || len(rep.Gaps) < len(want) {
		t.Fatalf("report of %d questions, %d gaps; want 200 and at least %d", rep.Questions, len(rep.Gaps), len(want))
	}
	for i, w := range want {
		g := rep.Gaps[i]
		for _, ex := range g.Examples {
			if topic[ex] != w.topic {
				t.Errorf("gap %d example %q is of topic %q; want %q", i, ex, topic[ex], w.topic)
			}
		}
		if g.Count != w.n || len(g.Examples) != 3 || len(g.Closest) == 0 || g.FirstSeen.After(g.LastSeen) {
			t.Errorf("gap %d = %d questions, %d examples, %d closest passages; want %d, 3 and some", i, g.Count, len(g.Examples), len(g.Closest), w.n)
		}
	}
	if len(rep.Topics) == 0 || len(rep.Disliked) == 0 {
		t.Errorf("report has %d topics and %d down-voted answers; want some of each", len(rep.Topics), len(rep.Disliked))
	}
	code, out, _ = run(t, getenv, "gaps")
	if code != 0 || !strings.Contains(out, "1. 16 question(s)") || !strings.Contains(out, "closest:") {
		t.Errorf("gaps (text) = %d:\n%s\nwant the carrier group first with its closest passages", code, out)
	}
	// The loop back into eval: a skeleton of the gaps, loadable as it is.
	code, out, errs = run(t, getenv, "eval", "--from-log", "--since", "30d")
	cases := strings.Count(out, "\n{")
	if code != 0 || cases != 56+10+2 || !strings.Contains(out, `{"question":"Will Japan join AUKUS?","abstain":true}`) {
		t.Errorf("eval --from-log = %d, %d cases, %q:\n%s\nwant the 56 topic questions, 10 one-offs and 2 down-voted answers", code, cases, errs, out)
	}
	skeleton := filepath.Join(t.TempDir(), "todo.jsonl")
	if err := os.WriteFile(skeleton, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, getenv, "eval", skeleton); code != 0 && code != 1 || strings.Contains(errs, "line ") {
		t.Errorf("eval on the skeleton = %d %q; want it loaded and run", code, errs)
	}
	if code, _, errs := run(t, env(), "gaps"); code != 1 || !strings.Contains(errs, "DATABASE_URL") {
		t.Errorf("gaps without DATABASE_URL = %d %q; want exit 1 naming DATABASE_URL", code, errs)
	}
	if code, _, errs := run(t, getenv, "gaps", "--since", "soon"); code != 2 || !strings.Contains(errs, "30d") {
		t.Errorf("gaps --since soon = %d %q; want a usage error with an example", code, errs)
	}
}
