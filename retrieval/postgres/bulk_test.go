package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/bench"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
	"github.com/coopbot/coopbot/retrieval/storetest"
)

// bulkDocs makes n documents of two chunks with random 4-dim vectors,
// each chunk on the page one past its ordinal.
func bulkDocs(r *rand.Rand, from, n int) []postgres.BulkDocument {
	var out []postgres.BulkDocument
	for i := from; i < from+n; i++ {
		paras := []string{fmt.Sprintf("Britain and Japan held talks number %d on submarines.", i), "The navy trained near Tokyo."}
		vecs := make([][]float32, len(paras))
		for j := range vecs {
			vecs[j] = []float32{r.Float32() + 0.01, r.Float32(), r.Float32(), r.Float32()}
		}
		d, cs := doc(fmt.Sprintf("bulk%03d", i), "Bulk", vecs, paras...)
		for j := range cs {
			cs[j].Page = j + 1
		}
		out = append(out, postgres.BulkDocument{Document: d, Chunks: cs})
	}
	return out
}

func TestBulkLoad(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres_bulk")
	ctx := context.Background()
	s := open(t, url)
	bn := postgres.NewBench(s)
	r := rand.New(rand.NewPCG(7, 8))

	if err := bn.BulkLoad(ctx, bulkDocs(r, 0, 50), embName, embDims); err != nil {
		t.Fatalf("BulkLoad() = %v", err)
	}
	if hnsw, gin, err := bn.HasIndexes(ctx); err != nil || hnsw || gin {
		t.Errorf("HasIndexes() after a first bulk load = %v, %v, %v; want no indexes until BuildIndex", hnsw, gin, err)
	}
	if err := bn.BulkLoad(ctx, bulkDocs(r, 50, 50), embName, embDims); err != nil {
		t.Fatalf("second BulkLoad() = %v", err)
	}
	if st := stats(t, s); st.Documents != 100 || st.Chunks != 200 || st.Embedder != embName || st.Dimensions != embDims {
		t.Errorf("Stats() = %+v; want 100 documents, 200 chunks by %s", st, embName)
	}

	// Searching before the indexes exist is slow but right.
	q := retrieval.Query{Text: "talks number 7", Vector: []float32{1, 0, 0, 0}, Embedder: embName, Dimensions: embDims, K: 5}
	before, err := s.Search(ctx, q)
	if err != nil || len(before) != 5 {
		t.Fatalf("Search() before BuildIndex = %d hits, %v; want 5", len(before), err)
	}
	for _, bad := range []string{"lots", "2 GB", "1e9", "GB"} {
		if err := bn.BuildIndex(ctx, postgres.IndexOptions{MaintenanceWorkMem: bad}); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Errorf("BuildIndex(maintenance_work_mem %q) = %v; want EINVALID", bad, err)
		}
	}
	if err := bn.BuildIndex(ctx, postgres.IndexOptions{MaintenanceWorkMem: "64MB", ParallelWorkers: -1}); err != nil {
		t.Fatalf("BuildIndex() = %v", err)
	}
	if hnsw, gin, err := bn.HasIndexes(ctx); err != nil || !hnsw || !gin {
		t.Errorf("HasIndexes() after BuildIndex = %v, %v, %v; want both", hnsw, gin, err)
	}
	// The bulk-loaded tables are vacuumed and analyzed, so autovacuum has
	// nothing to start on and the first searches set no hint bits.
	var vacuumed bool
	if err := queryRow(t, url, `SELECT bool_and(last_vacuum IS NOT NULL AND last_analyze IS NOT NULL)
		FROM pg_stat_user_tables WHERE relname IN ('chunks', 'documents')`, &vacuumed); err != nil || !vacuumed {
		t.Errorf("chunks and documents vacuumed and analyzed after BuildIndex = %v, %v; want true", vacuumed, err)
	}
	if err := bn.BuildIndex(ctx, postgres.IndexOptions{}); err != nil {
		t.Errorf("BuildIndex() again = %v; want a no-op", err)
	}
	after, err := s.Search(ctx, q)
	if err != nil || len(after) != 5 || after[0].Chunk.DocumentID != before[0].Chunk.DocumentID {
		t.Errorf("Search() after BuildIndex = %v, %v; want the same top hit as before (%s)", ids(after), err, before[0].Chunk.DocumentID)
	}
	for _, h := range after {
		if h.Chunk.Page != h.Chunk.Ordinal+1 {
			t.Errorf("Search() hit %s/%d page = %d; want %d as bulk loaded", h.Chunk.DocumentID, h.Chunk.Ordinal, h.Chunk.Page, h.Chunk.Ordinal+1)
		}
	}

	// Exact and approximate neighbours agree on a small store.
	exact, err := bn.Nearest(ctx, q.Vector, 10, postgres.NearestOptions{Exact: true})
	if err != nil || len(exact) != 10 {
		t.Fatalf("Nearest(exact) = %d, %v; want 10", len(exact), err)
	}
	for i := 1; i < len(exact); i++ {
		if exact[i].Distance < exact[i-1].Distance {
			t.Errorf("Nearest(exact)[%d] distance %v < [%d] %v; want closest first", i, exact[i].Distance, i-1, exact[i-1].Distance)
		}
	}
	approx, err := bn.Nearest(ctx, q.Vector, 10, postgres.NearestOptions{EfSearch: 200})
	if err != nil || len(approx) != 10 || approx[0] != exact[0] {
		t.Errorf("Nearest(ef 200) = %v, %v; want exact's first %v", approx, err, exact[0])
	}
	for _, tc := range []struct {
		k    int
		opts postgres.NearestOptions
		vec  []float32
		want string
	}{
		{0, postgres.NearestOptions{}, q.Vector, retrieval.EINVALID},
		{10, postgres.NearestOptions{EfSearch: 5000}, q.Vector, retrieval.EINVALID},
		{10, postgres.NearestOptions{}, []float32{1, 0}, retrieval.EMISMATCH},
	} {
		if _, err := bn.Nearest(ctx, tc.vec, tc.k, tc.opts); retrieval.ErrorCode(err) != tc.want {
			t.Errorf("Nearest(k %d, %+v, %d dims) = %v; want %s", tc.k, tc.opts, len(tc.vec), err, tc.want)
		}
	}

	// Bulk loading only adds: a stored document is refused and nothing
	// of the batch is written.
	dup := append(bulkDocs(r, 200, 2), bulkDocs(r, 3, 1)...)
	if err := bn.BulkLoad(ctx, dup, embName, embDims); retrieval.ErrorCode(err) != retrieval.EINVALID || !strings.Contains(err.Error(), "already stored") {
		t.Errorf("BulkLoad(with a stored document) = %v; want EINVALID naming it", err)
	}
	if st := stats(t, s); st.Documents != 100 {
		t.Errorf("Stats() after a refused bulk load = %d documents; want 100", st.Documents)
	}
	if err := bn.BulkLoad(ctx, bulkDocs(r, 300, 1), "other-v1-4", embDims); retrieval.ErrorCode(err) != retrieval.EMISMATCH {
		t.Errorf("BulkLoad(another embedder) = %v; want EMISMATCH", err)
	}
	bad := bulkDocs(r, 400, 1)
	bad[0].Chunks[1].Vector = []float32{1}
	if err := bn.BulkLoad(ctx, bad, embName, embDims); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("BulkLoad(a short vector) = %v; want EINVALID", err)
	}
	// After BuildIndex, a bulk load into the indexed store keeps the
	// indexes.
	if err := bn.BulkLoad(ctx, bulkDocs(r, 500, 5), embName, embDims); err != nil {
		t.Fatalf("BulkLoad(into an indexed store) = %v", err)
	}
	if hnsw, gin, err := bn.HasIndexes(ctx); err != nil || !hnsw || !gin {
		t.Errorf("HasIndexes() after a later bulk load = %v, %v, %v; want both kept", hnsw, gin, err)
	}
}

