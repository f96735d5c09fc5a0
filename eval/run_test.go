package eval

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/llm"
)

// The metrics from per-case results: a refusal of an answerable case is a
// lead miss and a wrong abstention; an uncovered case answered counts
// against its category; cases without a category count only overall.
func TestTallyMetrics(t *testing.T) {
	ans := []string{"x"}
	results := []Result{
		{Case: Case{Category: "who", Answer: ans}, Rank: 1, LeadHit: true, CitationsValid: true},
		{Case: Case{Category: "who", Answer: ans}, Rank: 3, Abstained: true},
		{Case: Case{Category: "who", Answer: ans}, Rank: 7, LeadMissing: ans, CitationsValid: true},
		{Case: Case{Category: "near-miss", Abstain: true}, CitationsValid: true},
		{Case: Case{Category: "near-miss", Abstain: true}, Abstained: true},
		{Case: Case{}, Rank: 2, CitationsValid: true}, // golden style: no category, no answer strings
	}
	var all tally
	byCat := map[string]*tally{"who": {}, "near-miss": {}}
	for _, r := range results {
		all.add(r)
		if c := r.Case.Category; c != "" {
			byCat[c].add(r)
		}
	}
	got := all.metrics()
	want := Metrics{
		Cases: 6, Answerable: 4, RecallAt1: 0.25, RecallAt5: 0.75, MRR: (1 + 1.0/3 + 1.0/7 + 0.5) / 4,
		LeadCases: 3, LeadHit: 1.0 / 3, WrongAbstentions: 1, WrongAbstainRate: 0.25,
		Uncovered: 2, UncoveredAnswered: 1, UncoveredAnsweredRate: 0.5,
		AbstainPrecision: 0.5, AbstainRecall: 0.5, ValidCitations: 1,
	}
	if math.Abs(got.MRR-want.MRR) < 1e-12 {
		got.MRR = want.MRR // summed at run time, in float64
	}
	if got != want {
		t.Errorf("metrics = %+v;\nwant %+v", got, want)
	}
	who := byCat["who"].metrics()
	if who.Cases != 3 || who.LeadHit != 1.0/3 || who.WrongAbstentions != 1 || who.Uncovered != 0 || who.UncoveredAnsweredRate != 0 {
		t.Errorf("who = %+v; want 3 cases, lead-hit 1/3, 1 wrong abstention, no uncovered", who)
	}
	nm := byCat["near-miss"].metrics()
	if nm.Answerable != 0 || nm.RecallAt5 != 0 || nm.LeadCases != 0 || nm.UncoveredAnswered != 1 || nm.UncoveredAnsweredRate != 0.5 {
		t.Errorf("near-miss = %+v; want no answerable, 1 of 2 uncovered answered", nm)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		res  Result
		want []string
	}{
		{Result{Case: Case{Answer: []string{"x"}}, Rank: 1, LeadHit: true}, nil},
		{Result{Case: Case{Answer: []string{"x"}}, Rank: 1, Abstained: true, LeadMissing: []string{"x"}}, []string{"refused"}},
		{Result{Case: Case{}, Rank: 0}, []string{"wrong passage (none relevant in the top 10)"}},
		{Result{Case: Case{Answer: []string{"a", "b|c"}}, Rank: 6, LeadMissing: []string{"b|c"}}, []string{"wrong passage (first relevant at rank 6)", `lead lacks "b|c"`}},
		{Result{Case: Case{Abstain: true}}, []string{"answered (should abstain)"}},
		{Result{Case: Case{Abstain: true}, Abstained: true}, nil},
	}
	for _, tt := range tests {
		if got := tt.res.Problems(); !slices.Equal(got, tt.want) {
			t.Errorf("Problems(%+v) = %q; want %q", tt.res, got, tt.want)
		}
	}
}

