package postgres

import "sync"

// scores holds a walk's listed scores: per candidate, the best score each
// of the question's nt terms' postings showed. It is paged, with pages
// recycled across walks, because at a million chunks a question of
// common words lists hundreds of thousands of candidates: one slice
// grown by appending reached 40 MB for 12 terms, and every doubling left
// the last copy to the collector, which doubled the server's peak memory
// again (docs/performance.md).
type scores struct {
	nt    int         // terms per candidate
	per   int         // candidates per page
	pages [][]float64 // each scorePage long; a candidate never straddles two
	n     int         // candidates added
}

// scorePage is a page's length: 512 kB of float64s.
const scorePage = 1 << 16

// scorePool recycles pages across walks.
var scorePool = sync.Pool{New: func() any { p := make([]float64, scorePage); return &p }}

// newScores returns empty scores for nt terms (1 ≤ nt ≤ scorePage).
func newScores(nt int) scores { return scores{nt: nt, per: scorePage / nt} }

// add adds a candidate whose scores are all 0 and returns its number.
func (s *scores) add() int32 {
	i := s.n
	p, k := i/s.per, i%s.per
	if p == len(s.pages) {
		s.pages = append(s.pages, *scorePool.Get().(*[]float64))
	}
	clear(s.pages[p][k*s.nt : (k+1)*s.nt])
	s.n++
	return int32(i)
}

// of returns candidate i's scores, one per term; writes go to the store.
func (s *scores) of(i int32) []float64 {
	p, k := int(i)/s.per, int(i)%s.per
	return s.pages[p][k*s.nt : (k+1)*s.nt : (k+1)*s.nt]
}

// release returns the pages to the pool; s is empty afterwards.
func (s *scores) release() {
	for i, p := range s.pages {
		scorePool.Put(&p)
		s.pages[i] = nil
	}
	s.pages, s.n = s.pages[:0], 0
}