// lexicalStore bulk-loads storetest.LexicalCorpus(11, 1500) into a new
// database named name, in batches of 500 documents, and builds its
// indexes: a corpus where the walk's pruning matters, since most chunks
// hold the common words.
func lexicalStore(t *testing.T, name string) (string, *postgres.Store, []retrieval.Document, [][]retrieval.Chunk, []string) {
	t.Helper()
	url := pgtest.NewDB(t, name)
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Analyzer: snowball.New()})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(s.Close)
	bn := postgres.NewBench(s)
	docs, chunks, questions := storetest.LexicalCorpus(11, 1500)
	bulk := make([]postgres.BulkDocument, len(docs))
	for i := range docs {
		bulk[i] = postgres.BulkDocument{Document: docs[i], Chunks: chunks[i]}
	}
	for lo := 0; lo < len(bulk); lo += 500 {
		if err := bn.BulkLoad(ctx, bulk[lo:min(lo+500, len(bulk))], storetest.Embedder, storetest.Dims); err != nil {
			t.Fatalf("BulkLoad() = %v", err)
		}
	}
	if err := bn.BuildIndex(ctx, postgres.IndexOptions{}); err != nil {
		t.Fatalf("BuildIndex() = %v", err)
	}
	return url, s, docs, chunks, questions
}

