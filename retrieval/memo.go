package retrieval

import (
	"sync"
	"sync/atomic"
)

// memo remembers what a pure function gave for up to max keys; beyond
// them it computes every time. A store serves the same passages to
// question after question, so what the core reads off a passage (its
// terms, its titled people) is worth keeping, and since it only maps a
// key to its value it changes no result.
type memo[K comparable, V any] struct {
	m   sync.Map // K → V
	n   atomic.Int64
	max int64
}

// get returns the value for k, from build when it is not remembered.
func (c *memo[K, V]) get(k K, build func() V) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v := build()
	if c.n.Load() < c.max {
		if _, loaded := c.m.LoadOrStore(k, v); !loaded {
			c.n.Add(1)
		}
	}
	return v
}
