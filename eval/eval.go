// Package eval measures retrieval and answer quality on a golden set of
// questions about the corpus: recall@1, recall@5, MRR, lead hits (the
// answer's first sentence holds the expected fact), wrong abstentions,
// uncovered questions answered, abstention precision and recall, and
// citation validity, overall and per question category.
package eval

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/coopbot/coopbot/llm"
	"github.com/coopbot/coopbot/retrieval"
)

// Core is what Run evaluates.
type Core interface {
	Search(ctx context.Context, query string, k int) ([]retrieval.Snippet, error)
	Ask(ctx context.Context, question string) (retrieval.Answer, error)
}

// Result is one case's outcome.
type Result struct {
	Case      Case              `json:"case"`
	Rank      int               `json:"rank"` // 1-based rank of the first relevant snippet in the top 10; 0 = none
	Abstained bool              `json:"abstained"`
	Answer    *retrieval.Answer `json:"answer,omitempty"`
	// CitationsValid is false when the answer cites a passage it was not
	// given or one that is not verbatim from the store's search results.
	CitationsValid bool `json:"citations_valid"`
	// Lead is the answer's first sentence (FirstSentence). LeadHit says
	// it holds every answer string of the case, and LeadMissing lists
	// those it lacks; a refusal hits nothing.
	Lead        string   `json:"lead"`
	LeadHit     bool     `json:"lead_hit"`
	LeadMissing []string `json:"lead_missing,omitempty"`
}

// Metrics are the figures over a set of cases (a whole file or one
// category). Rates over an empty denominator are 0, except abstention
// precision and recall and valid citations, which are 1 (nothing wrong).
type Metrics struct {
	Cases      int     `json:"cases"`
	Answerable int     `json:"answerable"`
	RecallAt1  float64 `json:"recall_at_1"`
	RecallAt5  float64 `json:"recall_at_5"`
	MRR        float64 `json:"mrr"`
	// LeadCases counts the answerable cases with answer strings; LeadHit
	// is the share of them whose answer's first sentence holds them all.
	LeadCases int     `json:"lead_cases"`
	LeadHit   float64 `json:"lead_hit"`
	// WrongAbstentions counts answerable cases refused; WrongAbstainRate
	// is their share of the answerable cases.
	WrongAbstentions int     `json:"wrong_abstentions"`
	WrongAbstainRate float64 `json:"wrong_abstain_rate"`
	// Uncovered counts the abstain cases; UncoveredAnswered those that got
	// an answer, and UncoveredAnsweredRate their share.
	Uncovered             int     `json:"uncovered"`
	UncoveredAnswered     int     `json:"uncovered_answered"`
	UncoveredAnsweredRate float64 `json:"uncovered_answered_rate"`
	// AbstainPrecision is the share of abstentions that were expected;
	// AbstainRecall the share of expected abstentions that happened.
	AbstainPrecision float64 `json:"abstain_precision"`
	AbstainRecall    float64 `json:"abstain_recall"`
	// ValidCitations is the share of non-abstained answers whose every
	// citation refers to a retrieved passage quoted verbatim.
	ValidCitations float64 `json:"valid_citations"`
}

// Report holds the metrics over a golden set, per category (cases
// without one are counted only overall) and per case.
type Report struct {
	Metrics
	ByCategory map[string]Metrics `json:"by_category,omitempty"`
	Results    []Result           `json:"results,omitempty"`
}

// depth is how deep MRR looks.
const depth = 10

