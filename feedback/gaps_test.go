package feedback_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// fixtureRow is one line of testdata/gaps-log.jsonl.
type fixtureRow struct {
	Q         string `json:"q"`
	Topic     string `json:"topic"`
	Abstained bool   `json:"abstained"`
	Downs     int    `json:"downs"`
	Ups       int    `json:"ups"`
	Days      int    `json:"days"`
}

// gapsFixture returns the fixture's records, and the missing topic of
// each question.
func gapsFixture(t *testing.T) ([]feedback.Record, map[string]string) {
	t.Helper()
	f, err := os.Open("testdata/gaps-log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	now := time.Now()
	var recs []feedback.Record
	topic := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); {
		if line := sc.Text(); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var r fixtureRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("fixture line %q: %v", sc.Text(), err)
		}
		n++
		e := feedback.Entry{ID: fmt.Sprintf("r%03d", n), Time: now.AddDate(0, 0, -r.Days), Surface: "slack", Question: r.Q, Standalone: r.Q, Abstained: r.Abstained}
		if !r.Abstained {
			e.Chunks = []feedback.Chunk{{Document: "doc", Ordinal: n % 7}}
		}
		recs = append(recs, feedback.Record{Entry: e, Ups: r.Ups, Downs: r.Downs})
		topic[r.Q] = r.Topic
	}
	return recs, topic
}

// defaultEmbed is the default embedder's Embed.
func defaultEmbed(t testing.TB) feedback.Embed {
	e, err := semantic.Blend(hash.New(hash.DefaultDims), snowball.New())
	if err != nil {
		t.Fatal(err)
	}
	return e.Embed
}

// TestGapsFixture: on 200 logged questions, each topic the sources miss
// is one gap holding all its refused and down-voted paraphrases and
// nothing else, and gaps come largest first.
func TestGapsFixture(t *testing.T) {
	recs, topic := gapsFixture(t)
	if len(recs) != 200 {
		t.Fatalf("fixture has %d questions; want 200", len(recs))
	}
	want := map[string]int{}
	for _, r := range recs {
		if tp := topic[r.Question]; tp != "" && (r.Abstained || r.Downs > r.Ups) {
			want[tp]++
		}
	}
	rep, err := feedback.Gaps(context.Background(), time.Time{}, recs, defaultEmbed(t), nil, feedback.GapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spans := map[string]map[int]bool{} // topic → the gaps holding it
	for i, g := range rep.Gaps {
		if i > 0 && g.Count > rep.Gaps[i-1].Count {
			t.Errorf("gap %d has %d questions, more than gap %d's %d; want largest first", i, g.Count, i-1, rep.Gaps[i-1].Count)
		}
		if len(g.Examples) > 3 || len(g.Examples) > g.Count {
			t.Errorf("gap %d has %d examples of %d questions; want at most 3", i, len(g.Examples), g.Count)
		}
		for _, q := range g.Questions {
			tp := topic[q]
			if spans[tp] == nil {
				spans[tp] = map[int]bool{}
			}
			spans[tp][i] = true
		}
	}
	for tp, n := range want {
		if len(spans[tp]) != 1 {
			t.Errorf("topic %q (%d questions) is split over gaps %v; want one", tp, n, spans[tp])
			continue
		}
		for i := range spans[tp] {
			if g := rep.Gaps[i]; g.Count != n {
				t.Errorf("topic %q: gap %d holds %d questions %q; want the topic's %d and nothing else", tp, i, g.Count, g.Questions, n)
			}
			if i >= len(want) {
				t.Errorf("topic %q is gap %d; want the %d topics listed first, ahead of the one-off refusals", tp, i, len(want))
			}
		}
	}
	if len(want) != 5 || rep.Questions != 200 {
		t.Errorf("fixture has %d missing topics, report %d questions; want 5, 200", len(want), rep.Questions)
	}
	for i, g := range rep.Gaps[:min(len(rep.Gaps), 8)] {
		t.Logf("gap %d: %d (%d refused, %d down-voted) %q", i, g.Count, g.Refused, g.DownVoted, g.Examples)
	}
}
