package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/coopbot/coopbot/metrics"
	"github.com/coopbot/coopbot/retrieval"
)

// Backoff between attempts to open the store in the background.
const (
	openRetryMin = 500 * time.Millisecond
	openRetryMax = 15 * time.Second
)

// lazyCore is the retrieval core as serve's surfaces see it. Until the
// store is open (the database may be down when serve starts) every call
// fails with EUNAVAILABLE — a 503 on the web, the apology in chat — and
// /readyz reports why; once open, calls go to the Service.
type lazyCore struct {
	svc   atomic.Pointer[retrieval.Service]
	cause atomic.Pointer[error] // the last reason the store could not be opened
	// shared is what the replicas share in PostgreSQL, published with svc.
	shared sharedState
}

// errConnecting is what callers get until the store is open (users read
// EUNAVAILABLE's text).
var errConnecting = retrieval.Detailf(retrieval.EUNAVAILABLE, nil, "still connecting to the database")

func (l *lazyCore) service() (*retrieval.Service, error) {
	if s := l.svc.Load(); s != nil {
		return s, nil
	}
	return nil, errConnecting
}

// Ask implements gate.Service.
func (l *lazyCore) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	s, err := l.service()
	if err != nil {
		return retrieval.Answer{}, err
	}
	return s.Ask(ctx, q)
}

// AskFollowUp implements gate.Service.
func (l *lazyCore) AskFollowUp(ctx context.Context, h []retrieval.Turn, q string) (retrieval.Answer, error) {
	s, err := l.service()
	if err != nil {
		return retrieval.Answer{}, err
	}
	return s.AskFollowUp(ctx, h, q)
}

// Search implements gate.Service.
func (l *lazyCore) Search(ctx context.Context, q string, k int) ([]retrieval.Snippet, error) {
	s, err := l.service()
	if err != nil {
		return nil, err
	}
	return s.Search(ctx, q, k)
}

// notReady is /readyz's reason while the store is not open: the code's
// text for the page, the last cause for the log.
func (l *lazyCore) notReady() error {
	var cause error
	if p := l.cause.Load(); p != nil {
		cause = *p
	}
	return retrieval.Detailf(retrieval.EUNAVAILABLE, cause, "not connected to the database yet; retrying")
}

// openCore opens the core (m.Open), wraps its embedder and store with
// mt's decorators and publishes it to lc.
func (m *Main) openCore(ctx context.Context, mt *metrics.Metrics, lc *lazyCore) error {
	if err := m.Open(ctx); err != nil {
		return err
	}
	raw := m.Store
	m.Service.Embedder = mt.Embedder(m.Service.Embedder)
	m.Service.Store = mt.Store(m.Service.Store)
	if m.Postgres == nil {
		if s, err := raw.Stats(ctx); err == nil {
			mt.ObserveIngest(s.Documents, 0, 0, s.Chunks)
		}
	}
	if m.Postgres != nil {
		lc.shared.publish(m, m.Postgres)
	}
	lc.svc.Store(m.Service)
	m.startRefresher(ctx)
	return nil
}

// retryable reports whether opening the core failed because the database
// could not be reached (worth retrying) rather than a configuration error.
func (m *Main) retryable(err error) bool {
	return m.Config.DatabaseURL != "" && retrieval.ErrorCode(err) == retrieval.EUNAVAILABLE
}

// retryOpen opens the core in the background with exponential backoff
// (0.5s doubling to 15s, with jitter) until it succeeds, ctx ends, or the
// failure stops being retryable (then it logs the error; serve keeps
// answering 503 and /readyz says why).
func (m *Main) retryOpen(ctx context.Context, mt *metrics.Metrics, lc *lazyCore) {
	wait := openRetryMin
	for attempt := 2; ; attempt++ {
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		err := m.openCore(ctx, mt, lc)
		if err == nil {
			m.Logger.Info("database reachable; the core is open and serving", "attempt", attempt)
			fmt.Fprintln(m.Stderr, "coopbot: connected to the database")
			return
		}
		if ctx.Err() != nil {
			return
		}
		lc.cause.Store(&err)
		if !m.retryable(err) {
			m.Logger.Error("cannot open the core; giving up (fix the configuration and restart)", "err", err)
			return
		}
		m.Logger.Warn("database still unreachable; retrying", "attempt", attempt, "next_in", min(2*wait, openRetryMax).String(), "err", err)
		wait = min(2*wait, openRetryMax)
	}
}
