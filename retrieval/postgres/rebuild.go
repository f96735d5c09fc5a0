package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coopbot/coopbot/retrieval"
)

// rebuildSchema is the schema a rebuild builds the new index in.
const rebuildSchema = "coopbot_rebuild"

// rebuildLock is the advisory lock key a rebuild holds for its whole
// life (the bytes of "coopreix"), so that two reindexes cannot build in
// the same schema at once.
const rebuildLock = 0x636f6f7072656978

// Rebuild is a new index being built beside a live Store (coopbot ingest
// --reindex): a Store of its own over a schema of its own, with the
// live store's tables, migrations and settings, that searches do not see.
// Commit swaps it in, in one transaction: readers see the old index until
// that commit and the new one after it, never a mix, an empty store or a
// half-built one. A rebuild abandoned before Commit — Abort, an error, or
// the process killed — leaves the live index exactly as it was; the next
// rebuild starts by dropping what was left.
type Rebuild struct {
	live   *Store
	next   *Store
	lock   *pgxpool.Conn // holds rebuildLock until Commit or Abort
	schema string        // the live tables' schema, quoted as needed
	done   bool
}

// BeginRebuild starts a rebuild beside s. Errors: EINVALID when another
// rebuild is running; EUNAVAILABLE when the database cannot be reached.
func (s *Store) BeginRebuild(ctx context.Context) (*Rebuild, error) {
	lock, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.check(ctx, err, "rebuild: lock")
	}
	var got bool
	if err := lock.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(rebuildLock)).Scan(&got); err != nil {
		lock.Release()
		return nil, s.check(ctx, err, "rebuild: lock")
	}
	if !got {
		lock.Release()
		return nil, retrieval.Errorf(retrieval.EINVALID, "another reindex is running on this database; wait for it to finish")
	}
	r := &Rebuild{live: s, lock: lock}
	var path string
	err = lock.QueryRow(ctx, `SELECT relnamespace::regnamespace::text, current_setting('search_path') FROM pg_class WHERE oid = 'chunks'::regclass`).Scan(&r.schema, &path)
	if err == nil {
		_, err = lock.Exec(ctx, `DROP SCHEMA IF EXISTS `+rebuildSchema+` CASCADE`)
	}
	if err == nil {
		_, err = lock.Exec(ctx, `CREATE SCHEMA `+rebuildSchema)
	}
	if err != nil {
		r.unlock()
		return nil, s.check(ctx, err, "rebuild: create schema")
	}
	// The new store's unqualified names (its migrations, its queries)
	// resolve to the new schema first, and to the live search path for
	// the rest (the vector type and its operators).
	cfg := s.cfg.Copy()
	cfg.ConnConfig.RuntimeParams["search_path"] = rebuildSchema + ", " + path
	opts := s.opts
	opts.Logger = s.log
	if r.next, err = open(ctx, cfg, opts); err != nil {
		r.unlock()
		return nil, fmt.Errorf("rebuild: open the new index: %w", err)
	}
	s.log.Info("postgres rebuild started", "schema", rebuildSchema)
	return r, nil
}

// Store is the store to write the new index into.
func (r *Rebuild) Store() *Store { return r.next }

// Commit swaps the new index in, in one transaction: the live tables are
// dropped and the new ones take their place, with their indexes. It
// analyzes the new tables first, so the planner and the lexical arm's
// common words know them from the first search.
func (r *Rebuild) Commit(ctx context.Context) error {
	if r.done {
		return retrieval.Errorf(retrieval.EINTERNAL, "rebuild: already committed or aborted")
	}
	r.next.Close()
	s := r.live
	if _, err := r.lock.Exec(ctx, `ANALYZE `+rebuildSchema+`.chunks, `+rebuildSchema+`.documents`); err != nil {
		return s.check(ctx, err, "rebuild: analyze")
	}
	err := pgx.BeginFunc(ctx, r.lock, func(tx pgx.Tx) error {
		stmts := []string{
			// Searches in flight hold their locks for at most a
			// statement timeout; do not queue every later search behind
			// a swap that cannot get its locks.
			`SET LOCAL lock_timeout = '30s'`,
			// In the order readers' statements take them (the lexical
			// arm's statistics, then chunks, documents, store_meta), so
			// that the swap cannot deadlock with one.
			`LOCK TABLE ` + r.schema + `.bm25_corpus, ` + r.schema + `.bm25_terms, ` + r.schema + `.bm25_blocks, ` + r.schema + `.chunks, ` +
				r.schema + `.documents, ` + r.schema + `.store_meta IN ACCESS EXCLUSIVE MODE`,
			`DROP TABLE ` + r.schema + `.chunks, ` + r.schema + `.documents, ` + r.schema + `.store_meta, ` +
				r.schema + `.bm25_terms, ` + r.schema + `.bm25_blocks, ` + r.schema + `.bm25_corpus`,
		}
		for _, t := range []string{"store_meta", "documents", "chunks", "bm25_terms", "bm25_blocks", "bm25_corpus"} {
			stmts = append(stmts, `ALTER TABLE `+rebuildSchema+`.`+t+` SET SCHEMA `+r.schema)
		}
		// The new chunks' triggers call the new schema's functions,
		// which must outlive it.
		for _, f := range bm25Functions {
			stmts = append(stmts, `DROP FUNCTION `+r.schema+`.`+f, `ALTER FUNCTION `+rebuildSchema+`.`+f+` SET SCHEMA `+r.schema)
		}
		stmts = append(stmts, `DROP SCHEMA `+rebuildSchema+` CASCADE`)
		for _, stmt := range stmts {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.check(ctx, err, "rebuild: swap")
	}
	r.unlock()
	s.log.Info("postgres rebuild swapped in")
	return nil
}

// Abort abandons the rebuild: the new index is dropped and the live one
// stays. It is a no-op after Commit or Abort, so it may be deferred.
func (r *Rebuild) Abort(ctx context.Context) error {
	if r.done {
		return nil
	}
	r.next.Close()
	// Clean up even when ctx has ended (an interrupted ingest).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := r.lock.Exec(ctx, `DROP SCHEMA IF EXISTS `+rebuildSchema+` CASCADE`)
	r.unlock()
	if err != nil {
		return r.live.check(ctx, err, "rebuild: abort")
	}
	return nil
}

// unlock releases the advisory lock and its connection.
func (r *Rebuild) unlock() {
	r.done = true
	ctx := context.Background()
	if _, err := r.lock.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(rebuildLock)); err != nil {
		// The lock dies with its session: drop the connection.
		_ = r.lock.Conn().Close(ctx)
	}
	r.lock.Release()
}
