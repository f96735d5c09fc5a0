package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// openStoreRetrying opens the store for ingest, retrying with the same
// backoff as serve (0.5 s doubling to 15 s, with jitter) while the
// database cannot be reached, for at most CONNECT_RETRY: a one-shot ingest
// container started beside a database still initialising waits for it
// instead of failing the stack. Configuration errors fail at once.
func (m *Main) openStoreRetrying(ctx context.Context) error {
	err := m.OpenStore(ctx, false)
	if err == nil || !m.retryable(err) || m.Config.ConnectRetry <= 0 {
		return err
	}
	deadline := time.Now().Add(m.Config.ConnectRetry)
	fmt.Fprintf(m.Stderr, "coopbot: %s; retrying for up to %s\n", retrieval.ErrorDetail(err), m.Config.ConnectRetry)
	wait := openRetryMin
	for attempt := 2; ; attempt++ {
		d := min(wait/2+rand.N(wait/2+1), time.Until(deadline))
		if d <= 0 {
			return fmt.Errorf("gave up after %s: %w", m.Config.ConnectRetry, err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		if err = m.OpenStore(ctx, false); err == nil || !m.retryable(err) {
			if err == nil {
				fmt.Fprintf(m.Stderr, "coopbot: connected to the database (attempt %d)\n", attempt)
			}
			return err
		}
		m.Logger.Warn("database still unreachable; retrying", "attempt", attempt, "err", err)
		wait = min(2*wait, openRetryMax)
	}
}
