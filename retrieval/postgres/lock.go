package postgres

import (
	"context"
	"time"

	"github.com/coopbot/coopbot/sources"
)

// refreshLockKey is the advisory lock the sources refresher holds, so
// that with several replicas one refreshes at a time (any fixed number
// unused by others; this is "coopbot1" read as ASCII bytes).
const refreshLockKey int64 = 0x636f6f70626f7431

var _ sources.Locker = (*Store)(nil)

// TryLock implements sources.Locker with a session-level advisory lock on
// a connection of its own, held until release (or until the connection
// dies, when PostgreSQL releases it).
func (s *Store) TryLock(ctx context.Context) (release func(), ok bool, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, s.check(ctx, err, "refresh lock")
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, refreshLockKey).Scan(&ok); err != nil || !ok {
		conn.Release()
		return nil, false, s.check(ctx, err, "refresh lock")
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, refreshLockKey); err != nil {
			conn.Conn().Close(ctx) // a closed session holds no lock
		}
		conn.Release()
	}, true, nil
}
