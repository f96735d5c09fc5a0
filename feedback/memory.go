package feedback

import (
	"context"
	"sync"
	"time"
)

// DefaultMemoryEntries bounds a Memory store made with a size <= 0.
const DefaultMemoryEntries = 10_000

// Memory is an in-process Store holding the most recent entries (and
// their votes); the oldest entry goes when a new one would exceed the
// bound. It is what `coopbot serve` and `ask` use without DATABASE_URL.
type Memory struct {
	mu      sync.Mutex
	max     int
	order   []string // ids, oldest first
	entries map[string]Entry
	votes   map[string]map[string]Vote // answer id → voter → vote
}

// NewMemory returns a Memory store of at most size entries.
func NewMemory(size int) *Memory {
	if size <= 0 {
		size = DefaultMemoryEntries
	}
	return &Memory{max: size, entries: map[string]Entry{}, votes: map[string]map[string]Vote{}}
}

// Append implements Store.
func (m *Memory) Append(ctx context.Context, entries []Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		if _, ok := m.entries[e.ID]; ok {
			continue
		}
		if len(m.order) >= m.max {
			m.drop(m.order[0])
			m.order = m.order[1:]
		}
		m.order = append(m.order, e.ID)
		m.entries[e.ID] = e
	}
	return nil
}

func (m *Memory) drop(id string) {
	delete(m.entries, id)
	delete(m.votes, id)
}

// Vote implements Store.
func (m *Memory) Vote(ctx context.Context, v Vote) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[v.AnswerID]; !ok {
		return 0, ErrUnknownAnswer
	}
	byVoter := m.votes[v.AnswerID]
	if byVoter == nil {
		byVoter = map[string]Vote{}
		m.votes[v.AnswerID] = byVoter
	}
	old, had := byVoter[v.Voter]
	byVoter[v.Voter] = v
	switch {
	case !had:
		return Recorded, nil
	case old.Value == v.Value:
		return Unchanged, nil
	}
	return Changed, nil
}

// Since implements Store.
func (m *Memory) Since(ctx context.Context, t time.Time) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, id := range m.order {
		e := m.entries[id]
		if e.Time.Before(t) {
			continue
		}
		r := Record{Entry: e}
		for _, v := range m.votes[id] {
			countVote(&r, v.Value, v.Comment)
		}
		out = append(out, r)
	}
	return out, nil
}

// countVote adds one vote to r's tallies.
func countVote(r *Record, value, comment string) {
	if value == Up {
		r.Ups++
	} else {
		r.Downs++
	}
	if comment != "" {
		r.Comments = append(r.Comments, comment)
	}
}

// Purge implements Store.
func (m *Memory) Purge(ctx context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.order[:0]
	var n int64
	for _, id := range m.order {
		if m.entries[id].Time.Before(before) {
			m.drop(id)
			n++
			continue
		}
		kept = append(kept, id)
	}
	m.order = kept
	return n, nil
}
