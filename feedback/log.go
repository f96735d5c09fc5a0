package feedback

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultDays       = 90
	DefaultBuffer     = 1024
	DefaultPurgeEvery = time.Hour
	writeTimeout      = 5 * time.Second
	maxBatch          = 64
)

// Options configures a Log.
type Options struct {
	// Key keys the hashes of users and channels (ANSWER_LOG_KEY).
	Key []byte
	// Days is how long entries are kept (ANSWER_LOG_DAYS); <= 0 means
	// DefaultDays.
	Days int
	// Buffer bounds the entries waiting to be written; beyond it an
	// entry is dropped and counted rather than delaying an answer.
	Buffer int
	// PurgeEvery is how often Run purges; <= 0 means DefaultPurgeEvery.
	PurgeEvery time.Duration
	// OnFailure, when set, is called once per entry that could not be
	// written (store failure or full buffer): a metric.
	OnFailure func()
	Logger    *slog.Logger
}

// item is one entry to write, or (done set) a flush marker.
type item struct {
	e    Entry
	done chan struct{}
}

// Log records entries into a Store in the background and passes votes
// and reports through. It is safe for concurrent use; Run must be
// running for entries to be written.
type Log struct {
	store  Store
	hash   Hasher
	days   int
	every  time.Duration
	fail   func()
	log    *slog.Logger
	queue  chan item
	failed atomic.Int64
}

// New returns a Log over store.
func New(store Store, opts Options) *Log {
	l := &Log{store: store, hash: NewHasher(opts.Key), days: opts.Days, every: opts.PurgeEvery, fail: opts.OnFailure,
		log: opts.Logger}
	if l.days <= 0 {
		l.days = DefaultDays
	}
	if l.every <= 0 {
		l.every = DefaultPurgeEvery
	}
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	l.queue = make(chan item, opts.Buffer)
	return l
}

// Days is how long entries are kept.
func (l *Log) Days() int { return l.days }

// Hash is the keyed hash of raw (see Hasher).
func (l *Log) Hash(kind, raw string) string { return l.hash.Hash(kind, raw) }

// Failures is how many entries could not be written so far.
func (l *Log) Failures() int64 { return l.failed.Load() }

// Record queues e to be written. It never blocks: with the buffer full
// (the store is down or slow) e is dropped, logged and counted.
func (l *Log) Record(e Entry) {
	select {
	case l.queue <- item{e: e}:
	default:
		l.failure(1)
		l.log.Warn("answer log full; entry dropped", "request_id", e.ID)
	}
}

func (l *Log) failure(n int) {
	l.failed.Add(int64(n))
	if l.fail != nil {
		for range n {
			l.fail()
		}
	}
}

// Flush waits until every entry queued before it has been written (or
// failed), or ctx ends.
func (l *Log) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case l.queue <- item{done: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run writes queued entries in batches and purges entries older than
// Days every PurgeEvery (and once at start), until ctx ends; then it
// writes what is still queued and returns.
func (l *Log) Run(ctx context.Context) {
	tick := time.NewTicker(l.every)
	defer tick.Stop()
	l.purge(ctx)
	for {
		select {
		case it := <-l.queue:
			l.write(context.WithoutCancel(ctx), it)
		case <-tick.C:
			l.purge(ctx)
		case <-ctx.Done():
			for {
				select {
				case it := <-l.queue:
					l.write(context.WithoutCancel(ctx), it)
				default:
					return
				}
			}
		}
	}
}

// write writes first and whatever else is queued, up to maxBatch
// entries, in one Append; flush markers are released once the entries
// before them are written.
func (l *Log) write(ctx context.Context, first item) {
	var batch []Entry
	var dones []chan struct{}
	add := func(it item) {
		if it.done != nil {
			dones = append(dones, it.done)
			return
		}
		batch = append(batch, it.e)
	}
	add(first)
	for more := true; more && len(batch) < maxBatch; {
		select {
		case it := <-l.queue:
			add(it)
		default:
			more = false
		}
	}
	if len(batch) > 0 {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		if err := l.store.Append(wctx, batch); err != nil {
			l.failure(len(batch))
			l.log.Error("answer log write failed; entries dropped", "entries", len(batch), "first_request_id", batch[0].ID, "err", err)
		}
		cancel()
	}
	for _, d := range dones {
		close(d)
	}
}

// Purge deletes the entries older than Days now.
func (l *Log) Purge(ctx context.Context) (int64, error) {
	return l.store.Purge(ctx, time.Now().AddDate(0, 0, -l.days))
}

func (l *Log) purge(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	n, err := l.Purge(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		l.log.Warn("answer log purge failed", "err", err)
	case n > 0:
		l.log.Info("answer log purged", "entries", n, "days", l.days)
	}
}

// Vote records v. An answer not yet written (its entry still queued) is
// waited for once before it counts as unknown. Errors: ErrUnknownAnswer,
// or the store's.
func (l *Log) Vote(ctx context.Context, v Vote) (Result, error) {
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	r, err := l.store.Vote(ctx, v)
	if errors.Is(err, ErrUnknownAnswer) {
		fctx, cancel := context.WithTimeout(ctx, writeTimeout)
		defer cancel()
		if l.Flush(fctx) == nil {
			r, err = l.store.Vote(ctx, v)
		}
	}
	return r, err
}

// Since returns the entries logged at or after t, with their votes.
func (l *Log) Since(ctx context.Context, t time.Time) ([]Record, error) {
	return l.store.Since(ctx, t)
}
