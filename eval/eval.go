// Package eval measures retrieval and answer quality on a golden set of
// questions about the corpus: recall@1, recall@5, MRR, and abstention
// precision and recall.
package eval

import (
	"context"
	"fmt"
	"io"
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
}

// Report holds the metrics over a golden set.
type Report struct {
	Cases      int     `json:"cases"`
	Answerable int     `json:"answerable"`
	RecallAt1  float64 `json:"recall_at_1"`
	RecallAt5  float64 `json:"recall_at_5"`
	MRR        float64 `json:"mrr"`
	// AbstainPrecision is the share of abstentions that were expected;
	// AbstainRecall the share of expected abstentions that happened.
	AbstainPrecision float64 `json:"abstain_precision"`
	AbstainRecall    float64 `json:"abstain_recall"`
	// ValidCitations is the share of non-abstained answers whose every
	// citation refers to a retrieved passage quoted verbatim.
	ValidCitations float64  `json:"valid_citations"`
	Results        []Result `json:"results,omitempty"`
}

// depth is how deep MRR looks.
const depth = 10

// Run evaluates every case against core and computes the metrics.
func Run(ctx context.Context, core Core, cases []Case) (Report, error) {
	rep := Report{Cases: len(cases)}
	var rr, hit1, hit5 float64
	var abstained, abstainedRight, expectAbstain, answered, valid int
	for _, c := range cases {
		res := Result{Case: c}
		if !c.Abstain {
			rep.Answerable++
			snips, err := core.Search(ctx, c.Question, depth)
			if err != nil {
				return rep, fmt.Errorf("search %q: %w", c.Question, err)
			}
			for i, s := range snips {
				if c.Relevant(s.DocumentID, s.Paragraph, s.ParaEnd, s.Text) {
					res.Rank = i + 1
					break
				}
			}
			if res.Rank > 0 {
				rr += 1 / float64(res.Rank)
				if res.Rank == 1 {
					hit1++
				}
				if res.Rank <= 5 {
					hit5++
				}
			}
		} else {
			expectAbstain++
		}
		ans, err := core.Ask(ctx, c.Question)
		if err != nil {
			return rep, fmt.Errorf("ask %q: %w", c.Question, err)
		}
		res.Answer = &ans
		res.Abstained = ans.Abstained
		res.CitationsValid = true
		if ans.Abstained {
			abstained++
			if c.Abstain {
				abstainedRight++
			}
		} else {
			answered++
			snips, err := core.Search(ctx, c.Question, retrieval.MaxK)
			if err != nil {
				return rep, fmt.Errorf("search %q: %w", c.Question, err)
			}
			res.CitationsValid = citationsValid(ans, snips)
			if res.CitationsValid {
				valid++
			}
		}
		rep.Results = append(rep.Results, res)
	}
	if rep.Answerable > 0 {
		n := float64(rep.Answerable)
		rep.RecallAt1, rep.RecallAt5, rep.MRR = hit1/n, hit5/n, rr/n
	}
	rep.AbstainPrecision, rep.AbstainRecall = 1, 1
	if abstained > 0 {
		rep.AbstainPrecision = float64(abstainedRight) / float64(abstained)
	}
	if expectAbstain > 0 {
		rep.AbstainRecall = float64(abstainedRight) / float64(expectAbstain)
	}
	rep.ValidCitations = 1
	if answered > 0 {
		rep.ValidCitations = float64(valid) / float64(answered)
	}
	return rep, nil
}

// citationsValid reports whether every citation of ans is numbered 1..m in
// order, is referred to by an [n] marker in the text (and every marker by
// a citation), and quotes a passage that search returned for the same
// question, verbatim.
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
			if s.DocumentID == c.DocumentID && c.Paragraph >= s.Paragraph && c.Paragraph <= max(s.ParaEnd, s.Paragraph) && s.Text == c.Text && strings.Contains(s.Text, c.Highlight) {
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

// Failures lists the cases that missed: answerable ones with no relevant
// passage in the top 5 or that abstained, and abstain cases that answered.
func (r Report) Failures() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Case.Abstain != res.Abstained || (!res.Case.Abstain && (res.Rank == 0 || res.Rank > 5)) {
			out = append(out, res)
		}
	}
	return out
}

// WriteTable prints the metrics as a small table.
func (r Report) WriteTable(w io.Writer, label string) {
	fmt.Fprintf(w, "%s: %d cases (%d answerable)\n", label, r.Cases, r.Answerable)
	fmt.Fprintf(w, "  recall@1 %.3f  recall@5 %.3f  MRR %.3f\n", r.RecallAt1, r.RecallAt5, r.MRR)
	fmt.Fprintf(w, "  abstention precision %.3f  recall %.3f  valid citations %.3f\n", r.AbstainPrecision, r.AbstainRecall, r.ValidCitations)
}