// Run evaluates every case against core and computes the metrics.
func Run(ctx context.Context, core Core, cases []Case) (Report, error) {
	var all tally
	byCat := map[string]*tally{}
	var rep Report
	for _, c := range cases {
		res, err := runCase(ctx, core, c)
		if err != nil {
			return rep, err
		}
		all.add(res)
		if c.Category != "" {
			if byCat[c.Category] == nil {
				byCat[c.Category] = &tally{}
			}
			byCat[c.Category].add(res)
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Metrics = all.metrics()
	if len(byCat) > 0 {
		rep.ByCategory = map[string]Metrics{}
		for cat, t := range byCat {
			rep.ByCategory[cat] = t.metrics()
		}
	}
	return rep, nil
}

// runCase searches (for an answerable case) and asks one question.
func runCase(ctx context.Context, core Core, c Case) (Result, error) {
	res := Result{Case: c, CitationsValid: true}
	if !c.Abstain {
		snips, err := core.Search(ctx, c.Question, depth)
		if err != nil {
			return res, fmt.Errorf("search %q: %w", c.Question, err)
		}
		for i, s := range snips {
			if c.Relevant(s.DocumentID, s.Paragraph, s.ParaEnd, s.Text) {
				res.Rank = i + 1
				break
			}
		}
	}
	ans, err := core.Ask(ctx, c.Question)
	if err != nil {
		return res, fmt.Errorf("ask %q: %w", c.Question, err)
	}
	res.Answer = &ans
	res.Abstained = ans.Abstained
	res.Lead = FirstSentence(ans.Text)
	if !c.Abstain && len(c.Answer) > 0 {
		if ans.Abstained {
			res.LeadMissing = c.Answer
		} else {
			res.LeadMissing = LeadMissing(res.Lead, c.Answer)
		}
		res.LeadHit = len(res.LeadMissing) == 0
	}
	if !ans.Abstained {
		snips, err := core.Search(ctx, c.Question, retrieval.MaxK)
		if err != nil {
			return res, fmt.Errorf("search %q: %w", c.Question, err)
		}
		res.CitationsValid = citationsValid(ans, snips)
	}
	return res, nil
}

// tally accumulates the counts behind Metrics.
type tally struct {
	cases, answerable, hit1, hit5        int
	rr                                   float64
	leadCases, leadHits                  int
	wrongAbstain, uncovered, uncovAnswer int
	abstained, abstainedRight            int
	answered, valid                      int
}

func (t *tally) add(r Result) {
	t.cases++
	if r.Case.Abstain {
		t.uncovered++
	} else {
		t.answerable++
		if r.Rank > 0 {
			t.rr += 1 / float64(r.Rank)
		}
		if r.Rank == 1 {
			t.hit1++
		}
		if r.Rank > 0 && r.Rank <= 5 {
			t.hit5++
		}
		if len(r.Case.Answer) > 0 {
			t.leadCases++
			if r.LeadHit {
				t.leadHits++
			}
		}
	}
	switch {
	case r.Abstained:
		t.abstained++
		if r.Case.Abstain {
			t.abstainedRight++
		} else {
			t.wrongAbstain++
		}
	default:
		t.answered++
		if r.CitationsValid {
			t.valid++
		}
		if r.Case.Abstain {
			t.uncovAnswer++
		}
	}
}

// share is n/d, or empty when d is 0.
func share(n, d int, empty float64) float64 {
	if d == 0 {
		return empty
	}
	return float64(n) / float64(d)
}

func (t *tally) metrics() Metrics {
	m := Metrics{
		Cases: t.cases, Answerable: t.answerable,
		RecallAt1: share(t.hit1, t.answerable, 0), RecallAt5: share(t.hit5, t.answerable, 0),
		LeadCases: t.leadCases, LeadHit: share(t.leadHits, t.leadCases, 0),
		WrongAbstentions: t.wrongAbstain, WrongAbstainRate: share(t.wrongAbstain, t.answerable, 0),
		Uncovered: t.uncovered, UncoveredAnswered: t.uncovAnswer, UncoveredAnsweredRate: share(t.uncovAnswer, t.uncovered, 0),
		AbstainPrecision: share(t.abstainedRight, t.abstained, 1), AbstainRecall: share(t.abstainedRight, t.uncovered, 1),
		ValidCitations: share(t.valid, t.answered, 1),
	}
	if t.answerable > 0 {
		m.MRR = t.rr / float64(t.answerable)
	}
	return m
}

// citationsValid reports whether every citation of ans is numbered 1..m in
// order, is referred to by an [n] marker in the text (and every marker by
// a citation), and quotes a passage that search returned for the same
// question, verbatim, naming the paragraph its highlight is in.
func citationsValid(ans retrieval.Answer, snips []retrieval.Snippet) bool {
	if len(ans.Citations) == 0 {
		return false
	}
	// Every [n] marker in the text names a listed citation, and every
	// citation is used in the text.
	used := make([]bool, len(ans.Citations))
	for _, m := range llm.ParseMarkers(ans.Text) {
		for _, n := range m.Refs {
			if n < 1 || n > len(ans.Citations) {
				return false
			}
			used[n-1] = true
		}
	}
	if slices.Contains(used, false) {
		return false
	}
	for i, c := range ans.Citations {
		if c.N != i+1 {
			return false
		}
		found := false
		for _, s := range snips {
			if s.DocumentID == c.DocumentID && s.Text == c.Text && quotedParagraph(s, c.Highlight) == c.Paragraph {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// quotedParagraph returns the number of the paragraph of s that holds
// highlight (s.Paragraph plus the paragraph breaks before it: a merged
// chunk's citation names the paragraph its quoted sentence is in), or 0
// when s does not contain it.
func quotedParagraph(s retrieval.Snippet, highlight string) int {
	i := strings.Index(s.Text, highlight)
	if i < 0 {
		return 0
	}
	return s.Paragraph + strings.Count(s.Text[:i], "\n\n")
}
