package bot

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a per-user token bucket (golang.org/x/time/rate). Memory stays
// bounded: a user's bucket is forgotten once it has refilled completely,
// which changes nothing about whom it admits, and at most MaxUsers buckets
// are kept.
type Limiter struct {
	// Now returns the current time (time.Now when nil).
	Now func() time.Time
	// MaxUsers bounds the buckets kept (default 100,000); beyond it the
	// least recently used is dropped.
	MaxUsers int

	limit rate.Limit
	burst int

	mu        sync.Mutex
	users     map[string]*list.Element // of *bucket, most recent at front
	lru       *list.List
	lastSweep time.Time
}

type bucket struct {
	user string
	lim  *rate.Limiter
}

// NewLimiter returns a Limiter allowing perMinute questions a minute per
// user, with bursts of up to burst (at least 1).
func NewLimiter(perMinute float64, burst int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	return &Limiter{
		limit: rate.Limit(perMinute / 60),
		burst: burst,
		users: map[string]*list.Element{},
		lru:   list.New(),
	}
}

// Allow takes a token from user's bucket. When the bucket is empty it
// returns false and how long until the next token.
func (l *Limiter) Allow(user string) (bool, time.Duration) {
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	var b *bucket
	if e, ok := l.users[user]; ok {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
	} else {
		b = &bucket{user: user, lim: rate.NewLimiter(l.limit, l.burst)}
		l.users[user] = l.lru.PushFront(b)
		max := l.MaxUsers
		if max <= 0 {
			max = 100_000
		}
		for l.lru.Len() > max {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.users, old.Value.(*bucket).user)
		}
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Users returns the number of buckets held (for tests and metrics).
func (l *Limiter) Users() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
}

// sweep drops, at most once per refill period, the buckets that are full
// again (least recently used first). Called with mu held.
func (l *Limiter) sweep(now time.Time) {
	refill := time.Minute
	if l.limit > 0 {
		refill = time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second))
	}
	if now.Sub(l.lastSweep) < refill {
		return
	}
	l.lastSweep = now
	for e := l.lru.Back(); e != nil; {
		prev := e.Prev()
		b := e.Value.(*bucket)
		if b.lim.TokensAt(now) >= float64(l.burst) {
			l.lru.Remove(e)
			delete(l.users, b.user)
		}
		e = prev
	}
}

// Dedupe remembers keys (Slack event ids, channel+timestamp pairs) for a
// while, so a retried or duplicated event is handled once. It holds at most
// Max keys for TTL each.
type Dedupe struct {
	ttl time.Duration
	max int
	// Now returns the current time (time.Now when nil).
	Now func() time.Time

	mu    sync.Mutex
	seen  map[string]time.Time
	order *list.List // of dedupeEntry, oldest at front
}

type dedupeEntry struct {
	key string
	at  time.Time
}

// NewDedupe returns a Dedupe keeping up to max keys for ttl.
func NewDedupe(ttl time.Duration, max int) *Dedupe {
	if max < 1 {
		max = 1
	}
	return &Dedupe{ttl: ttl, max: max, seen: map[string]time.Time{}, order: list.New()}
}

// Seen records key and reports whether it was already recorded within the
// TTL. Empty keys are never duplicates.
func (d *Dedupe) Seen(key string) bool {
	if key == "" {
		return false
	}
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for e := d.order.Front(); e != nil; e = d.order.Front() {
		ent := e.Value.(dedupeEntry)
		if now.Sub(ent.at) < d.ttl && d.order.Len() <= d.max {
			break
		}
		d.order.Remove(e)
		if d.seen[ent.key] == ent.at {
			delete(d.seen, ent.key)
		}
	}
	if at, ok := d.seen[key]; ok && now.Sub(at) < d.ttl {
		return true
	}
	d.seen[key] = now
	d.order.PushBack(dedupeEntry{key: key, at: now})
	for d.order.Len() > d.max {
		e := d.order.Front()
		ent := e.Value.(dedupeEntry)
		d.order.Remove(e)
		if d.seen[ent.key] == ent.at {
			delete(d.seen, ent.key)
		}
	}
	return false
}

// Len returns the number of keys held.
func (d *Dedupe) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
