package snowball

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// stems memoises Stem. It only ever maps a word to its stem, so it
// changes no result. Readers look words up in an immutable map without
// a lock (a sync.Map's Load was 6% of a bench load's CPU, more than the
// stemming it saved); a miss stems the word and adds it to a pending map
// under a mutex, and the pending words are published in a new immutable
// map once they reach an eighth of it, so copying costs O(1) a word.
type stemCache struct {
	read    atomic.Pointer[map[string]string]
	mu      sync.Mutex
	pending map[string]string
	size    int // words cached, published or pending
}

// maxCachedStems bounds the stem cache so that adversarial input cannot
// grow it without limit; words beyond it are stemmed every time.
const maxCachedStems = 1 << 17

// stems is the process's stem cache.
var stems stemCache

// get returns w's cached stem.
func (c *stemCache) get(w string) (string, bool) {
	if m := c.read.Load(); m != nil {
		if s, ok := (*m)[w]; ok {
			return s, true
		}
	}
	c.mu.Lock()
	s, ok := c.pending[w]
	c.mu.Unlock()
	return s, ok
}

// put caches w's stem s.
func (c *stemCache) put(w, s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size >= maxCachedStems {
		return
	}
	if _, ok := c.pending[w]; ok {
		return
	}
	var published map[string]string
	if m := c.read.Load(); m != nil {
		if _, ok := (*m)[w]; ok {
			return
		}
		published = *m
	}
	// Clone: w may be a slice of a large text the cache must not pin.
	k := strings.Clone(w)
	if s == w {
		s = k
	}
	if c.pending == nil {
		c.pending = map[string]string{}
	}
	c.pending[k] = s
	c.size++
	if len(c.pending) >= max(64, len(published)/8) {
		next := make(map[string]string, len(published)+len(c.pending))
		maps.Copy(next, published)
		maps.Copy(next, c.pending)
		c.read.Store(&next)
		c.pending = nil
	}
}
