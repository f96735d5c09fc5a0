package postgres

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sharedConns is the size of the pool the claims and rate buckets use:
// their own, so a question never waits behind searches holding every
// connection of the main pool (each holds Shards + 1 for up to
// STATEMENT_TIMEOUT), and a claim takes well under a millisecond.
const sharedConns = 4

// sweepEvery is how often one process sweeps expired claims and refilled
// rate buckets; other replicas sweep too, and a sweep finding nothing is
// an index range scan of nothing.
const sweepEvery = time.Minute

// Claims records which replica of coopbot serve handles a chat event
// (bot.Claims): the first to insert the event's key. It is safe for
// concurrent use.
type Claims struct {
	s         *Store
	ttl       time.Duration
	lastSweep atomic.Int64 // unix nanoseconds
}

// Claims returns the store's claims, each kept for ttl. Their pool starts
// connecting now, so the first claim does not wait for a connection.
func (s *Store) Claims(ttl time.Duration) *Claims {
	_, _ = s.shared()
	return &Claims{s: s, ttl: ttl}
}

// shared returns the small pool of the claims and rate buckets, made on
// first use and closed with the Store.
func (s *Store) shared() (*pgxpool.Pool, error) {
	s.sharedOnce.Do(func() {
		cfg := s.cfg.Copy()
		cfg.MaxConns = sharedConns
		cfg.MinConns = 1 // kept open: a claim is then one round trip
		if cfg.ConnConfig.ConnectTimeout == 0 {
			cfg.ConnConfig.ConnectTimeout = 5 * time.Second
		}
		if s.opts.StatementTimeout > 0 {
			cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(s.opts.StatementTimeout.Milliseconds(), 1), 10)
		}
		cfg.PingTimeout = pingTimeout
		cfg.HealthCheckPeriod = healthCheckPeriod
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			s.sharedErr = s.classify(err, "open shared-state pool")
			return
		}
		s.sharedPool = pool
	})
	return s.sharedPool, s.sharedErr
}

// Claim inserts key and reports whether it was new: true for exactly one
// caller across every process sharing the database, until the key is
// swept (at least ttl later). Errors: EUNAVAILABLE when the database
// cannot be reached or does not answer.
func (c *Claims) Claim(ctx context.Context, key string) (bool, error) {
	s := c.s
	if err := s.answering(); err != nil {
		return false, err
	}
	pool, err := s.shared()
	if err != nil {
		return false, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	tag, err := pool.Exec(ctx, `INSERT INTO chat_claims (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, key)
	if err != nil {
		return false, s.check(ctx, err, "claim")
	}
	if due(&c.lastSweep, sweepEvery) {
		if _, err := pool.Exec(ctx, `DELETE FROM chat_claims WHERE claimed_at < clock_timestamp() - make_interval(secs => $1)`, c.ttl.Seconds()); err != nil {
			s.log.Warn("postgres: sweeping expired chat claims failed", "error", err)
		}
	}
	return tag.RowsAffected() == 1, nil
}

// Limits is a per-user token bucket shared by every process on the
// database (bot.Limits): perMinute questions a minute, bursts of up to
// burst. It is safe for concurrent use.
type Limits struct {
	s         *Store
	perSecond float64
	burst     float64
	lastSweep atomic.Int64
}

// Limits returns the store's per-user rate limit.
func (s *Store) Limits(perMinute float64, burst int) *Limits {
	_, _ = s.shared()
	return &Limits{s: s, perSecond: perMinute / 60, burst: float64(max(burst, 1))}
}

// Take takes a token from user's bucket in one atomic upsert (the row
// lock orders replicas racing for the same user). When the bucket is
// empty it returns false and how long until the next token. Errors:
// EUNAVAILABLE when the database cannot be reached or does not answer.
func (l *Limits) Take(ctx context.Context, user string) (bool, time.Duration, error) {
	s := l.s
	if err := s.answering(); err != nil {
		return false, 0, err
	}
	pool, err := s.shared()
	if err != nil {
		return false, 0, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if due(&l.lastSweep, sweepEvery) {
		// A bucket idle for a whole refill is full again: forgetting it
		// admits exactly what keeping it would.
		refill := l.burst / l.perSecond
		if _, err := pool.Exec(ctx, `DELETE FROM chat_rate WHERE updated_at < clock_timestamp() - make_interval(secs => $1)`, refill); err != nil {
			s.log.Warn("postgres: sweeping refilled rate buckets failed", "error", err)
		}
	}
	// The refill is computed after the row lock is taken (clock_timestamp,
	// not the statement's start), so a later writer never sees time run
	// backwards.
	var left float64
	err = pool.QueryRow(ctx, `INSERT INTO chat_rate AS r (user_key, tokens, updated_at)
		VALUES ($1, $2::float8 - 1, clock_timestamp())
		ON CONFLICT (user_key) DO UPDATE
		SET tokens = LEAST($2::float8, r.tokens + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - r.updated_at)::float8) * $3::float8) - 1,
		    updated_at = clock_timestamp()
		WHERE LEAST($2::float8, r.tokens + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - r.updated_at)::float8) * $3::float8) >= 1
		RETURNING tokens`, user, l.burst, l.perSecond).Scan(&left)
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, 0, s.check(ctx, err, "take rate token")
	}
	var wait float64
	err = pool.QueryRow(ctx, `SELECT (1 - LEAST($2::float8, tokens + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - updated_at)::float8) * $3::float8)) / $3::float8
		FROM chat_rate WHERE user_key = $1`, user, l.burst, l.perSecond).Scan(&wait)
	if err != nil {
		return false, 0, s.check(ctx, err, "read rate bucket")
	}
	return false, max(time.Duration(wait*float64(time.Second)), time.Second), nil
}

// due reports, to one caller per period, that period has passed since
// the last time it did.
func due(last *atomic.Int64, period time.Duration) bool {
	now := time.Now().UnixNano()
	prev := last.Load()
	return now-prev >= int64(period) && last.CompareAndSwap(prev, now)
}
