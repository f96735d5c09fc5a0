package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// The rebuilds below write with another embedder and dimension than the
// live corpus.
const newEmb, newDims = "other-v2-8", 8

// rebuildFixture is a live store holding the corpus, for a rebuild.
type rebuildFixture struct {
	url  string
	s    *postgres.Store
	conn *pgx.Conn
	old  retrieval.Stats
}

func newRebuildFixture(t *testing.T) *rebuildFixture {
	url := pgtest.NewDB(t, "rebuild")
	s := open(t, url)
	corpus(t, s)
	return &rebuildFixture{url: url, s: s, conn: connect(t, url), old: stats(t, s)}
}

// writeNew writes n one-chunk documents new00… with the new embedder,
// newNN's chunk on page NN+1.
func writeNew(t *testing.T, s *postgres.Store, n int) {
	t.Helper()
	for i := range n {
		v := make([]float32, newDims)
		v[i%newDims] = 1
		d, cs := doc(fmt.Sprintf("new%02d", i), "New", [][]float32{v}, fmt.Sprintf("New report number %d about frigates.", i))
		cs[0].Page = i + 1
		if err := s.PutDocument(context.Background(), d, cs, newEmb, newDims); err != nil {
			t.Fatalf("PutDocument(new%02d) = %v", i, err)
		}
	}
}

// oldQuery finds jet first in the live corpus.
func oldQuery() retrieval.Query {
	return retrieval.Query{Text: "fighter jet", Vector: []float32{0, 1, 0, 0}, Embedder: embName, Dimensions: embDims, K: 3}
}

// liveIsOld checks that the live store still is the corpus, unchanged.
func (f *rebuildFixture) liveIsOld(t *testing.T, when string) {
	t.Helper()
	if st := stats(t, f.s); st != f.old {
		t.Errorf("%s: live Stats = %+v; want the old %+v", when, st, f.old)
	}
	if hits, err := f.s.Search(context.Background(), oldQuery()); err != nil || len(hits) == 0 || hits[0].Chunk.DocumentID != "jet" {
		t.Errorf("%s: live Search = %v, %v; want the old index's jet first", when, ids(hits), err)
	}
}

// TestRebuildAbort: a rebuild writes beside the live index, which serves
// unchanged; a second rebuild meanwhile is refused; Abort drops the new
// index and leaves the live one as it was.
func TestRebuildAbort(t *testing.T) {
	f := newRebuildFixture(t)
	ctx := context.Background()
	rb, err := f.s.BeginRebuild(ctx)
	if err != nil {
		t.Fatalf("BeginRebuild() = %v", err)
	}
	writeNew(t, rb.Store(), 5)
	if _, err := f.s.BeginRebuild(ctx); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("a second BeginRebuild() while one runs = %v; want EINVALID", err)
	}
	f.liveIsOld(t, "during the rebuild")
	if err := rb.Abort(ctx); err != nil {
		t.Fatalf("Abort() = %v", err)
	}
	f.liveIsOld(t, "after Abort")
	var gone bool
	if err := f.conn.QueryRow(ctx, `SELECT to_regnamespace('coopbot_rebuild') IS NULL`).Scan(&gone); err != nil || !gone {
		t.Errorf("schema coopbot_rebuild after Abort: gone %v, %v; want it dropped", gone, err)
	}
	// An abandoned rebuild's leftovers (a killed ingest) do not stop the
	// next one, which starts afresh.
	rb, err = f.s.BeginRebuild(ctx)
	if err != nil {
		t.Fatalf("BeginRebuild() after Abort = %v", err)
	}
	defer rb.Abort(ctx) //nolint:errcheck // cleanup
	if st := stats(t, rb.Store()); st != (retrieval.Stats{}) {
		t.Errorf("a new rebuild's store = %+v; want empty", st)
	}
}

// TestRebuildCommit: Commit swaps the new index in — another embedder and
// dimension, its indexes, the live schema's tables — while readers see
// the old store or the new one whole, never an empty or half-built one.
func TestRebuildCommit(t *testing.T) {
	f := newRebuildFixture(t)
	ctx := context.Background()
	rb, err := f.s.BeginRebuild(ctx)
	if err != nil {
		t.Fatalf("BeginRebuild() = %v", err)
	}
	defer rb.Abort(ctx) //nolint:errcheck // a no-op after Commit
	writeNew(t, rb.Store(), 12)
	f.liveIsOld(t, "before Commit")
	want := retrieval.Stats{Documents: 12, Chunks: 12, Embedder: newEmb, Dimensions: newDims}
	stop := make(chan struct{})
	bad := make(chan string, 1)
	go func() {
		defer close(bad)
		for {
			select {
			case <-stop:
				return
			default:
			}
			st, err := f.s.Stats(ctx)
			if err != nil || (st != f.old && st != want) {
				bad <- fmt.Sprintf("%+v, %v", st, err)
				return
			}
		}
	}()
	if err := rb.Commit(ctx); err != nil {
		t.Fatalf("Commit() = %v", err)
	}
	close(stop)
	if b, ok := <-bad; ok {
		t.Errorf("a reader during the swap saw Stats %s; want the old or the new store whole", b)
	}
	if st := stats(t, f.s); st != want {
		t.Errorf("Stats after Commit = %+v; want %+v", st, want)
	}
	v := make([]float32, newDims)
	v[3] = 1
	hits, err := f.s.Search(ctx, retrieval.Query{Text: "frigates 3", Vector: v, Embedder: newEmb, Dimensions: newDims, K: 3})
	if err != nil || len(hits) == 0 || hits[0].Chunk.DocumentID != "new03" || hits[0].LexicalRank == 0 {
		t.Errorf("Search(new index) after Commit = %v, %v; want new03 first, found by both arms", ids(hits), err)
	} else if hits[0].Chunk.Page != 4 {
		t.Errorf("Search(new index) after Commit: new03 page = %d; want 4 (the rebuild's chunks keep their pages)", hits[0].Chunk.Page)
	}
	if _, err := f.s.Search(ctx, oldQuery()); retrieval.ErrorCode(err) != retrieval.EMISMATCH {
		t.Errorf("Search(old embedder) after Commit = %v; want EMISMATCH", err)
	}
	if hnsw, gin, err := postgres.NewBench(f.s).HasIndexes(ctx); err != nil || !hnsw || !gin {
		t.Errorf("HasIndexes() after Commit = %v, %v, %v; want the new index's HNSW and full-text indexes", hnsw, gin, err)
	}
	var tables int
	if err := f.conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('chunks', 'documents', 'store_meta')`).Scan(&tables); err != nil || tables != 3 {
		t.Errorf("public tables after Commit = %d, %v; want chunks, documents and store_meta", tables, err)
	}
	// The swapped-in store takes writes, and a new Open finds nothing to
	// migrate.
	writeNew(t, f.s, 13)
	if st := stats(t, open(t, f.url)); st.Documents != 13 {
		t.Errorf("Stats after reopening = %+v; want 13 documents", st)
	}
}
