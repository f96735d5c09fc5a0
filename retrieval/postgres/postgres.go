// Package postgres is a retrieval.Store on PostgreSQL with pgvector: an
// HNSW index (cosine) for the dense arm, a generated tsvector column with a
// GIN index for the lexical arm, and reciprocal rank fusion of the two.
//
// The schema is applied by embedded goose migrations when a Store is
// opened. The vector dimension is fixed by the first document written into
// an empty store, together with the name of the embedder that made it;
// later writes and searches with another embedder fail with EMISMATCH
// until a rebuild (BeginRebuild; coopbot ingest --reindex) swaps in a new
// index, or Reset empties the store.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/coopbot/coopbot/retrieval"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultEfSearch is the default HNSW search breadth (hnsw.ef_search) of
// each shard's search: recall@10 0.988 at 20,000 chunks, 0.982 at 100,000
// and 0.953 at a million (coopbot bench, docs/performance.md; coopbot's
// EF_SEARCH sets Options.EfSearch).
const DefaultEfSearch = 200

// MaxEfSearch is pgvector's upper bound for hnsw.ef_search; it also caps
// the number of candidates each arm fetches.
const MaxEfSearch = 1000

// maxDimensions is pgvector's limit for an HNSW-indexed vector column.
const maxDimensions = 2000

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// EfSearch is the HNSW search breadth; 0 means DefaultEfSearch. Each
	// search raises it to at least the number of candidates it fetches.
	EfSearch int
	// LexicalBudget, when positive, bounds the postings a lexical search
	// reads: a walk that has read that many and cannot yet prove its top
	// k scores exactly the most promising chunks it listed and keeps the
	// best (approximate; docs/performance.md measures the recall it
	// costs). 0, the default, is the exact top k at any cost.
	LexicalBudget int
	// Analyzer makes the index terms of chunks and questions for the
	// lexical arm (BM25); it is required, and must be the one the
	// Service uses (retrieval.Analyzer).
	Analyzer retrieval.Analyzer
	// MaxConns caps the connection pool; 0 means enough for max(4, CPUs)
	// searches at once, each holding Shards + 1 connections (one per
	// shard's dense search and one for the lexical arm).
	MaxConns int32
	// ConnectTimeout bounds each new connection; 0 means 10 seconds (or
	// the connect_timeout in the URL).
	ConnectTimeout time.Duration
	// Logger receives migration and slow-path messages; nil discards.
	Logger *slog.Logger
	// StatementTimeout, when positive, bounds every statement on the
	// pool's connections (PostgreSQL statement_timeout, lock waits
	// included) and, on the client side, every call of the Store's
	// methods to StatementTimeout + CallMargin: a server that stops
	// answering altogether (frozen, or a network path that drops
	// packets) never runs out its statement_timeout, so only a deadline
	// of our own ends the wait. Either way the call fails with
	// EUNAVAILABLE. Migrations are not bounded. Leave it 0 for ingest,
	// which builds indexes.
	StatementTimeout time.Duration

	// readOnly (OpenReplica) skips migrations and the first ping.
	readOnly bool
}

// CallMargin is how much longer than Options.StatementTimeout a Store call
// may take before the client gives up on the database: time for the
// server's own statement_timeout error to arrive, so that a slow query
// is reported as such and only a silent server meets the client's
// deadline.
const CallMargin = 500 * time.Millisecond

// pingTimeout bounds the liveness ping pgxpool sends on a connection that
// sat idle for over a second before handing it out; a connection that
// does not answer it is dropped and another is made.
const pingTimeout = time.Second

// healthCheckPeriod is how often the pool drops idle connections that
// are past their lifetime or idle time.
const healthCheckPeriod = 10 * time.Second

// Store is a retrieval.Store backed by PostgreSQL with pgvector. It is safe
// for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// cfg and opts are what the Store was opened with, for opening the
	// store a rebuild writes into (BeginRebuild).
	cfg      *pgxpool.Config
	opts     Options
	addr     string // host:port, for messages; never the password
	dbname   string
	efSearch int
	analyzer retrieval.Analyzer

	// callTimeout bounds each call (Options.StatementTimeout +
	// CallMargin); 0 leaves calls unbounded.
	callTimeout time.Duration

	// silent is set while the database is known not to answer (see
	// answering); done ends the probe that clears it.
	silent    atomic.Bool
	done      chan struct{}
	closeOnce sync.Once

	// sharedPool serves Claims and Limits (see shared).
	sharedOnce sync.Once
	sharedPool *pgxpool.Pool
	sharedErr  error

	log *slog.Logger
}

var _ retrieval.Store = (*Store)(nil)

// Open connects to the database at databaseURL (a postgres:// URL or
// key=value DSN), applies any pending migrations (creating the pgvector
// extension if needed) and returns a ready Store. Errors carry code
// EUNAVAILABLE when the database cannot be reached, refuses the login, or
// lacks pgvector; EINVALID when the URL is malformed. Messages never
// include the password, host or port; the wrapped cause names the host
// and port for logs.
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// The parse error may echo the URL, password included: drop it.
		return nil, retrieval.Errorf(retrieval.EINVALID, "the database URL is malformed: expected postgres://user:password@host:port/dbname")
	}
	return open(ctx, cfg, opts)
}

