package retrieval

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// AbstainFeatureNames name the evidence features the calibrated
// abstention model reads (AbstainFeatures), in order. A snippet is
// qualified when it covers the question's focus (Snippet.Focus) and, for
// a question that needs one, holds the asked-for kind of fact.
//
// The best evidence and the least gap of any top snippet, whether one
// covers the focus or holds the fact, the first snippet's dense
// similarity, the best lead score, whether the question needs a fact and
// its number of terms were features too: 5-fold cross-validated on dev,
// the model did no worse without them (eval TestCrossValidate).
var AbstainFeatureNames = []string{
	"bias",      // 1
	"qualified", // best Evidence of a qualified top snippet
	"coverage",  // best Coverage (without the title) of the top snippets
	"missing",   // least Missing of the top snippets, over 3, at most 1
	"strict",    // best Evidence of a qualified top snippet with a Gap of at most 0.4 and under 3 missing terms
	"qual-gap",  // least Gap of a qualified top snippet (1 if none)
}

// abstainTop is how many of the best snippets the features read: the
// answer is built from them.
const abstainTop = 3

// AbstainFeatures returns the evidence features of snips for q, in the
// order of AbstainFeatureNames; each lies in [0, 1]. They are the
// measures the retrieval core already computes for every snippet, read
// as a whole instead of through hand-set thresholds.
func AbstainFeatures(q Question, snips []Snippet) []float64 {
	f := []float64{1, 0, 0, 1, 0, 1}
	nf := needsFact(q.Intent)
	for _, s := range snips[:min(abstainTop, len(snips))] {
		f[2] = math.Max(f[2], s.Coverage)
		f[3] = math.Min(f[3], math.Min(1, float64(s.Missing)/3))
		if !s.Focus || nf && !s.Fact {
			continue
		}
		f[1] = math.Max(f[1], s.Evidence)
		f[5] = math.Min(f[5], s.Gap)
		if s.Gap <= 0.4 && s.Missing < 3 {
			f[4] = math.Max(f[4], s.Evidence)
		}
	}
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
	for i := range min(len(f), len(m.Weights)) {
		z += m.Weights[i] * f[i]
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
	return m
}

// check reports whether m's features are AbstainFeatureNames, in order: a
// model fitted before the features changed is stale (refit it, see
// eval/README.md). A stale model is not refused at start-up, so that the
// refit can run; TestModels fails on it.
func (m AbstainModel) check() error {
	if len(m.Weights) != len(AbstainFeatureNames) || len(m.Features) != len(AbstainFeatureNames) {
		return fmt.Errorf("abstain.json: %d weights, %d names for %d features", len(m.Weights), len(m.Features), len(AbstainFeatureNames))
	}
	for i, n := range m.Features {
		if n != AbstainFeatureNames[i] {
			return fmt.Errorf("abstain.json: feature %d is %q; want %q", i, n, AbstainFeatureNames[i])
		}
	}
	return nil
}
