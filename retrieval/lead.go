package retrieval

import (
	_ "embed"
	"math"
)

// LeadFeatureNames name the features of a candidate lead sentence the
// lead model reads (LeadCandidate.Features), in order.
var LeadFeatureNames = []string{
	"bias",          // 1
	"coverage",      // the sentence's weighted share of the question's terms, by spelling or meaning
	"fact-needed",   // the strength of the asked-for kind of fact in it, for a question that needs one (needsFact)
	"first-mention", // the document's first sentence naming what a "what is X" question asks about
	"recent",        // a "how do things stand" question, and the passage is from the newest report
}

// LeadCandidate is one sentence of a snippet that could lead the answer.
type LeadCandidate struct {
	Span     Span // in the snippet's Text
	Fact     bool // it holds the kind of fact the question asks for
	Features []float64
}

// LeadModel is a logistic model of whether a sentence answers the
// question, over LeadFeatureNames: the answer leads with the candidate
// it rates most likely, and Snippet.LeadScore is that probability.
type LeadModel struct{ Model }

// Score returns the model's probability that the candidate answers.
func (m LeadModel) Score(c LeadCandidate) float64 {
	z := 0.0
	for i := range min(len(c.Features), len(m.Weights)) {
		z += m.Weights[i] * c.Features[i]
	}
	return 1 / (1 + math.Exp(-z))
}

//go:embed lead.json
var leadJSON []byte

// Lead is the model eval fits on the dev and golden sets (go test ./eval
// -run TestLeadModel; see eval/README.md).
var Lead = LeadModel{mustModel("lead.json", leadJSON)}

// leadFeatures returns the features of one sentence of a passage: its
// coverage of the question, the strength of the kind of fact it holds,
// whether it is its document's first mention of what is asked about, and
// whether the passage is from the newest report (newest). The passage's
// rank, its own coverage or evidence, whether the sentence opens it, and
// whether a sentence naming a speaker reports what they said were
// features too; 5-fold cross-validated on dev, the model did no better
// with them (eval TestCrossValidateLead).
func leadFeatures(q Question, cov, strength float64, mention, newest bool) []float64 {
	f := make([]float64, len(LeadFeatureNames))
	f[0], f[1] = 1, cov
	if needsFact(q.Intent) {
		f[2] = strength
	}
	f[3] = b2f(mention)
	f[4] = b2f(q.Recent && newest)
	return f
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
