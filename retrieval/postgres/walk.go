package postgres

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

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
// less than θ, the k-th best exact score (no chunk unread can reach the
// top k), after checking (chunks: the chunk's current counts, exact
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
// ($2[i], $3[i]) in (bound, id) descending order.
const blocksSQL = `SELECT q.i, b.id, b.bound, b.docs, b.ords, b.tfs, b.lens
FROM unnest($1::text[], $2::float8[], $3::bigint[], $4::int[]) WITH ORDINALITY AS q(term, lb, lid, n, i)
CROSS JOIN LATERAL (SELECT id, bound, docs, ords, tfs, lens FROM bm25_blocks b
    WHERE b.term = q.term AND (b.bound, b.id) < (q.lb, q.lid)
    ORDER BY b.bound DESC, b.id DESC LIMIT q.n) b`

// checkSQL returns the chunks among the keys ($1, $2) that exist, with
// their length and their counts of the terms $3.
const checkSQL = `SELECT c.document_id, c.ordinal, c.lex_len,
    array(SELECT coalesce(c.lex_tfs[array_position(c.lex_terms, t.term)], 0)
          FROM unnest($3::text[]) WITH ORDINALITY AS t(term, i) ORDER BY t.i)
FROM unnest($1::text[], $2::int[]) AS k(doc, ord)
JOIN chunks c ON c.document_id = k.doc AND c.ordinal = k.ord`

// fetchSQL returns the chunks of the keys ($1, $2), in their order, with
// metadata and COSINE.
const fetchSQL = `SELECT ` + hitColumns + `, COSINE
FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS k(doc, ord, i)
JOIN chunks c ON c.document_id = k.doc AND c.ordinal = k.ord
JOIN documents d ON d.id = c.document_id
ORDER BY k.i`

// chunkKey names a chunk.
type chunkKey struct {
	doc string
	ord int32
}

// candidate is a chunk some block listed.
type candidate struct {
	key     chunkKey
	seen    []float64 // per term, the best score its postings showed
	checked bool
}

// scoredKey is a checked chunk and its exact score.
type scoredKey struct {
	key   chunkKey
	score float64
}

// walker is the state of one walk.
type walker struct {
	sc    *lexScorer
	c     float64                 // min(1, ref_avg / avg)
	after []float64               // per term, the last bound read (+Inf before any)
	id    []int64                 // and its block's id
	n     []int32                 // blocks the next round reads
	done  []bool                  // every block read
	front []float64               // bound of the term's score of any unread posting
	cands map[chunkKey]*candidate // nil: pruned, out of the top for good
	open  []*candidate            // the unchecked ones, and some checked
	top   []scoredKey             // the best checked chunks, best first, at most cand
	trust bool                    // postings are current: no chunk removed since the cut
}

