package postgres

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// DefaultMaxLag is how far behind the primary a read replica may be
// before searches skip it (ReplicaOptions.MaxLag).
const DefaultMaxLag = 10 * time.Second

// lagProbeEvery is how often a Replicated measures its replica's lag;
// lag is known to about this precision.
const lagProbeEvery = time.Second

// maxLagSamples bounds the primary positions a Replicated remembers
// while its replica does not replay (an hour of probes).
const maxLagSamples = 3600

// ReplicaOptions configure a Replicated.
type ReplicaOptions struct {
	// MaxLag is the replication lag beyond which searches go to the
	// primary; 0 means DefaultMaxLag.
	MaxLag time.Duration
	// Observe, when set, is told where each search went: target
	// "replica" or "primary", and for the primary why ("error": the
	// replica failed this search; "lag": it is too far behind; "down":
	// its last probe or search failed).
	Observe func(target, fallback string)
	// Logger receives a line each time searches leave or return to the
	// replica; nil discards.
	Logger *slog.Logger
}

// Replicated is the primary Store with searches sent to a streaming read
// replica while it answers and keeps up; writes, Stats and everything
// else go to the primary. A replica that fails a search, stops answering
// or lags by more than MaxLag is skipped for the primary — with a log
// line and Observe — so users never see its failure. It is safe for
// concurrent use.
type Replicated struct {
	*Store
	replica *Store
	opts    ReplicaOptions

	// down is set while the replica is skipped; why says why.
	down atomic.Bool
	why  atomic.Value // string
	lag  atomic.Int64 // last measured lag, nanoseconds

	samples []lagSample // owned by the probe goroutine
	stop    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

type lagSample struct {
	at  time.Time
	lsn int64
}

// OpenReplica opens a read-only Store on a streaming replica of the
// primary's database: no migrations (the replica replays the primary's)
// and no connection until the first call, so a replica that is down at
// start only sends searches to the primary.
func OpenReplica(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	opts.readOnly = true
	return Open(ctx, databaseURL, opts)
}

// NewReplicated routes primary's searches to replica (see Replicated)
// and starts measuring the replica's lag; Close stops it.
func NewReplicated(primary, replica *Store, opts ReplicaOptions) *Replicated {
	if opts.MaxLag <= 0 {
		opts.MaxLag = DefaultMaxLag
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Replicated{Store: primary, replica: replica, opts: opts, stop: make(chan struct{})}
	r.wg.Add(1)
	go r.probe()
	return r
}

// Close stops the lag probe and closes the replica; the primary stays
// open for whoever opened it.
func (r *Replicated) Close() {
	r.once.Do(func() { close(r.stop) })
	r.wg.Wait()
	r.replica.Close()
}

// Lag returns the replica's replication lag at the last probe.
func (r *Replicated) Lag() time.Duration { return time.Duration(r.lag.Load()) }

// Search searches the replica, or the primary when the replica is
// skipped or fails (EINVALID excepted: the primary would refuse the same
// query). Errors: those of Store.Search on the database that answered.
func (r *Replicated) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	if r.down.Load() {
		r.observe("primary", r.why.Load().(string))
		return r.Store.Search(ctx, q)
	}
	hits, err := r.replica.Search(ctx, q)
	if err == nil || retrieval.ErrorCode(err) == retrieval.EINVALID || ctx.Err() != nil {
		r.observe("replica", "")
		return hits, err
	}
	r.skip("down", err)
	r.observe("primary", "error")
	return r.Store.Search(ctx, q)
}

func (r *Replicated) observe(target, fallback string) {
	if r.opts.Observe != nil {
		r.opts.Observe(target, fallback)
	}
}

// skip sends searches to the primary until a probe finds the replica
// answering and caught up.
func (r *Replicated) skip(why string, cause error) {
	r.why.Store(why)
	if r.down.CompareAndSwap(false, true) {
		r.opts.Logger.Warn("postgres: read replica skipped; searches go to the primary", "reason", why,
			"lag", r.Lag(), "max_lag", r.opts.MaxLag, "addr", r.replica.addr, "error", cause)
	}
}

// probe measures the lag every lagProbeEvery until Close.
func (r *Replicated) probe() {
	defer r.wg.Done()
	t := time.NewTicker(lagProbeEvery)
	defer t.Stop()
	for {
		r.measure()
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

// measure reads the primary's WAL position and the replica's replay
// position. The lag is how long ago the probe first saw a primary
// position the replica has not replayed yet: 0 when it has replayed
// everything seen, whatever the primary's write rate.
func (r *Replicated) measure() {
	ctx, cancel := context.WithTimeout(context.Background(), lagProbeEvery)
	defer cancel()
	now := time.Now()
	var primary int64
	if err := r.Store.pool.QueryRow(ctx, `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&primary); err != nil {
		return // the primary's own trouble; searches would fail there too
	}
	// A server not in recovery (DATABASE_READ_URL naming a primary) has
	// no replay position and is never behind.
	var replayed *int64
	if err := r.replica.pool.QueryRow(ctx, `SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint`).Scan(&replayed); err != nil {
		r.skip("down", err)
		return
	}
	if len(r.samples) == 0 || r.samples[len(r.samples)-1].lsn != primary {
		r.samples = append(r.samples, lagSample{at: now, lsn: primary})
	}
	if len(r.samples) > maxLagSamples {
		r.samples = append(r.samples[:1], r.samples[2:]...) // the oldest tells the lag
	}
	i := len(r.samples)
	if replayed != nil {
		i = 0
		for i < len(r.samples) && r.samples[i].lsn <= *replayed {
			i++
		}
	}
	r.samples = r.samples[i:]
	var lag time.Duration
	if len(r.samples) > 0 {
		lag = now.Sub(r.samples[0].at)
	}
	r.lag.Store(int64(lag))
	if lag > r.opts.MaxLag {
		r.skip("lag", nil)
		return
	}
	if r.down.CompareAndSwap(true, false) {
		r.opts.Logger.Info("postgres: read replica answers and keeps up; searches go to it again", "lag", lag, "addr", r.replica.addr)
	}
}
