package eval

import (
	"fmt"
	"io"
	"strings"
)

// Problems says what went wrong with one case, in a few words each:
// "refused", "answered (should abstain)", "wrong passage (…)", or
// `lead lacks "X"`. It is empty for a case that passed.
func (r Result) Problems() []string {
	var out []string
	if r.Case.Abstain {
		if !r.Abstained {
			out = append(out, "answered (should abstain)")
		}
		return out
	}
	if r.Abstained {
		out = append(out, "refused")
	}
	switch {
	case r.Rank == 0:
		out = append(out, fmt.Sprintf("wrong passage (none relevant in the top %d)", depth))
	case r.Rank > 5:
		out = append(out, fmt.Sprintf("wrong passage (first relevant at rank %d)", r.Rank))
	}
	if !r.Abstained {
		for _, a := range r.LeadMissing {
			out = append(out, fmt.Sprintf("lead lacks %q", a))
		}
	}
	return out
}

// Failures lists the cases that missed: answerable ones with no relevant
// passage in the top 5, refused, or whose lead lacks an answer string, and
// abstain cases that answered.
func (r Report) Failures() []Result {
	var out []Result
	for _, res := range r.Results {
		if len(res.Problems()) > 0 {
			out = append(out, res)
		}
	}
	return out
}

// WriteTable prints the metrics as a small table, with a per-category
// breakdown when the cases have categories.
func (r Report) WriteTable(w io.Writer, label string) {
	fmt.Fprintf(w, "%s: %d cases (%d answerable)\n", label, r.Cases, r.Answerable)
	fmt.Fprintf(w, "  recall@1 %.3f  recall@5 %.3f  MRR %.3f\n", r.RecallAt1, r.RecallAt5, r.MRR)
	if r.LeadCases > 0 {
		fmt.Fprintf(w, "  lead-hit %.3f (%d cases with answer strings)\n", r.LeadHit, r.LeadCases)
	}
	fmt.Fprintf(w, "  wrong abstentions %d (%.3f)  uncovered answered %d of %d (%.3f)\n",
		r.WrongAbstentions, r.WrongAbstainRate, r.UncoveredAnswered, r.Uncovered, r.UncoveredAnsweredRate)
	fmt.Fprintf(w, "  abstention precision %.3f  recall %.3f  valid citations %.3f\n", r.AbstainPrecision, r.AbstainRecall, r.ValidCitations)
	if len(r.ByCategory) == 0 {
		return
	}
	fmt.Fprintf(w, "  %-13s %5s %9s %9s %12s %12s\n", "category", "cases", "recall@5", "lead-hit", "wrong-abst", "uncov-ans")
	for _, cat := range Categories() {
		m, ok := r.ByCategory[cat]
		if !ok {
			continue
		}
		recall, lead, wrong, uncov := "-", "-", "-", "-"
		if m.Answerable > 0 {
			recall = fmt.Sprintf("%.3f", m.RecallAt5)
			wrong = fmt.Sprintf("%d/%d", m.WrongAbstentions, m.Answerable)
		}
		if m.LeadCases > 0 {
			lead = fmt.Sprintf("%.3f", m.LeadHit)
		}
		if m.Uncovered > 0 {
			uncov = fmt.Sprintf("%d/%d", m.UncoveredAnswered, m.Uncovered)
		}
		fmt.Fprintf(w, "  %-13s %5d %9s %9s %12s %12s\n", cat, m.Cases, recall, lead, wrong, uncov)
	}
}

// WriteFailures prints each miss: the question, its category, what
// happened and the answer's first sentence.
func (r Report) WriteFailures(w io.Writer) {
	for _, f := range r.Failures() {
		cat := f.Case.Category
		if cat == "" {
			cat = "-"
		}
		fmt.Fprintf(w, "  miss [%s] %q: %s\n", cat, f.Case.Question, strings.Join(f.Problems(), "; "))
		fmt.Fprintf(w, "      first sentence: %q\n", f.Lead)
	}
	for _, res := range r.Results {
		if !res.Abstained && !res.CitationsValid {
			fmt.Fprintf(w, "  invalid citations: %q\n", res.Case.Question)
		}
	}
}