// walk returns the exact top cand (see above) with the blocks cut at
// average length ref.
func (sc *lexScorer) walk(ctx context.Context, ref float64, trust bool) ([]lexHit, error) {
	nt := len(sc.terms)
	w := &walker{sc: sc, c: min(1, ref/sc.avg), after: make([]float64, nt), id: make([]int64, nt),
		n: make([]int32, nt), done: make([]bool, nt), front: make([]float64, nt), cands: map[chunkKey]*candidate{}, trust: trust}
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
		for i := range w.n {
			w.n[i] = min(2*w.n[i], walkMost)
		}
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
	var j int64
	var id int64
	var bound float64
	var docs []string
	var ords, tfs, lens []int32
	// A chunk first listed now, by term i with score s, scores at most s
	// (or term i's frontier, when postings may be stale) plus the other
	// terms' frontiers of the last round: if that is below θ it can never
	// enter the top k, and is pruned for good.
	theta, fronts := w.theta(), 0.0
	for _, f := range w.front {
		fronts += f
	}
	_, err = pgx.ForEachRow(rows, []any{&j, &id, &bound, &docs, &ords, &tfs, &lens}, func() error {
		i := index[j-1]
		got[j-1]++
		w.after[i], w.id[i] = bound, id
		t := w.sc.terms[i]
		others := fronts - w.front[i]
		for p, doc := range docs {
			k := chunkKey{doc, ords[p]}
			s := retrieval.BM25Term(t.w, int64(tfs[p]), retrieval.BM25Norm(int64(lens[p]), w.sc.avg))
			c, ok := w.cands[k]
			if !ok {
				own := s
				if !w.trust {
					own = max(s, w.front[i])
				}
				if (own+others)*slack < theta {
					w.cands[k] = nil
					continue
				}
				c = &candidate{key: k, seen: make([]float64, len(w.sc.terms))}
				w.cands[k] = c
				w.open = append(w.open, c)
			}
			if c != nil {
				c.seen[i] = max(c.seen[i], s)
			}
		}
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

// bound is a bound of c's score: per term, the best score its postings
// showed or the term's frontier, whichever is higher.
func (w *walker) bound(c *candidate) float64 {
	sum := 0.0
	for i, s := range c.seen {
		if w.trust && s > 0 {
			sum += s // the one posting of the chunk and term
		} else {
			sum += max(s, w.front[i])
		}
	}
	return sum * slack
}

// theta is the k-th best exact score so far, -Inf before k are checked.
func (w *walker) theta() float64 {
	if len(w.top) < w.sc.cand {
		return math.Inf(-1)
	}
	return w.top[len(w.top)-1].score
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
	for _, c := range w.open {
		if b := w.bound(c); b >= theta {
			todo = append(todo, pending{c.key, b})
		}
	}
	slices.SortFunc(todo, func(a, b pending) int {
		if c := cmp.Compare(b.bound, a.bound); c != 0 {
			return c
		}
		return compareKeys(a.key, b.key)
	})
	return todo
}

// pending is a candidate to check and its bound.
type pending struct {
	key   chunkKey
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
	keys := make([]chunkKey, 0, checkBatch)
	for _, p := range todo[:min(len(todo), checkBatch)] {
		keys = append(keys, p.key)
		w.cands[p.key].checked = true
	}
	if len(keys) == 0 {
		return nil
	}
	return w.check(ctx, keys)
}

// resolve scores from their postings the candidates whose every term's
// posting has been read or whose term is exhausted: trusted postings
// (no chunk removed since the blocks were cut) give their exact score,
// the terms' scores added in the question's order.
func (w *walker) resolve() {
	w.compact()
	for _, c := range w.open {
		score, whole := 0.0, true
		for i, s := range c.seen {
			if s > 0 {
				score += s
			} else if !w.done[i] {
				whole = false
				break
			}
		}
		if whole {
			c.checked = true
			w.offer(scoredKey{c.key, score})
		}
	}
}

// compact drops the checked candidates from open.
func (w *walker) compact() {
	w.open = slices.DeleteFunc(w.open, func(c *candidate) bool { return c.checked })
}

// allDone reports whether every term's blocks have been read.
func (w *walker) allDone() bool {
	return !slices.Contains(w.done, false)
}

// check scores the chunks of keys that exist and offers them to top.
func (w *walker) check(ctx context.Context, keys []chunkKey) error {
	docs := make([]string, len(keys))
	ords := make([]int32, len(keys))
	for i, k := range keys {
		docs[i], ords[i] = k.doc, k.ord
	}
	rows, err := w.sc.q.Query(ctx, checkSQL, docs, ords, names(w.sc.terms))
	if err != nil {
		return w.sc.s.check(ctx, err, "search: lexical check")
	}
	var k chunkKey
	var n int32
	var tfs []int32
	_, err = pgx.ForEachRow(rows, []any{&k.doc, &k.ord, &n, &tfs}, func() error {
		norm := retrieval.BM25Norm(int64(n), w.sc.avg)
		score, hit := 0.0, false
		for i, tf := range tfs {
			if tf > 0 {
				score += retrieval.BM25Term(w.sc.terms[i].w, int64(tf), norm)
				hit = true
			}
		}
		if hit {
			w.offer(scoredKey{k, score})
		}
		return nil
	})
	if err != nil {
		return w.sc.s.check(ctx, err, "search: lexical check")
	}
	return nil
}

// offer puts h into top if it is among the best cand.
func (w *walker) offer(h scoredKey) {
	i, _ := slices.BinarySearchFunc(w.top, h, compareScored)
	if i >= w.sc.cand {
		return
	}
	w.top = slices.Insert(w.top, i, h)
	if len(w.top) > w.sc.cand {
		w.top = w.top[:w.sc.cand]
	}
}

// fetch returns the top chunks with their metadata and cosine.
func (w *walker) fetch(ctx context.Context) ([]lexHit, error) {
	if len(w.top) == 0 {
		return nil, nil
	}
	docs := make([]string, len(w.top))
	ords := make([]int32, len(w.top))
	for i, h := range w.top {
		docs[i], ords[i] = h.key.doc, h.key.ord
	}
	args := []any{docs, ords}
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
		h, err := scanHit(row)
		return lexHit{armHit: h}, err
	})
	if err != nil {
		return nil, w.sc.s.check(ctx, err, "search: lexical fetch")
	}
	for i := range out {
		out[i].score = w.top[i].score
	}
	return out, nil
}

// compareScored orders by score descending, then by key.
func compareScored(a, b scoredKey) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return compareKeys(a.key, b.key)
}

// compareKeys orders by document ID (bytes), then ordinal.
func compareKeys(a, b chunkKey) int {
	if c := strings.Compare(a.doc, b.doc); c != 0 {
		return c
	}
	return cmp.Compare(a.ord, b.ord)
}