// TestLexicalExact checks that the lexical arm of a bulk-loaded store
// (statistics counted by BuildIndex) and of the same store after
// PutDocument and DeleteDocument (statistics kept by the triggers) ranks
// exactly as exhaustive BM25 (storetest.BM25Top), on a corpus where the
// walk's pruning matters: most chunks hold the common words.
func TestLexicalExact(t *testing.T) {
	ctx := context.Background()
	a := snowball.New()
	_, s, docs, chunks, questions := lexicalStore(t, "retrieval_postgres_lexexact")
	bn := postgres.NewBench(s)
	check := func(stage string) {
		t.Helper()
		var flat []retrieval.Chunk
		for _, cs := range chunks {
			flat = append(flat, cs...)
		}
		for _, q := range questions {
			want := storetest.BM25Top(a, flat, q, 40)
			hits, err := s.Search(ctx, retrieval.Query{Text: q, K: 40, Candidates: 40})
			if err != nil {
				t.Fatalf("%s: Search(%q) = %v", stage, q, err)
			}
			got := make([]storetest.Ranked, len(hits))
			for i, h := range hits {
				got[i] = storetest.Ranked{DocumentID: h.Chunk.DocumentID, Ordinal: h.Chunk.Ordinal}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: Search(%q) = %v; want %v", stage, q, got, want)
			}
		}
	}
	check("bulk load")
	// Replace one document, delete another: the triggers keep the counts.
	d, cs, _ := storetest.LexicalCorpus(12, 1)
	d[0].ID, cs[0][0].DocumentID, cs[0][1].DocumentID, cs[0][2].DocumentID = docs[3].ID, docs[3].ID, docs[3].ID, docs[3].ID
	if err := s.PutDocument(ctx, d[0], cs[0], storetest.Embedder, storetest.Dims); err != nil {
		t.Fatalf("PutDocument() = %v", err)
	}
	chunks[3] = cs[0]
	if err := s.DeleteDocument(ctx, docs[5].ID); err != nil {
		t.Fatalf("DeleteDocument() = %v", err)
	}
	chunks[5] = nil
	check("after PutDocument and DeleteDocument")
	// Chunks three times as long move the average length away from the
	// one the blocks were cut with: the bounds must stay bounds.
	long, lcs, _ := storetest.LexicalCorpus(13, 300)
	for i := range long {
		long[i].ID = "long-" + long[i].ID
		text := lcs[i][0].Text + " " + lcs[i][1].Text + " " + lcs[i][2].Text
		ld, lc := storetest.Doc(long[i].ID, long[i].Title, [][]float32{{1, 0, 0, 0}}, text)
		if err := s.PutDocument(ctx, ld, lc, storetest.Embedder, storetest.Dims); err != nil {
			t.Fatalf("PutDocument(%s) = %v", ld.ID, err)
		}
		chunks = append(chunks, lc)
	}
	check("after ingest that lengthens the average")
	if err := bn.BuildIndex(ctx, postgres.IndexOptions{}); err != nil {
		t.Fatalf("BuildIndex() = %v", err)
	}
	check("after BuildIndex recut the blocks")
}

// TestLexicalBudget checks the approximate walk (Options.LexicalBudget):
// over budget, every chunk it returns has its exact BM25 score, in order,
// and it still finds most of the exact top 10; a budget it never reaches
// changes nothing.
func TestLexicalBudget(t *testing.T) {
	ctx := context.Background()
	a := snowball.New()
	url, s, _, _, questions := lexicalStore(t, "retrieval_postgres_lexbudget")
	bn := postgres.NewBench(s)
	key := func(n postgres.Neighbor) string { return n.DocumentID + "#" + strconv.Itoa(n.Ordinal) }
	for _, c := range []struct {
		budget    int
		minRecall float64
	}{{1, 0.9}, {1 << 30, 1}} {
		b, err := postgres.Open(ctx, url, postgres.Options{Analyzer: a, LexicalBudget: c.budget})
		if err != nil {
			t.Fatalf("Open(LexicalBudget %d) = %v", c.budget, err)
		}
		var recall float64
		for _, q := range questions {
			exact, err := bn.Lexical(ctx, q, postgres.MaxEfSearch, true)
			if err != nil {
				t.Fatalf("exact Lexical(%q) = %v", q, err)
			}
			score := map[string]float64{}
			for _, n := range exact {
				score[key(n)] = n.Distance
			}
			got, err := postgres.NewBench(b).Lexical(ctx, q, 40, false)
			if err != nil {
				t.Fatalf("budget %d: Lexical(%q) = %v", c.budget, q, err)
			}
			for i, n := range got {
				if want, ok := score[key(n)]; !ok || n.Distance != want {
					t.Errorf("budget %d: Lexical(%q)[%d] = %s scored %v; want its exact score %v", c.budget, q, i, key(n), -n.Distance, -want)
				}
				if i > 0 && n.Distance < got[i-1].Distance {
					t.Errorf("budget %d: Lexical(%q) out of order at %d", c.budget, q, i)
				}
			}
			recall += bench.Recall(got[:min(10, len(got))], exact[:min(10, len(exact))])
		}
		if recall /= float64(len(questions)); recall < c.minRecall {
			t.Errorf("budget %d: recall@10 %.3f against exhaustive BM25; want at least %.2f", c.budget, recall, c.minRecall)
		}
		b.Close()
	}
}

// explain runs an EXPLAIN statement and returns the plan as text.
func explain(t *testing.T, conn *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	return strings.Join(lines, "\n")
}

// connect opens a connection of the test's own to url, closed when the
// test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// queryRow runs one query on its own connection to url and scans its row.
func queryRow(t *testing.T, url, sql string, dest ...any) error {
	t.Helper()
	return connect(t, url).QueryRow(context.Background(), sql).Scan(dest...)
}
