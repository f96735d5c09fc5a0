package retrieval

import (
	_ "embed"
	"math"
)

// AbstainFeatureNames name the evidence features the calibrated
// abstention model reads (AbstainFeatures), in order. A top snippet is
// qualified when it covers the question's focus (Snippet.Focus) and, for
// a question that needs one, holds the asked-for kind of fact; strict
// when it also leaves no term over 0.4 of the question uncovered (Gap)
// and under 3 terms missing. Weakest (Snippet.Weakest) is how well the
// least supported term of some weight is met.
//
// The least gap and missing terms, the best coverage and evidence of any
// top snippet, whether one covers the focus or holds the fact, the first
// snippet's dense similarity, the best lead score, whether the question
// needs a fact and its number of terms were features too: 5-fold
// cross-validated on dev, the model did no better with them (eval
// TestCrossValidate). With the weakest support it did (weighted error
// 0.096 -> 0.087 on 5 folds, 0.099 -> 0.092 leaving one batch out); the
// weakest support of any top snippet, qualified or not, did worse
// (0.093), as did the best evidence of any top snippet for a question
// that names nothing and asks for no kind of fact.
var AbstainFeatureNames = []string{
	"bias",      // 1
	"qualified", // best Evidence of a qualified top snippet
	"strict",    // best Evidence of a strict top snippet
	"weakest",   // best Weakest of a qualified top snippet
}

// abstainTop is how many of the best snippets the features read: the
// answer is built from them.
const abstainTop = 3

// AbstainFeatures returns the evidence features of snips for q, in the
// order of AbstainFeatureNames; each lies in [0, 1]. They are the
// measures the retrieval core already computes for every snippet, read
// as a whole instead of through a hand-set threshold: a qualified
// snippet that misses the strict limits still counts, for less.
func AbstainFeatures(q Question, snips []Snippet) []float64 {
	f := []float64{1, 0, 0, 0}
	nf := needsFact(q.Intent)
	for _, s := range snips[:min(abstainTop, len(snips))] {
		if !s.Focus || nf && !s.Fact {
			continue
		}
		f[1] = math.Max(f[1], s.Evidence)
		f[3] = math.Max(f[3], s.Weakest)
		if s.Gap <= 0.4 && s.Missing < 3 {
			f[2] = math.Max(f[2], s.Evidence)
		}
	}
	return f
}

// AbstainModel is a logistic model of whether the sources fail to answer
// a question, over AbstainFeatures: it abstains when the weighted sum of
// the features exceeds 0 (probability one half).
type AbstainModel struct{ Model }

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
var CalibratedAbstain = AbstainModel{mustModel("abstain.json", abstainJSON)}