// Run against the real core over the bundled corpus: the lead is the
// answer's first sentence, a lead-hit check passes on a fact that
// sentence states and fails on one it does not.
func TestRunLead(t *testing.T) {
	core := testcore.Service(t)
	const q = "Who did Philip Hammond meet in Tokyo?" // answered by the golden-set thresholds
	ans, err := core.Ask(context.Background(), q)
	if err != nil || ans.Abstained {
		t.Fatalf("Ask(%q) = %+v, %v; want an answer", q, ans, err)
	}
	lead := FirstSentence(ans.Text)
	words := strings.Fields(llm.StripMarkers(lead))
	if len(words) < 3 || len(lead) >= len(ans.Text) {
		t.Fatalf("FirstSentence(%q) = %q; want a proper prefix of several words", ans.Text, lead)
	}
	stated := strings.Join(words[1:3], " ")
	cases := []Case{
		{Question: q, Category: "who", Document: "000_36fd46dc1482b52a", Paragraphs: []int{4}, Answer: []string{"never stated|nor this", stated}},
		{Question: q, Category: "who", Document: "000_36fd46dc1482b52a", Paragraphs: []int{4}, Answer: []string{"never stated|" + strings.ToUpper(stated)}},
	}
	rep, err := Run(context.Background(), core, cases)
	if err != nil {
		t.Fatal(err)
	}
	miss, hit := rep.Results[0], rep.Results[1]
	if miss.Lead != lead || miss.LeadHit || !slices.Equal(miss.LeadMissing, []string{"never stated|nor this"}) {
		t.Errorf("miss: lead %q hit %v missing %q; want lead %q, a miss lacking the unstated string", miss.Lead, miss.LeadHit, miss.LeadMissing, lead)
	}
	if !hit.LeadHit || hit.LeadMissing != nil {
		t.Errorf("hit: lead %q hit %v missing %q; want a hit on %q", hit.Lead, hit.LeadHit, hit.LeadMissing, stated)
	}
	if rep.LeadCases != 2 || rep.LeadHit != 0.5 || rep.ByCategory["who"].LeadHit != 0.5 {
		t.Errorf("lead cases %d, lead-hit %.3f, by category %+v; want 2, 0.5 and who 0.5", rep.LeadCases, rep.LeadHit, rep.ByCategory)
	}
	if f := rep.Failures(); len(f) != 1 || f[0].Case.Answer[0] != "never stated|nor this" {
		t.Errorf("Failures() = %+v; want the miss only", f)
	}
}

func TestLoadErrors(t *testing.T) {
	const ok = `{"question": "q?", "category": "who", "document": "d", "paragraphs": [1], "answer": ["a|b"]}`
	tests := []struct{ name, input, want string }{
		{"unknown category", ok + "\n" + `{"question": "q?", "category": "synonyms", "document": "d"}`, `line 2: unknown category "synonyms"`},
		{"empty answer string", `{"question": "q?", "document": "d", "answer": [""]}`, `line 1: answer 1 ("") has an empty alternative`},
		{"empty alternative", `{"question": "q?", "document": "d", "answer": ["x", "a||b"]}`, `line 1: answer 2 ("a||b") has an empty alternative`},
		{"abstain with answer", `{"question": "q?", "abstain": true, "answer": ["x"]}`, "line 1: an abstain case has no answer strings"},
		{"abstain with alternative", `{"question": "q?", "abstain": true, "also": [{"document": "d"}]}`, "line 1: an abstain case names no document"},
		{"alternative without document", `{"question": "q?", "document": "d", "also": [{"paragraphs": [2]}]}`, "line 1: also 1 names no document"},
		{"unknown field", `{"question": "q?", "document": "d", "answers": ["x"]}`, `line 1: json: unknown field "answers"`},
		{"no question", `{"question": " ", "document": "d"}`, "line 1: no question"},
	}
	for _, tt := range tests {
		_, err := Load(strings.NewReader(tt.input))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: Load = %v; want one line containing %q", tt.name, err, tt.want)
		}
	}
	cases, err := Load(strings.NewReader(ok + "\n" + `{"question": "x", "category": "near-miss", "abstain": true}`))
	if err != nil || len(cases) != 2 || cases[0].Category != "who" || !slices.Equal(cases[0].Answer, []string{"a|b"}) {
		t.Errorf("Load(valid) = %+v, %v; want two cases with category and answer", cases, err)
	}
}

func TestRelevantAlso(t *testing.T) {
	c := Case{Document: "a", Paragraphs: []int{3}, Evidence: []string{"April 2014"},
		Also: []Ref{{Document: "b", Paragraphs: []int{7, 9}, Evidence: []string{"partially lifted"}}}}
	tests := []struct {
		doc        string
		start, end int
		text       string
		want       bool
	}{
		{"a", 3, 3, "lifted in april\u00a02014.", true},
		{"a", 2, 4, "in April 2014", true},
		{"a", 4, 4, "in April 2014", false},
		{"b", 9, 9, "has been partially lifted", true},
		{"b", 9, 9, "in April 2014", false},
		{"b", 8, 8, "has been partially lifted", false},
		{"c", 3, 3, "April 2014 partially lifted", false},
	}
	for _, tt := range tests {
		if got := c.Relevant(tt.doc, tt.start, tt.end, tt.text); got != tt.want {
			t.Errorf("Relevant(%q, %d, %d, %q) = %v; want %v", tt.doc, tt.start, tt.end, tt.text, got, tt.want)
		}
	}
}
