package postgres

import "sync"

// slots maps a chunk's lex_id to its candidate in a walk: a sparse array
// of pages of 4,096, so that a lookup is two loads. A map of int64 was
// half the walk's Go time (hashing, growing) on questions of common
// words, which list tens of thousands of chunks. lex_ids come from one
// identity, so they are dense: a million chunks take 245 pages (4 MB).
type slots struct {
	pages [][]int32       // by id >> slotBits; nil: no id of the page seen yet
	dirty []bool          // per page, whether this walk set a slot of it
	used  []int           // the dirty pages, to clear before reuse
	far   map[int64]int32 // ids beyond slotPages pages, and negative ones
}

// slotPages bounds the pages (2^32 ids, 8 MB of page pointers): ids
// beyond it, which only a store with billions of chunks written over its
// life would have, go to a map.
const (
	slotBits  = 12
	slotMask  = 1<<slotBits - 1
	slotPages = 1 << 20
)

// slot values: 0 is a chunk not seen, pruned one out of the top for
// good, and n > 0 candidate n-1.
const (
	unseen = 0
	pruned = -1
)

// slotPool recycles slots across walks, pages included.
var slotPool = sync.Pool{New: func() any { return new(slots) }}

// get returns id's slot value.
func (s *slots) get(id int64) int32 {
	p := id >> slotBits
	switch {
	case id < 0 || p >= slotPages:
		return s.far[id]
	case p >= int64(len(s.pages)) || s.pages[p] == nil:
		return unseen
	}
	return s.pages[p][id&slotMask]
}

// set sets id's slot value.
func (s *slots) set(id int64, v int32) {
	p := id >> slotBits
	if id < 0 || p >= slotPages {
		if s.far == nil {
			s.far = map[int64]int32{}
		}
		s.far[id] = v
		return
	}
	if p >= int64(len(s.pages)) {
		n := p + 1 - int64(len(s.pages))
		s.pages, s.dirty = append(s.pages, make([][]int32, n)...), append(s.dirty, make([]bool, n)...)
	}
	if s.pages[p] == nil {
		s.pages[p] = make([]int32, 1<<slotBits)
	}
	if !s.dirty[p] {
		s.dirty[p] = true
		s.used = append(s.used, int(p))
	}
	s.pages[p][id&slotMask] = v
}

// release clears s and puts it back in the pool.
func (s *slots) release() {
	for _, p := range s.used {
		clear(s.pages[p])
		s.dirty[p] = false
	}
	s.used = s.used[:0]
	clear(s.far)
	slotPool.Put(s)
}