// open is Open with the URL parsed.
func open(ctx context.Context, cfg *pgxpool.Config, opts Options) (*Store, error) {
	base := cfg.Copy()
	if opts.EfSearch < 0 || opts.EfSearch > MaxEfSearch {
		return nil, retrieval.Errorf(retrieval.EINVALID, "ef_search must be between 1 and %d, not %d", MaxEfSearch, opts.EfSearch)
	}
	s := &Store{
		cfg:      base,
		opts:     opts,
		done:     make(chan struct{}),
		addr:     net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))),
		dbname:   cfg.ConnConfig.Database,
		efSearch: opts.EfSearch,
		log:      opts.Logger,
	}
	if s.efSearch == 0 {
		s.efSearch = DefaultEfSearch
	}
	if opts.Analyzer == nil {
		return nil, retrieval.Errorf(retrieval.EINVALID, "the PostgreSQL store needs an analyzer for its lexical arm")
	}
	s.analyzer = opts.Analyzer
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
		if opts.ConnectTimeout > 0 {
			cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
		}
	}
	cfg.MaxConns = int32(Shards+1) * max(4, int32(runtime.NumCPU()))
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}

	// Migrate over database/sql (goose needs it) before the pool exists:
	// the pool registers the vector type on connect, which needs the
	// extension the first migration creates.
	if !opts.readOnly {
		if err := s.migrate(ctx, cfg.ConnConfig.Copy()); err != nil {
			return nil, err
		}
	}

	if opts.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(opts.StatementTimeout.Milliseconds(), 1), 10)
		s.callTimeout = opts.StatementTimeout + CallMargin
	}
	cfg.PingTimeout = pingTimeout
	cfg.HealthCheckPeriod = healthCheckPeriod
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, conn)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.classify(err, "open pool")
	}
	s.pool = pool
	if opts.readOnly {
		return s, nil
	}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.backfillTerms(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connection pool. It is safe to call more than once.
func (s *Store) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.sharedOnce.Do(func() {}) // no pool made after Close
	if s.sharedPool != nil {
		s.sharedPool.Close()
	}
	if s.pool != nil {
		s.pool.Close()
	}
}

// Ping checks that the database answers, within the Store's bound. It
// returns EUNAVAILABLE when it cannot be reached or does not answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.answering(); err != nil {
		return err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return s.check(ctx, err, "ping")
	}
	return nil
}

// Reset deletes every document, chunk and the embedder record, and drops
// the HNSW index so the next PutDocument may use any embedder and
// dimension. Readers see an empty store at once: coopbot ingest
// --reindex builds beside the live index instead (BeginRebuild); the
// tests use Reset to start each case empty.
func (s *Store) Reset(ctx context.Context) error {
	if err := s.answering(); err != nil {
		return err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.check(ctx, err, "reset")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	stmts := append([]string{`TRUNCATE chunks, documents, store_meta, bm25_terms, bm25_blocks`, `UPDATE bm25_corpus SET chunks = 0, terms = 0, ref_avg = NULL, removed = 0`}, dropHNSW()...)
	for _, stmt := range append(stmts, `ALTER TABLE chunks ALTER COLUMN embedding TYPE vector`) {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return s.check(ctx, err, "reset")
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return s.check(ctx, err, "reset")
	}
	s.log.Info("postgres store reset", "addr", s.addr)
	return nil
}

// migrate checks for pgvector and applies the embedded migrations.
func (s *Store) migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return s.classify(err, "connect")
	}
	var available bool
	err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')
		OR EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector')`).Scan(&available)
	if err != nil {
		return s.classify(err, "check pgvector")
	}
	if !available {
		return s.noVector(cc)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker),
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" {
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err,
				"PostgreSQL at %s refused to create the pgvector extension for user %q: run CREATE EXTENSION vector as a superuser in database %q and retry", s.addr, cc.User, cc.Database)
		}
		return s.classify(err, "migrate")
	}
	for _, r := range results {
		s.log.Info("postgres migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

func (s *Store) noVector(cc *pgx.ConnConfig) error {
	var version string
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	if err := db.QueryRow(`SELECT current_setting('server_version_num')`).Scan(&version); err == nil && len(version) >= 2 {
		version = version[:2]
	} else {
		version = "NN"
	}
	return retrieval.Detailf(retrieval.EUNAVAILABLE, nil,
		"PostgreSQL at %s has no pgvector extension: install it (Debian/Ubuntu: apt install postgresql-%s-pgvector, or build from https://github.com/pgvector/pgvector) and retry", s.addr, version)
}

// classify turns a driver error into a retrieval error: EUNAVAILABLE for
// anything that means the database cannot be reached or refused us, a
// plain wrapped error (EINTERNAL) otherwise. Context errors pass through.
// The address goes in the operator detail, which no surface shows users.
func (s *Store) classify(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if isConnectErr(err) {
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "timed out reaching the database at %s", s.addr)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "the database at %s refused the login: check the user and password in the database URL", s.addr)
		case pgErr.Code == "3D000":
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "database %q does not exist at %s: create it and retry", s.dbname, s.addr)
		case pgErr.Code == "57014":
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "the database at %s took too long to answer", s.addr)
		case len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || pgErr.Code == "53300"):
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "cannot reach the database at %s", s.addr)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if isConnectErr(err) {
		return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "cannot reach the database at %s", s.addr)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isConnectErr(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, sql.ErrConnDone) || pgconn.Timeout(err)
}
