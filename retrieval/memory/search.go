package memory

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/coopbot/coopbot/retrieval"
)

// parallelScan is the number of stored chunks from which the dense arm
// splits its scan across GOMAXPROCS goroutines.
const parallelScan = 16384

// Search runs both arms and fuses them with retrieval.Fuse. The dense arm
// ranks every chunk by exact cosine similarity to q.Vector; the lexical
// arm ranks the chunks containing any of the analyzer terms of q.Text by
// BM25 (k1 = 1.2, b = 0.75). Each arm keeps its best max(q.K,
// q.Candidates) chunks; ties break by document ID and ordinal. Every hit
// carries its cosine similarity (0 without a query vector or against a
// zero one) and its document's metadata; Chunk.Vector and Document.Text
// are not returned. The errors and the rest are retrieval.Store's.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if q.K < 1 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "search needs k of at least 1 (got %d)", q.K)
	}
	cands := max(q.K, q.Candidates)
	terms := distinct(s.analyzer.Terms(q.Text))

	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.embedder == "" {
		return nil, nil
	}
	dims := q.Dimensions
	if dims == 0 {
		dims = len(q.Vector)
	}
	if (q.Vector != nil || q.Embedder != "") && (q.Embedder != s.embedder || dims != s.dims || q.Vector != nil && len(q.Vector) != s.dims) {
		return nil, retrieval.Errorf(retrieval.EMISMATCH,
			"store was built with %q (%d dims); query uses %q (%d dims): run coopbot ingest --reindex",
			s.embedder, s.dims, q.Embedder, max(dims, len(q.Vector)))
	}
	qv := q.Vector
	var qn float64
	for _, x := range qv {
		qn += float64(x) * float64(x)
	}
	qn = math.Sqrt(qn)

	dense := s.denseArm(qv, qn, cands)
	lexical := s.lexicalArm(terms, cands)
	denseHits := make([]retrieval.Hit, len(dense))
	for i, c := range dense {
		denseHits[i] = s.hit(c.slot, c.score)
	}
	lexHits := make([]retrieval.Hit, len(lexical))
	for i, c := range lexical {
		lexHits[i] = s.hit(c.slot, s.cosine(c.slot, qv, qn))
	}
	return retrieval.Fuse(denseHits, lexHits, q.K), nil
}

func (s *Store) hit(slot int32, cos float64) retrieval.Hit {
	ce := s.slots[slot]
	c := ce.chunk
	c.Sentences = slices.Clone(c.Sentences)
	return retrieval.Hit{Chunk: c, Document: ce.doc.doc, Cosine: cos}
}

// cosine returns the cosine similarity of a slot's vector with qv (whose
// norm is qn), or 0 when either is the zero vector.
func (s *Store) cosine(slot int32, qv []float32, qn float64) float64 {
	n := s.slots[slot].norm
	if n == 0 || qn == 0 {
		return 0
	}
	return float64(dot(qv, s.vecs[int(slot)*s.dims:int(slot+1)*s.dims])) / (qn * float64(n))
}

// dot returns the dot product of equally long a and b.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// denseArm returns the cands slots most similar to qv, best first.
func (s *Store) denseArm(qv []float32, qn float64, cands int) []scored {
	if qn == 0 {
		return nil // a zero query vector ranks nothing
	}
	n := len(s.slots)
	workers := 1
	if n >= parallelScan {
		workers = min(runtime.GOMAXPROCS(0), n/(parallelScan/2))
	}
	scan := func(lo, hi int) *topK {
		t := newTopK(s, cands)
		for i := lo; i < hi; i++ {
			if s.slots[i] == nil {
				continue
			}
			t.offer(int32(i), s.cosine(int32(i), qv, qn))
		}
		return t
	}
	if workers < 2 {
		return scan(0, n).sorted()
	}
	parts := make([]*topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = scan(w*n/workers, (w+1)*n/workers)
		}()
	}
	wg.Wait()
	all := parts[0]
	for _, p := range parts[1:] {
		for _, c := range p.items {
			all.offer(c.slot, c.score)
		}
	}
	return all.sorted()
}

// lexicalArm returns the cands slots with the highest BM25 score for terms
// (OR semantics: a chunk needs only one of them), best first.
func (s *Store) lexicalArm(terms []string, cands int) []scored {
	if len(terms) == 0 || s.live == 0 || s.termSum == 0 {
		return nil
	}
	avg := float64(s.termSum) / float64(s.live)
	acc := s.scorePool.Get().(*scoreBuf)
	defer s.scorePool.Put(acc)
	if len(acc.score) < len(s.slots) {
		acc.score = make([]float64, len(s.slots))
	}
	// The PostgreSQL store ranks with the same functions in the same
	// order, so the two rank a corpus identically (storetest).
	for _, t := range terms {
		post := s.postings[t]
		if len(post) == 0 {
			continue
		}
		w := retrieval.BM25Weight(int64(s.live), int64(len(post)))
		for slot, tf := range post {
			if acc.score[slot] == 0 {
				acc.touched = append(acc.touched, slot)
			}
			acc.score[slot] += retrieval.BM25Term(w, int64(tf), retrieval.BM25Norm(int64(s.slots[slot].len), avg))
		}
	}
	top := newTopK(s, cands)
	for _, slot := range acc.touched {
		top.offer(slot, acc.score[slot])
		acc.score[slot] = 0
	}
	acc.touched = acc.touched[:0]
	return top.sorted()
}

// scoreBuf is a reusable BM25 accumulator indexed by slot; all zero
// between searches.
type scoreBuf struct {
	score   []float64
	touched []int32
}

func distinct(terms []string) []string {
	seen := make(map[string]bool, len(terms))
	out := terms[:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

type scored struct {
	slot  int32
	score float64
}

// topK keeps the k best slots by score, ties broken by document ID then
// ordinal, in a min-heap whose root is the worst kept.
type topK struct {
	s     *Store
	k     int
	items []scored
}

func newTopK(s *Store, k int) *topK { return &topK{s: s, k: k, items: make([]scored, 0, min(k, 1024))} }

// better reports whether a ranks before b.
func (t *topK) better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	ca, cb := &t.s.slots[a.slot].chunk, &t.s.slots[b.slot].chunk
	if ca.DocumentID != cb.DocumentID {
		return ca.DocumentID < cb.DocumentID
	}
	return ca.Ordinal < cb.Ordinal
}

func (t *topK) offer(slot int32, score float64) {
	c := scored{slot, score}
	if len(t.items) < t.k {
		t.items = append(t.items, c)
		t.up(len(t.items) - 1)
		return
	}
	if !t.better(c, t.items[0]) {
		return
	}
	t.items[0] = c
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.better(t.items[p], t.items[i]) { // parent is worse: heap holds
			return
		}
		t.items[p], t.items[i] = t.items[i], t.items[p]
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.items)
	for {
		w := i
		l, r := 2*i+1, 2*i+2
		if l < n && t.better(t.items[w], t.items[l]) {
			w = l
		}
		if r < n && t.better(t.items[w], t.items[r]) {
			w = r
		}
		if w == i {
			return
		}
		t.items[i], t.items[w] = t.items[w], t.items[i]
		i = w
	}
}

// sorted returns the kept slots best first.
func (t *topK) sorted() []scored {
	out := slices.Clone(t.items)
	slices.SortFunc(out, func(a, b scored) int {
		if t.better(a, b) {
			return -1
		}
		if t.better(b, a) {
			return 1
		}
		return 0
	})
	return out
}
