package postgres

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/coopbot/coopbot/retrieval"
)

// The walk is a threshold algorithm over impact-ordered postings. Each
// block of bm25_blocks holds postings of one term and their best
// tf-component s = tf / (tf + k1 × (1 - b + b × len / ref_avg)) as its
// bound; reading a term's blocks by bound descending, every posting not
// yet read has s at most the last bound read. At query time the average
// length is avg, not ref_avg, and a chunk's tf-component is
// tf / (tf + norm) with norm ≥ c × norm_ref, c = min(1, ref_avg / avg),
// so it is at most s / (s + c × (1 - s)), increasing in s: the term's
// frontier, times its weight, bounds the term's score of every unread
// posting, whatever ingest did to avg since the blocks were cut. idf is
// applied at query time, from the current document frequencies.
//
// Each round reads more blocks of every term not exhausted. While no
// chunk was removed since the blocks were cut (trusted postings), a
// candidate every term of which was listed or exhausted has its exact
// score from its postings; the walk stops when the frontiers add up to
// less than θ, a lower bound of the k-th best score — the k-th best exact
// score so far, or the k-th best sum of listed scores (raiseFloor) — so
// that no chunk unread can reach the top k, after checking (chunks: the chunk's current counts, exact
// score) the few candidates still open whose bound — their listed
// scores plus the frontiers of the terms not listed — reaches θ. After a
// removal, postings of deleted or replaced chunks may be stale: they only
// raise bounds (a term's frontier counts where higher than a listed
// score), and every candidate that can reach θ is checked, a batch per
// round.

// walkFirst is how many blocks of each term the first round reads; every
// round doubles it, up to walkMost.
const (
	walkFirst = 2
	walkMost  = 256
)

// checkBatch is how many candidates one check reads; with trusted
// postings, a walk whose fronts are low enough reads on rather than check
// more than checkMost.
const (
	checkBatch = 512
	checkMost  = 512
)

// slack inflates every bound by more than the rounding of the sums and
// quotients it is made of, so that it stays a bound.
const slack = 1 + 1e-9

// blocksSQL reads, for each term $1[i], up to $4[i] of its blocks after
// ($2[i], $3[i]) in (bound, id) descending order. The arrays come in
// their binary form (array_send), which the walk reads without pgx's
// per-element decoding (readInts).
const blocksSQL = `SELECT q.i, b.id, b.bound, array_send(b.ids), array_send(b.tfs), array_send(b.lens)
FROM unnest($1::text[], $2::float8[], $3::bigint[], $4::int[]) WITH ORDINALITY AS q(term, lb, lid, n, i)
CROSS JOIN LATERAL (SELECT id, bound, ids, tfs, lens FROM bm25_blocks b
    WHERE b.term = q.term AND (b.bound, b.id) < (q.lb, q.lid)
    ORDER BY b.bound DESC, b.id DESC LIMIT q.n) b`

// checkSQL returns the chunks among the lex_ids $1 that exist, with their
// length, terms and counts, the arrays in binary (scoring them in Go is a
// fifth of array_position's cost per chunk in SQL).
const checkSQL = `SELECT c.lex_id, c.lex_len, array_send(c.lex_terms), array_send(c.lex_tfs)
FROM unnest($1::bigint[]) AS k(id)
JOIN chunks c ON c.lex_id = k.id`

// fetchSQL returns the chunks of the lex_ids $1 with metadata, COSINE
// and their lex_id.
const fetchSQL = `SELECT ` + hitColumns + `, COSINE, c.lex_id
FROM unnest($1::bigint[]) AS k(id)
JOIN chunks c ON c.lex_id = k.id
JOIN documents d ON d.id = c.document_id`

// candidate is a chunk some block listed; its listed scores are
// walker.seen.of(its index in walker.cands).
type candidate struct {
	id      int64
	checked bool
}

// scoredID is a checked chunk and its exact score.
type scoredID struct {
	id    int64
	score float64
}

// walker is the state of one walk.
type walker struct {
	sc       *lexScorer
	nt       int            // terms
	c        float64        // min(1, ref_avg / avg)
	after    []float64      // per term, the last bound read (+Inf before any)
	id       []int64        // and its block's id
	n        []int32        // blocks the next round reads
	done     []bool         // every block read
	front    []float64      // bound of the term's score of any unread posting
	index    *slots         // lex_id → its candidate
	cands    []candidate    // every candidate listed
	seen     scores         // per candidate and term, the best score its postings showed
	open     []int32        // the unchecked candidates, and some checked
	top      []scoredID     // the best checked chunks, best first: cand, and any tied with the last
	floor    float64        // with trusted postings, the cand-th best listed sum of the open candidates
	trust    bool           // postings are current: no chunk removed since the cut
	buf      [3][]int64     // readInts' buffers
	postings int            // postings read
	termAt   map[string]int // the question's terms' indexes, for check
}

