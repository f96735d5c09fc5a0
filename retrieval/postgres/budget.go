package postgres

import (
	"cmp"
	"context"
	"slices"
)

// grow doubles the blocks each term's next round reads, up to walkMost,
// and, under a budget, to what is left of it shared among the terms not
// exhausted, so that a walk over budget stops near it.
func (w *walker) grow() {
	most := int32(walkMost)
	if b := w.sc.s.opts.LexicalBudget; b > 0 {
		live := 0
		for _, d := range w.done {
			if !d {
				live++
			}
		}
		if left := b - w.postings; live > 0 && left > 0 {
			most = int32(min(walkMost, max(1, left/(live*blockSize))))
		}
	}
	for i := range w.n {
		w.n[i] = max(1, min(2*w.n[i], most))
	}
}

// blockSize is how many postings a full block of bm25_blocks holds
// (migration 00007).
const blockSize = 128

// approximate ends a walk over budget (Options.LexicalBudget) without
// proof: it checks the checkMost open candidates whose listed scores add
// up highest (their exact scores are at least that) and keeps the best
// of everything checked. What it can miss is a chunk no block it read
// listed, or one listed by few of its terms.
func (w *walker) approximate(ctx context.Context) error {
	w.compact()
	type listed struct {
		at  int32
		sum float64
	}
	all := make([]listed, 0, len(w.open))
	for _, at := range w.open {
		all = append(all, listed{at, w.listedSum(at)})
	}
	slices.SortFunc(all, func(a, b listed) int {
		if c := cmp.Compare(b.sum, a.sum); c != 0 {
			return c
		}
		return cmp.Compare(w.cands[a.at].id, w.cands[b.at].id)
	})
	ids := make([]int64, 0, min(len(all), checkMost))
	for _, l := range all[:min(len(all), checkMost)] {
		ids = append(ids, w.cands[l.at].id)
	}
	for len(ids) > 0 {
		n := min(len(ids), checkBatch)
		if err := w.check(ctx, ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
