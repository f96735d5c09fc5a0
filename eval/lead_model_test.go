package eval

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"testing"

	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// leadCase is one answerable question's candidate lead sentences: their
// features, and whether each holds every answer string.
type leadCase struct {
	xs       [][]float64
	hits     []bool
	fold     int
	newBatch bool
	batch    string // Case.Added
}

// leadCases reads the candidate sentences of every answerable case with
// answer strings, over the snippets Ask answers from.
func leadCases(t *testing.T, svc *retrieval.Service, cases []Case) []leadCase {
	t.Helper()
	var out []leadCase
	for _, c := range cases {
		if c.Abstain || len(c.Answer) == 0 {
			continue
		}
		snips, err := svc.Search(context.Background(), c.Question, retrieval.DefaultK)
		if err != nil {
			t.Fatalf("Search(%q): %v", c.Question, err)
		}
		h := sha256.Sum256([]byte(c.Question))
		lc := leadCase{fold: int(h[0]) % folds, newBatch: c.Added == heldOutBatch, batch: c.Added}
		for _, s := range snips {
			for _, l := range s.Leads {
				lc.xs = append(lc.xs, l.Features)
				lc.hits = append(lc.hits, LeadHit(s.Text[l.Span.Start:l.Span.End], c.Answer))
			}
		}
		out = append(out, lc)
	}
	return out
}

// fitLead fits the lead model on the candidates of cs: the weights rank
// each question's candidates (rankLead), then a scale and a bias make the
// score a probability that a candidate holds the answer (Platt scaling),
// which leaves the ranking as it is.
func fitLead(cs []leadCase, lambda float64) []float64 {
	w := rankLead(cs, lambda)
	var xs [][]float64
	var ys []bool
	for _, c := range cs {
		for i, x := range c.xs {
			xs = append(xs, []float64{1, dot(w, x)})
			ys = append(ys, c.hits[i])
		}
	}
	ab := logistic(xs, ys, map[bool]float64{true: 1, false: 1}, 0)
	out := make([]float64, len(w))
	for i := range w {
		out[i] = ab[1] * w[i]
	}
	out[0] = ab[0]
	return out
}

// rankLead fits weights (the bias left at 0) maximising, over the
// questions with both a candidate holding the answer and one not, the
// mean log-probability of the answering candidates under a softmax over
// the question's candidates, by Newton's method with an L2 penalty
// lambda: it learns which sentence of a question's to lead with, not
// whether any answers.
func rankLead(cs []leadCase, lambda float64) []float64 {
	d := len(cs[0].xs[0])
	w := make([]float64, d)
	for iter := 0; iter < 50; iter++ {
		g, h := penalty(w, lambda, 0)
		for _, c := range cs {
			softmaxStep(c, w, g, h)
		}
		g[0], h[0][0] = 0, 1 // the bias does not rank
		for i := 1; i < d; i++ {
			h[0][i], h[i][0] = 0, 0
		}
		if newton(w, h, g) {
			break
		}
	}
	return w
}

// softmaxStep adds one question's gradient and Hessian of the negative
// mean log-probability of its answering candidates to g and h.
func softmaxStep(c leadCase, w, g []float64, h [][]float64) {
	var npos float64
	for _, hit := range c.hits {
		if hit {
			npos++
		}
	}
	if npos == 0 || npos == float64(len(c.hits)) {
		return
	}
	d := len(w)
	zs := make([]float64, len(c.xs))
	zmax := math.Inf(-1)
	for i, x := range c.xs {
		zs[i] = dot(w, x)
		zmax = math.Max(zmax, zs[i])
	}
	var total float64
	for i := range zs {
		zs[i] = math.Exp(zs[i] - zmax)
		total += zs[i]
	}
	mean := make([]float64, d)
	for i, x := range c.xs {
		p := zs[i] / total
		for j := range d {
			mean[j] += p * x[j]
		}
	}
	for i, x := range c.xs {
		p := zs[i] / total
		for j := range d {
			if c.hits[i] {
				g[j] += (mean[j] - x[j]) / npos
			}
			for k := range d {
				h[j][k] += p * (x[j] - mean[j]) * (x[k] - mean[k])
			}
		}
	}
}