// walk returns the exact top cand (see above) with the blocks cut at
// average length ref.
func (sc *lexScorer) walk(ctx context.Context, ref float64, trust bool) ([]lexHit, error) {
	nt := len(sc.terms)
	w := &walker{sc: sc, nt: nt, c: min(1, ref/sc.avg), after: make([]float64, nt), id: make([]int64, nt),
		n: make([]int32, nt), done: make([]bool, nt), front: make([]float64, nt), index: slotPool.Get().(*slots),
		floor: math.Inf(-1), trust: trust, seen: newScores(nt)}
	defer w.index.release()
	defer w.seen.release()
	for i := range nt {
		w.after[i], w.id[i], w.n[i] = math.Inf(1), math.MaxInt64, walkFirst
	}
	for {
		if err := w.read(ctx); err != nil {
			return nil, err
		}
		if w.trust {
			w.resolve()
		}
		if b := w.sc.s.opts.LexicalBudget; b > 0 && w.postings >= b && !w.finished() {
			if err := w.approximate(ctx); err != nil {
				return nil, err
			}
			break
		}
		if w.finished() {
			if !w.trust || w.allDone() || len(w.pending()) <= checkMost {
				if err := w.checkAll(ctx); err != nil {
					return nil, err
				}
				break
			}
		} else if !w.trust {
			if err := w.checkBatch(ctx, w.pending()); err != nil {
				return nil, err
			}
		}
		w.grow()
	}
	return w.fetch(ctx)
}

// read reads the next blocks of every term not exhausted.
func (w *walker) read(ctx context.Context) error {
	var terms []string
	var after []float64
	var ids []int64
	var n []int32
	var index []int // terms[j] is w.sc.terms[index[j]]
	for i, t := range w.sc.terms {
		if !w.done[i] {
			terms, after, ids, n, index = append(terms, t.term), append(after, w.after[i]), append(ids, w.id[i]), append(n, w.n[i]), append(index, i)
		}
	}
	rows, err := w.sc.q.Query(ctx, blocksSQL, terms, after, ids, n)
	if err != nil {
		return w.sc.s.check(ctx, err, "search: lexical blocks")
	}
	got := make([]int32, len(terms))
	var j, id int64
	var bound float64
	var rawIDs, rawTFs, rawLens pgtype.DriverBytes
	// A chunk first listed now, by term i with score s, scores at most s
	// (or term i's frontier, when postings may be stale) plus the other
	// terms' frontiers of the last round: if that is below θ it can never
	// enter the top k, and is pruned for good.
	theta, fronts := w.theta(), 0.0
	for _, f := range w.front {
		fronts += f
	}
	_, err = pgx.ForEachRow(rows, []any{&j, &id, &bound, &rawIDs, &rawTFs, &rawLens}, func() error {
		i := index[j-1]
		got[j-1]++
		w.after[i], w.id[i] = bound, id
		keys, tfs, lens, err := w.block(rawIDs, rawTFs, rawLens)
		if err != nil {
			return err
		}
		w.list(i, keys, tfs, lens, theta, fronts-w.front[i])
		return nil
	})
	if err != nil {
		return w.sc.s.check(ctx, err, "search: lexical blocks")
	}
	for j, i := range index {
		if got[j] < n[j] {
			w.done[i], w.front[i] = true, 0
			continue
		}
		s := w.after[i]
		w.front[i] = w.sc.terms[i].w * (s / (s + w.c*(1-s))) * slack
	}
	return nil
}

// block decodes a block's three arrays, of equal length.
func (w *walker) block(ids, tfs, lens []byte) ([]int64, []int64, []int64, error) {
	var err error
	if w.buf[0], err = readInts(ids, w.buf[0][:0]); err != nil {
		return nil, nil, nil, err
	}
	if w.buf[1], err = readInts(tfs, w.buf[1][:0]); err != nil {
		return nil, nil, nil, err
	}
	if w.buf[2], err = readInts(lens, w.buf[2][:0]); err != nil {
		return nil, nil, nil, err
	}
	if len(w.buf[1]) != len(w.buf[0]) || len(w.buf[2]) != len(w.buf[0]) {
		return nil, nil, nil, fmt.Errorf("lexical block of %d ids, %d counts, %d lengths", len(w.buf[0]), len(w.buf[1]), len(w.buf[2]))
	}
	return w.buf[0], w.buf[1], w.buf[2], nil
}

