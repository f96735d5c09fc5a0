package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// TestRebuild: a rebuild writes beside the live index, which keeps
// serving unchanged until Commit swaps the new one in (another embedder
// and dimension included); an aborted or abandoned rebuild leaves the
// live index as it was; readers never see an empty or half-built store.
func TestRebuild(t *testing.T) {
	url := pgtest.NewDB(t, "rebuild")
	ctx := context.Background()
	s := open(t, url)
	corpus(t, s)
	old := stats(t, s)
	conn := connect(t, url)
	const newEmb, newDims = "other-v2-8", 8
	writeNew := func(t *testing.T, rs *postgres.Store, n int) {
		t.Helper()
		for i := range n {
			v := make([]float32, newDims)
			v[i%newDims] = 1
			d, cs := doc(fmt.Sprintf("new%02d", i), "New", [][]float32{v}, fmt.Sprintf("New report number %d about frigates.", i))
			if err := rs.PutDocument(ctx, d, cs, newEmb, newDims); err != nil {
				t.Fatalf("PutDocument(new%02d) into the rebuild = %v", i, err)
			}
		}
	}
	oldQuery := retrieval.Query{Text: "fighter jet", Vector: []float32{0, 1, 0, 0}, Embedder: embName, Dimensions: embDims, K: 3}
	liveIsOld := func(t *testing.T, when string) {
		t.Helper()
		if st := stats(t, s); st != old {
			t.Errorf("%s: live Stats = %+v; want the old %+v", when, st, old)
		}
		if hits, err := s.Search(ctx, oldQuery); err != nil || len(hits) == 0 || hits[0].Chunk.DocumentID != "jet" {
			t.Errorf("%s: live Search = %v, %v; want the old index's jet first", when, ids(hits), err)
		}
	}

	t.Run("abort", func(t *testing.T) {
		rb, err := s.BeginRebuild(ctx)
		if err != nil {
			t.Fatalf("BeginRebuild() = %v", err)
		}
		writeNew(t, rb.Store(), 5)
		if _, err := s.BeginRebuild(ctx); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Errorf("a second BeginRebuild() while one runs = %v; want EINVALID", err)
		}
		liveIsOld(t, "during the rebuild")
		if err := rb.Abort(ctx); err != nil {
			t.Fatalf("Abort() = %v", err)
		}
		liveIsOld(t, "after Abort")
		var gone bool
		if err := conn.QueryRow(ctx, `SELECT to_regnamespace('coopbot_rebuild') IS NULL`).Scan(&gone); err != nil || !gone {
			t.Errorf("schema coopbot_rebuild after Abort: gone %v, %v; want it dropped", gone, err)
		}
	})

	t.Run("commit", func(t *testing.T) {
		rb, err := s.BeginRebuild(ctx)
		if err != nil {
			t.Fatalf("BeginRebuild() = %v", err)
		}
		defer rb.Abort(ctx) //nolint:errcheck // a no-op after Commit
		writeNew(t, rb.Store(), 12)
		liveIsOld(t, "before Commit")
		// Readers during the swap see the old store or the new one whole.
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
				st, err := s.Stats(ctx)
				if err != nil || (st != old && st != want) {
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
		if st := stats(t, s); st != want {
			t.Errorf("Stats after Commit = %+v; want %+v", st, want)
		}
		v := make([]float32, newDims)
		v[3] = 1
		hits, err := s.Search(ctx, retrieval.Query{Text: "frigates 3", Vector: v, Embedder: newEmb, Dimensions: newDims, K: 3})
		if err != nil || len(hits) == 0 || hits[0].Chunk.DocumentID != "new03" || hits[0].LexicalRank == 0 {
			t.Errorf("Search(new index) after Commit = %v, %v; want new03 first, found by both arms", ids(hits), err)
		}
		if _, err := s.Search(ctx, oldQuery); retrieval.ErrorCode(err) != retrieval.EMISMATCH {
			t.Errorf("Search(old embedder) after Commit = %v; want EMISMATCH", err)
		}
		if hnsw, gin, err := postgres.NewBench(s).HasIndexes(ctx); err != nil || !hnsw || !gin {
			t.Errorf("HasIndexes() after Commit = %v, %v, %v; want the new index's HNSW and full-text indexes", hnsw, gin, err)
		}
		var tables int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('chunks', 'documents', 'store_meta')`).Scan(&tables); err != nil || tables != 3 {
			t.Errorf("public tables after Commit = %d, %v; want chunks, documents and store_meta", tables, err)
		}
		// The swapped-in store takes writes, and a new Open migrates
		// nothing twice.
		writeNew(t, s, 13)
		if st := stats(t, open(t, url)); st.Documents != 13 {
			t.Errorf("Stats after reopening = %+v; want 13 documents", st)
		}
	})
}
