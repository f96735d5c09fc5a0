package retrieval

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// AbstainFeatureNames name the evidence features the calibrated
// abstention model reads (AbstainFeatures), in order.
var AbstainFeatureNames = []string{
	"bias",       // 1
	"evidence",   // best Evidence of the top snippets
	"qualified",  // best Evidence of a top snippet with the focus and the asked-for fact
	"coverage",   // best Coverage (without the title) of the top snippets
	"gap",        // least Gap of the top snippets
	"missing",    // least Missing of the top snippets, over 3, at most 1
	"focus",      // some top snippet covers the question's focus
	"fact",       // some top snippet holds the asked-for kind of fact
	"cosine",     // dense similarity of the first snippet
	"lead",       // best LeadScore of the top snippets
	"needs-fact", // the question asks for a date, a number, a person or a place
	"strict",     // best Evidence of a qualified top snippet with a Gap of at most 0.4 and under 3 missing terms
	"qual-gap",   // least Gap of a qualified top snippet (1 if none)
	"terms",      // 1 over the number of the question's content terms
}

// abstainTop is how many of the best snippets the features read: the
// answer is built from them.
const abstainTop = 3

// AbstainFeatures returns the evidence features of snips for q, in the
// order of AbstainFeatureNames; each lies in [0, 1]. They are the
// measures the retrieval core already computes for every snippet, read
// as a whole instead of through hand-set thresholds.
func AbstainFeatures(q Question, snips []Snippet) []float64 {
	f := make([]float64, len(AbstainFeatureNames))
	f[0] = 1
	nf := needsFact(q.Intent)
	if nf {
		f[10] = 1
	}
	if len(snips) == 0 {
		return f
	}
	f[4], f[5], f[12] = 1, 1, 1
	if len(q.Terms) > 0 {
		f[13] = 1 / float64(len(q.Terms))
	}
	for _, s := range snips[:min(abstainTop, len(snips))] {
		hasFact := !nf || s.Fact
		f[1] = math.Max(f[1], s.Evidence)
		if s.Focus && hasFact {
			f[2] = math.Max(f[2], s.Evidence)
			f[12] = math.Min(f[12], s.Gap)
			if s.Gap <= 0.4 && s.Missing < 3 {
				f[11] = math.Max(f[11], s.Evidence)
			}
		}
		f[3] = math.Max(f[3], s.Coverage)
		f[4] = math.Min(f[4], s.Gap)
		f[5] = math.Min(f[5], math.Min(1, float64(s.Missing)/3))
		if s.Focus {
			f[6] = 1
		}
		if hasFact {
			f[7] = 1
		}
		f[9] = math.Max(f[9], math.Min(1, s.LeadScore))
	}
	f[8] = math.Max(0, snips[0].Cosine)
	return f
}

// AbstainModel is a logistic model of whether the sources fail to answer
// a question, over AbstainFeatures: it abstains when the weighted sum of
// the features exceeds 0 (probability one half).
type AbstainModel struct {
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	// Lambda is the L2 penalty the weights were fitted with, and Cases
	// how many questions they were fitted on; both are a record.
	Lambda float64 `json:"lambda"`
	Cases  int     `json:"cases"`
}

// Logit returns the model's log-odds that the sources do not answer q.
func (m AbstainModel) Logit(q Question, snips []Snippet) float64 {
	f := AbstainFeatures(q, snips)
	z := 0.0
	for i, w := range m.Weights {
		z += w * f[i]
	}
	return z
}

//go:embed abstain.json
var abstainJSON []byte

// CalibratedAbstain is the model eval fits on the dev and golden sets
// (go test ./eval -run TestAbstainModel; see eval/README.md).
var CalibratedAbstain = mustAbstainModel(abstainJSON)

func mustAbstainModel(b []byte) AbstainModel {
	var m AbstainModel
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("abstain.json: %v", err))
	}
	if len(m.Weights) != len(AbstainFeatureNames) {
		panic(fmt.Sprintf("abstain.json: %d weights for %d features", len(m.Weights), len(AbstainFeatureNames)))
	}
	for i, n := range m.Features {
		if n != AbstainFeatureNames[i] {
			panic(fmt.Sprintf("abstain.json: feature %d is %q; want %q", i, n, AbstainFeatureNames[i]))
		}
	}
	return m
}
