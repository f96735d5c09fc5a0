// Package testcore builds the real retrieval core over the bundled corpus
// for other packages' tests: the in-process store, the hash embedder and
// the Snowball analyzer, exactly as `coopbot` wires them without
// DATABASE_URL — and the core over a PostgreSQL store whose database has
// gone away (DatabaseDown).
package testcore

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/memory"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// Service returns a fresh Service over the bundled corpus.
func Service(tb testing.TB) *retrieval.Service {
	tb.Helper()
	s, _ := New(tb)
	return s
}

// New returns a fresh Service over the bundled corpus and its store, to
// which a test may add documents with Add.
func New(tb testing.TB) (*retrieval.Service, *memory.Store) {
	tb.Helper()
	a := snowball.New()
	st := memory.New(a)
	e, err := semantic.Blend(hash.New(hash.DefaultDims), a)
	if err != nil {
		tb.Fatalf("default embedder: %v", err)
	}
	lex, err := semantic.NewLexicon()
	if err != nil {
		tb.Fatalf("lexicon: %v", err)
	}
	p := ingest.Pipeline{Store: st, Embedder: e, Logger: slog.New(slog.DiscardHandler)}
	if _, err := p.Run(context.Background(), ingest.RunOptions{FS: corpus.FS}); err != nil {
		tb.Fatalf("index bundled corpus: %v", err)
	}
	return &retrieval.Service{Store: st, Embedder: e, Analyzer: a, Lexicon: lex}, st
}

// Add chunks, embeds and stores an extra document in the service's store.
func Add(tb testing.TB, s *retrieval.Service, doc retrieval.Document) {
	tb.Helper()
	chunks := ingest.Chunk(doc, ingest.ChunkOptions{})
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = c.Text
	}
	vecs, err := s.Embedder.Embed(context.Background(), texts)
	if err != nil {
		tb.Fatalf("embed %s: %v", doc.ID, err)
	}
	for i := range chunks {
		chunks[i].Vector = vecs[i]
	}
	if err := s.Store.PutDocument(context.Background(), doc, chunks, s.Embedder.Name(), s.Embedder.Dimensions()); err != nil {
		tb.Fatalf("store %s: %v", doc.ID, err)
	}
}

// DatabaseDown returns the real core over a real PostgreSQL store
// (TEST_DATABASE_URL, a database of its own) whose database has gone away:
// the store is opened through a pgtest.Proxy that is then cut, so every
// question fails exactly as in production when the database drops —
// EUNAVAILABLE, with the address in the error's operator detail. Without
// TEST_DATABASE_URL the test is skipped (failed with COOPBOT_REQUIRE_DB=1).
// Call it once per package test at a time.
func DatabaseDown(tb testing.TB) *retrieval.Service {
	tb.Helper()
	proxy, via := pgtest.NewProxy(tb, pgtest.NewDB(tb, "database_down"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, via, postgres.Options{Analyzer: snowball.New(), StatementTimeout: 5 * time.Second})
	if err != nil {
		tb.Fatalf("open the store: %v", err)
	}
	tb.Cleanup(st.Close)
	proxy.Down()
	return &retrieval.Service{Store: st, Embedder: hash.New(hash.DefaultDims), Analyzer: snowball.New()}
}