// list records term i's postings of one block; others is the other
// terms' frontiers.
func (w *walker) list(i int, keys, tfs, lens []int64, theta, others float64) {
	t := w.sc.terms[i]
	w.postings += len(keys)
	for p, key := range keys {
		s := retrieval.BM25Term(t.w, tfs[p], retrieval.BM25Norm(lens[p], w.sc.avg))
		v := w.index.get(key)
		if v == unseen {
			own := s
			if !w.trust {
				own = max(s, w.front[i])
			}
			if (own+others)*slack < theta {
				w.index.set(key, pruned)
				continue
			}
			at := w.seen.add()
			w.cands = append(w.cands, candidate{id: key})
			w.index.set(key, at+1)
			w.open = append(w.open, at)
			v = at + 1
		}
		if v != pruned {
			seen := w.seen.of(v - 1)
			seen[i] = max(seen[i], s)
		}
	}
}

// bound is a bound of candidate at's score: per term, the best score its
// postings showed or the term's frontier, whichever is higher.
func (w *walker) bound(at int32) float64 {
	sum := 0.0
	for i, s := range w.seen.of(at) {
		if w.trust && s > 0 {
			sum += s // the one posting of the chunk and term
		} else {
			sum += max(s, w.front[i])
		}
	}
	return sum * slack
}

// theta is a lower bound of the k-th best score: the k-th best exact
// score so far (-Inf before k are checked), or floor when higher.
func (w *walker) theta() float64 {
	if len(w.top) < w.sc.cand {
		return w.floor
	}
	return max(w.top[w.sc.cand-1].score, w.floor)
}

// finished reports whether no unread posting's chunk can reach the top.
func (w *walker) finished() bool {
	sum := 0.0
	all := true
	for i, f := range w.front {
		sum += f
		all = all && w.done[i]
	}
	return all || sum*slack < w.theta()
}

// pending are the unchecked candidates whose bound reaches θ, highest
// bound first.
func (w *walker) pending() []pending {
	theta := w.theta()
	var todo []pending
	w.compact()
	for _, at := range w.open {
		if b := w.bound(at); b >= theta {
			todo = append(todo, pending{at, b})
		}
	}
	slices.SortFunc(todo, func(a, b pending) int {
		if c := cmp.Compare(b.bound, a.bound); c != 0 {
			return c
		}
		return cmp.Compare(w.cands[a.at].id, w.cands[b.at].id)
	})
	return todo
}

// pending is a candidate to check and its bound.
type pending struct {
	at    int32
	bound float64
}

// checkAll checks every pending candidate, in batches: each batch raises
// θ for the next.
func (w *walker) checkAll(ctx context.Context) error {
	for {
		todo := w.pending()
		if len(todo) == 0 {
			return nil
		}
		if err := w.checkBatch(ctx, todo); err != nil {
			return err
		}
	}
}

// checkBatch checks the first batch of todo.
func (w *walker) checkBatch(ctx context.Context, todo []pending) error {
	ids := make([]int64, 0, checkBatch)
	for _, p := range todo[:min(len(todo), checkBatch)] {
		c := &w.cands[p.at]
		ids = append(ids, c.id)
		c.checked = true
	}
	if len(ids) == 0 {
		return nil
	}
	return w.check(ctx, ids)
}

// resolve scores from their postings the candidates whose every term's
// posting has been read or whose term is exhausted: trusted postings
// (no chunk removed since the blocks were cut) give their exact score,
// the terms' scores added in the question's order.
func (w *walker) resolve() {
	w.compact()
	for _, at := range w.open {
		c := &w.cands[at]
		score, whole := 0.0, true
		for i, s := range w.seen.of(at) {
			if s > 0 {
				score += s
			} else if !w.done[i] {
				whole = false
				break
			}
		}
		if whole {
			c.checked = true
			w.offer(scoredID{c.id, score})
		}
	}
	w.raiseFloor()
}

// raiseFloor raises floor from the open candidates. With trusted
// postings a chunk has one posting per term, so the scores its postings
// showed add up to at most its score: when cand open candidates show at
// least f, the k-th best score is at least f. A question of many common
// words seldom has a candidate every term has listed early; without the
// floor θ stayed -Inf for rounds, nothing could be pruned, and the walk
// kept every chunk it read (67,000 at 100k chunks, docs/performance.md).
func (w *walker) raiseFloor() {
	k := w.sc.cand
	if len(w.open) < k {
		return
	}
	h := make(minHeap, 0, k) // the k best listed sums
	for _, at := range w.open {
		sum := w.listedSum(at)
		switch {
		case len(h) < k:
			heap.Push(&h, sum)
		case sum > h[0]:
			h[0] = sum
			heap.Fix(&h, 0)
		}
	}
	// The exact score adds the same terms and more, in the question's
	// order; dividing by slack keeps the floor below it despite rounding.
	w.floor = max(w.floor, h[0]/slack)
}

