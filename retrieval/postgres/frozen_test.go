package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// TestFrozenDatabase: with the database frozen (a proxy that stops
// forwarding, like a server stopped with SIGSTOP: connections stay open,
// nothing answers) a call fails with EUNAVAILABLE "the database is not
// answering" within StatementTimeout + CallMargin, naming no address (the
// cause names it, for the logs), and later calls fail the same way at
// once. Once the proxy resumes, the store answers again.
func TestFrozenDatabase(t *testing.T) {
	dbURL := pgtest.NewDB(t, "frozen")
	proxy, via := pgtest.NewProxy(t, dbURL)
	const timeout = 300 * time.Millisecond
	s, err := postgres.Open(context.Background(), via, postgres.Options{Analyzer: snowball.New(), StatementTimeout: timeout})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(s.Close)
	corpus(t, s)
	ctx := context.Background()
	q := retrieval.Query{Text: "fighter jet", Vector: []float32{0, 1, 0, 0}, Embedder: embName, Dimensions: embDims, K: 3}
	if hits, err := s.Search(ctx, q); err != nil || len(hits) == 0 {
		t.Fatalf("Search() before freezing = %v, %v", ids(hits), err)
	}

	// One store per method, so that each meets its own deadline (a store
	// that found the database silent fails later calls at once).
	calls := frozenCalls(ctx, q)
	stores := map[string]*postgres.Store{}
	for name := range calls {
		st, err := postgres.Open(ctx, via, postgres.Options{Analyzer: snowball.New(), StatementTimeout: timeout})
		if err != nil {
			t.Fatalf("Open() = %v", err)
		}
		t.Cleanup(st.Close)
		if _, err := st.Stats(ctx); err != nil { // a connection in the pool
			t.Fatal(err)
		}
		stores[name] = st
	}
	time.Sleep(1100 * time.Millisecond) // idle past a second: the pool pings before handing a connection out

	proxy.Freeze()
	limit := timeout + postgres.CallMargin + 500*time.Millisecond
	var wg sync.WaitGroup
	var mu sync.Mutex
	for name, call := range calls {
		wg.Go(func() {
			start := time.Now()
			err := call(stores[name])
			took := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			checkNotAnswering(t, proxy, name, err, took, timeout, limit)
		})
	}
	wg.Wait()
	// Each store now knows the database is silent and fails at once.
	for name, call := range calls {
		start := time.Now()
		err := call(stores[name])
		checkNotAnswering(t, proxy, name+" again", err, time.Since(start), 0, 100*time.Millisecond)
	}

	// Every store answers again on its own once the database does (its
	// probe clears the mark). The writes never reached the server (the
	// pool's liveness ping, held by the proxy, went first), so none lands
	// when it resumes.
	proxy.Thaw()
	thawed := time.Now()
	for name, st := range stores {
		waitAnswering(t, name, st, q)
	}
	t.Logf("every store answering again %s after thawing", time.Since(thawed).Round(time.Millisecond))
	if _, err := s.DocumentHash(ctx, "late"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(late) = %v; want ENOTFOUND: the write that timed out must not have landed", err)
	}
	if _, err := s.DocumentHash(ctx, "exr"); err != nil {
		t.Errorf("DocumentHash(exr) = %v; want it still stored: the delete that timed out must not have landed", err)
	}
}

// frozenCalls calls each method of a store once, writes included.
func frozenCalls(ctx context.Context, q retrieval.Query) map[string]func(s *postgres.Store) error {
	d, cs := doc("late", "Late", [][]float32{{1, 0, 0, 0}}, "Written while frozen.")
	return map[string]func(s *postgres.Store) error{
		"Search":         func(s *postgres.Store) error { _, err := s.Search(ctx, q); return err },
		"Stats":          func(s *postgres.Store) error { _, err := s.Stats(ctx); return err },
		"DocumentHash":   func(s *postgres.Store) error { _, err := s.DocumentHash(ctx, "jet"); return err },
		"DocumentIDs":    func(s *postgres.Store) error { _, err := s.DocumentIDs(ctx); return err },
		"DeleteDocument": func(s *postgres.Store) error { return s.DeleteDocument(ctx, "exr") },
		"PutDocument":    func(s *postgres.Store) error { return s.PutDocument(ctx, d, cs, embName, embDims) },
		"Ping":           func(s *postgres.Store) error { return s.Ping(ctx) },
		"Catalog":        func(s *postgres.Store) error { _, _, err := s.Catalog(ctx, 3); return err },
	}
}

// checkNotAnswering checks a call made with the database frozen: the
// not-answering error, naming no address (its cause does), after between
// lo and hi.
func checkNotAnswering(t *testing.T, proxy *pgtest.Proxy, name string, err error, took, lo, hi time.Duration) {
	t.Helper()
	t.Logf("%s with the database frozen: %s", name, took.Round(time.Millisecond))
	if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || !strings.Contains(retrieval.ErrorDetail(err), "is not answering") {
		t.Errorf("%s with the database frozen = %q %q (%v); want EUNAVAILABLE, \"not answering\" in the detail", name, retrieval.ErrorCode(err), retrieval.ErrorDetail(err), err)
	}
	if took < lo || took > hi {
		t.Errorf("%s with the database frozen took %s; want between %s and %s", name, took, lo, hi)
	}
	if msg := retrieval.ErrorMessage(err); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, proxy.Addr()) {
		t.Errorf("%s message %q names the address", name, msg)
	}
	if d := retrieval.ErrorDetail(err); err != nil && !strings.Contains(d, proxy.Addr()) {
		t.Errorf("%s detail %q: want the address, for operators", name, d)
	}
}

// waitAnswering waits up to 10 s for st to find hits for q.
func waitAnswering(t *testing.T, name string, st *postgres.Store, q retrieval.Query) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		hits, err := st.Search(context.Background(), q)
		if err == nil && len(hits) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Search() on the %s store after thawing = %v, %v; want hits within 10s", name, ids(hits), err)
		}
	}
}
