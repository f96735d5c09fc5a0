package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// TestFrozenDatabase: with the database frozen (a proxy that stops
// forwarding, like a server stopped with SIGSTOP: connections stay open,
// nothing answers) every call fails with EUNAVAILABLE "the database is not
// answering" within StatementTimeout + CallMargin, naming no address; the
// cause names it for the logs. Once the proxy resumes, the store answers
// again.
func TestFrozenDatabase(t *testing.T) {
	dbURL := pgtest.NewDB(t, "frozen")
	proxy, via := pgtest.NewProxy(t, dbURL)
	const timeout = 300 * time.Millisecond
	s, err := postgres.Open(context.Background(), via, postgres.Options{StatementTimeout: timeout})
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

	proxy.Freeze()
	d, cs := doc("late", "Late", [][]float32{{1, 0, 0, 0}}, "Written while frozen.")
	calls := map[string]func() error{
		"Search":       func() error { _, err := s.Search(ctx, q); return err },
		"Stats":        func() error { _, err := s.Stats(ctx); return err },
		"DocumentHash": func() error { _, err := s.DocumentHash(ctx, "jet"); return err },
		"DocumentIDs":  func() error { _, err := s.DocumentIDs(ctx); return err },
		"PutDocument":  func() error { return s.PutDocument(ctx, d, cs, embName, embDims) },
		"Ping":         func() error { return s.Ping(ctx) },
	}
	limit := timeout + postgres.CallMargin + 500*time.Millisecond
	for name, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		t.Logf("%s with the database frozen: %s", name, took.Round(time.Millisecond))
		if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || !strings.Contains(retrieval.ErrorDetail(err), "is not answering") {
			t.Errorf("%s with the database frozen = %q %q (%v); want EUNAVAILABLE, \"not answering\" in the detail", name, retrieval.ErrorCode(err), retrieval.ErrorDetail(err), err)
		}
		if took > limit {
			t.Errorf("%s with the database frozen took %s; want at most %s", name, took, limit)
		}
		if msg := retrieval.ErrorMessage(err); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, proxy.Addr()) {
			t.Errorf("%s message %q names the address", name, msg)
		}
		if err != nil && !strings.Contains(err.Error(), proxy.Addr()) {
			t.Errorf("%s error %q: want the cause to name the address for the logs", name, err)
		}
	}

	proxy.Thaw()
	thawed := time.Now()
	deadline := time.Now().Add(10 * time.Second)
	for {
		hits, err := s.Search(ctx, q)
		if err == nil && len(hits) > 0 {
			t.Logf("answering again %s after thawing", time.Since(thawed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Search() after thawing = %v, %v; want hits within 10s", ids(hits), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := s.DocumentHash(ctx, "late"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(late) = %v; want ENOTFOUND: the write that timed out must not have landed", err)
	}
}