// leadHit reports whether the candidate w rates best holds the answer.
func (c leadCase) leadHit(w []float64) bool {
	best := -1
	bestZ := math.Inf(-1)
	for i, x := range c.xs {
		if z := dot(w, x); z > bestZ {
			best, bestZ = i, z
		}
	}
	return best >= 0 && c.hits[best]
}

// leadLambda is the L2 penalty of the committed lead model.
const leadLambda = 1

// TestCrossValidateLead estimates how often the lead model picks a
// sentence holding the answer on questions it was not fitted on: each
// dev fold is decided by weights fitted on the others (and golden). The
// share is over dev's answerable cases with answer strings, refusals
// aside; the in-sample share of the committed model is shown beside it.
// The test fails if the cross-validated share falls more than 0.05 below
// the in-sample one: the model would be fitting noise.
func TestCrossValidateLead(t *testing.T) {
	svc := testcore.Service(t)
	dev := leadCases(t, svc, loadFile(t, "dev.jsonl"))
	golden := leadCases(t, svc, loadFile(t, "golden.jsonl"))
	share := func(pick func(leadCase) bool, only bool) (float64, int) {
		n, hit := 0, 0
		for _, c := range dev {
			if only && !c.newBatch {
				continue
			}
			n++
			if pick(c) {
				hit++
			}
		}
		return rate(hit, n), n
	}
	in, n := share(func(c leadCase) bool { return c.leadHit(retrieval.Lead.Weights) }, false)
	inNew, nNew := share(func(c leadCase) bool { return c.leadHit(retrieval.Lead.Weights) }, true)
	t.Logf("committed model, in-sample on dev: %.3f of %d; on %s dev: %.3f of %d", in, n, heldOutBatch, inNew, nNew)
	var cv float64
	for _, lambda := range []float64{0.01, 0.1, 1, 10} {
		all, onlyNew := crossValidateLead(dev, golden, func(c leadCase) string { return fmt.Sprint(c.fold) }, lambda, share)
		batch, _ := crossValidateLead(dev, golden, func(c leadCase) string { return c.batch }, lambda, share)
		t.Logf("λ=%g, %d-fold CV on dev: %.3f; on %s dev: %.3f; leave-one-batch-out: %.3f", lambda, folds, all, heldOutBatch, onlyNew, batch)
		if lambda == leadLambda {
			cv = all
		}
	}
	if cv < in-0.05 {
		t.Errorf("lead model's cross-validated hit share %.3f is more than 0.05 below its in-sample %.3f", cv, in)
	}
}

// crossValidateLead fits the lead model on golden and the dev cases of
// other parts (by key) for each part, and returns share's figures for
// the picks, over dev and its heldOutBatch part.
func crossValidateLead(dev, golden []leadCase, key func(leadCase) string, lambda float64, share func(func(leadCase) bool, bool) (float64, int)) (all, onlyNew float64) {
	ws := map[string][]float64{}
	for _, c := range dev {
		k := key(c)
		if ws[k] != nil {
			continue
		}
		train := append([]leadCase{}, golden...)
		for _, o := range dev {
			if key(o) != k {
				train = append(train, o)
			}
		}
		ws[k] = fitLead(train, lambda)
	}
	pick := func(c leadCase) bool { return c.leadHit(ws[key(c)]) }
	all, _ = share(pick, false)
	onlyNew, _ = share(pick, true)
	return all, onlyNew
}

// TestLeadModel refits the lead model on dev and golden and checks the
// committed retrieval/lead.json holds the same weights;
// COOPBOT_FIT_LEAD=1 rewrites it.
func TestLeadModel(t *testing.T) {
	svc := testcore.Service(t)
	cs := append(leadCases(t, svc, loadFile(t, "dev.jsonl")), leadCases(t, svc, loadFile(t, "golden.jsonl"))...)
	w := fitLead(cs, leadLambda)
	n := 0
	for i := range w {
		w[i] = math.Round(w[i]*1e6) / 1e6
	}
	for _, c := range cs {
		n += len(c.xs)
	}
	want := retrieval.Model{Features: retrieval.LeadFeatureNames, Weights: w, Lambda: leadLambda, Cases: n}
	checkRefit(t, "lead.json", "COOPBOT_FIT_LEAD", "TestLeadModel", retrieval.Lead.Model, want)
}
