package main

import (
	"context"
	"fmt"
	"time"

	"github.com/coopbot/coopbot/retrieval/postgres"
)

// replicaConnectTimeout bounds a connection to the read replica: past it
// the search goes to the primary, so a replica that drops packets costs
// little.
const replicaConnectTimeout = 2 * time.Second

// openReadReplica sends primary's searches to DATABASE_READ_URL when it is
// set (postgres.Replicated): a replica that is down, failing or behind by
// more than READ_MAX_LAG is skipped for the primary with a log line and
// coopbot_read_fallbacks_total. A malformed URL is an error; an
// unreachable replica is not.
func (m *Main) openReadReplica(ctx context.Context, primary *postgres.Store, opts postgres.Options) error {
	if m.Config.DatabaseReadURL == "" {
		return nil
	}
	opts.ConnectTimeout = replicaConnectTimeout
	replica, err := postgres.OpenReplica(ctx, m.Config.DatabaseReadURL, opts)
	if err != nil {
		return fmt.Errorf("read replica (DATABASE_READ_URL): %w", err)
	}
	r := postgres.NewReplicated(primary, replica, postgres.ReplicaOptions{
		MaxLag:  m.Config.ReadMaxLag,
		Observe: m.Metrics.ObserveReadSearch,
		Logger:  m.Logger,
	})
	m.Store = r
	m.closers = append(m.closers, r.Close)
	fmt.Fprintln(m.Stderr, "coopbot: searching the read replica (DATABASE_READ_URL), the primary when it fails or lags")
	return nil
}