// listedSum is the sum of candidate at's listed scores: with trusted
// postings, at most its score.
func (w *walker) listedSum(at int32) float64 {
	sum := 0.0
	for _, s := range w.seen.of(at) {
		sum += s
	}
	return sum
}

// minHeap is a min-heap of float64s (container/heap).
type minHeap []float64

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(float64)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// compact drops the checked candidates from open.
func (w *walker) compact() {
	w.open = slices.DeleteFunc(w.open, func(at int32) bool { return w.cands[at].checked })
}

// allDone reports whether every term's blocks have been read.
func (w *walker) allDone() bool {
	return !slices.Contains(w.done, false)
}

// check scores the chunks of ids that exist and offers them to top.
func (w *walker) check(ctx context.Context, ids []int64) error {
	rows, err := w.sc.q.Query(ctx, checkSQL, ids)
	if err != nil {
		return w.sc.s.check(ctx, err, "search: lexical check")
	}
	if w.termAt == nil {
		w.termAt = make(map[string]int, len(w.sc.terms))
		for i, t := range w.sc.terms {
			w.termAt[t.term] = i
		}
	}
	var id int64
	var n int32
	var rawTerms, rawTFs pgtype.DriverBytes
	tfs := make([]int64, len(w.sc.terms))
	_, err = pgx.ForEachRow(rows, []any{&id, &n, &rawTerms, &rawTFs}, func() error {
		counts, err := readInts(rawTFs, w.buf[1][:0])
		if err != nil {
			return err
		}
		w.buf[1] = counts
		clear(tfs)
		err = eachElement(rawTerms, func(j int, term []byte) error {
			if i, ok := w.termAt[string(term)]; ok {
				if j >= len(counts) {
					return fmt.Errorf("lexical check: %d terms, %d counts", j+1, len(counts))
				}
				tfs[i] = counts[j]
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The terms' scores added in the question's order, as
		// retrieval.BM25Term and the in-process store do.
		norm := retrieval.BM25Norm(int64(n), w.sc.avg)
		score, hit := 0.0, false
		for i, tf := range tfs {
			if tf > 0 {
				score += retrieval.BM25Term(w.sc.terms[i].w, tf, norm)
				hit = true
			}
		}
		if hit {
			w.offer(scoredID{id, score})
		}
		return nil
	})
	if err != nil {
		return w.sc.s.check(ctx, err, "search: lexical check")
	}
	return nil
}

// offer puts h into top if it is among the best cand or ties the cand-th:
// ties are broken by document ID and ordinal, which only fetch knows.
func (w *walker) offer(h scoredID) {
	k := w.sc.cand
	i, _ := slices.BinarySearchFunc(w.top, h, compareScored)
	if i >= k && h.score < w.top[k-1].score {
		return
	}
	w.top = slices.Insert(w.top, i, h)
	if len(w.top) > k {
		last := w.top[k-1].score
		j := k
		for j < len(w.top) && w.top[j].score == last {
			j++
		}
		w.top = w.top[:j]
	}
}

// fetch returns the top chunks with their metadata and cosine, ties
// broken by document ID (bytes) and ordinal, the best cand.
func (w *walker) fetch(ctx context.Context) ([]lexHit, error) {
	if len(w.top) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(w.top))
	score := make(map[int64]float64, len(w.top))
	for i, h := range w.top {
		ids[i], score[h.id] = h.id, h.score
	}
	args := []any{ids}
	cosine := "0::float8"
	if w.sc.vec != nil {
		args = append(args, w.sc.vec)
		cosine = "1 - (c.embedding <=> $" + strconv.Itoa(len(args)) + ")"
	}
	rows, err := w.sc.q.Query(ctx, strings.Replace(fetchSQL, "COSINE", cosine, 1), args...)
	if err != nil {
		return nil, w.sc.s.check(ctx, err, "search: lexical fetch")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (lexHit, error) {
		var id int64
		h, err := scanHitWith(row, &id)
		return lexHit{armHit: h, score: score[id]}, err
	})
	if err != nil {
		return nil, w.sc.s.check(ctx, err, "search: lexical fetch")
	}
	slices.SortStableFunc(out, func(a, b lexHit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := strings.Compare(a.Chunk.DocumentID, b.Chunk.DocumentID); c != 0 {
			return c
		}
		return cmp.Compare(a.Chunk.Ordinal, b.Chunk.Ordinal)
	})
	return out[:min(len(out), w.sc.cand)], nil
}

// compareScored orders by score descending, then by lex_id.
func compareScored(a, b scoredID) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}
