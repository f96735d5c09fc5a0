package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
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

// TestLexicalBound checks that the bounded lexical arm still finds a rare
// word among many chunks matching the common ones.
func TestLexicalBound(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres_lexbound")
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{LexicalScan: 40})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(s.Close)
	bn := postgres.NewBench(s)
	r := rand.New(rand.NewPCG(9, 10))
	docs := bulkDocs(r, 0, 400) // 800 chunks with "britain", "japan", "navy"...
	rare := &docs[397].Chunks[1]
	rare.Text = "The navy trained near Kagoshima."
	docs[397].Document.Text = docs[397].Document.Text[:rare.Start] + rare.Text
	rare.End = rare.Start + len(rare.Text)
	if err := bn.BulkLoad(ctx, docs, embName, embDims); err != nil {
		t.Fatalf("BulkLoad() = %v", err)
	}
	if err := bn.BuildIndex(ctx, postgres.IndexOptions{}); err != nil {
		t.Fatalf("BuildIndex() = %v", err)
	}
	// 400 chunks match "navy" and "train"; the common-word branch reads
	// only the first 400 rows (documents 0-199), and not the Kagoshima
	// chunk, which only the rare-word branch finds.
	q := retrieval.Query{Text: "Did the navy train at Kagoshima?", K: 5, Candidates: 40}
	hits, err := s.Search(ctx, q)
	if err != nil || len(hits) == 0 || hits[0].Chunk.DocumentID != "bulk397" || hits[0].Chunk.Ordinal != 1 {
		t.Errorf("Search(%q) = %v, %v; want bulk397/1 (the only Kagoshima chunk) first", q.Text, ids(hits), err)
	}
	// A question made only of common words is answered from that sample:
	// 40 hits, all from the first 200 documents (load order), without
	// collecting the other 200 matches.
	q = retrieval.Query{Text: "Which navy trained near Tokyo?", K: 40, Candidates: 40}
	hits, err = s.Search(ctx, q)
	if err != nil || len(hits) != 40 {
		t.Fatalf("Search(%q) = %d hits, %v; want 40", q.Text, len(hits), err)
	}
	for _, h := range hits {
		if h.Chunk.DocumentID > "bulk199" {
			t.Errorf("Search(%q) hit %s/%d; want only chunks among the first 400 rows (bulk000-bulk199)", q.Text, h.Chunk.DocumentID, h.Chunk.Ordinal)
		}
	}
	// The common-word branch reads the table, not the GIN index, and
	// stops after 400 rows; a question without common words skips it.
	plan := lexicalPlan(t, url, q.Text, 40, true)
	if !strings.Contains(plan, "Filter: ts_match_vq(s.tsv, '''navi''") || strings.Contains(plan, "Index Cond: (tsv @@ '''navi''") {
		t.Errorf("plan of %q; want ts_match_vq on the table sample, not the GIN index:\n%s", q.Text, plan)
	}
	if n := seqScanRows(plan); n < 1 || n > 400 {
		t.Errorf("plan of %q reads %d rows of the sample; want 1-400:\n%s", q.Text, n, plan)
	}
	// Counted as common, "Kagoshima" (row 795) is not in the sample: the
	// branch reads its 400 rows and stops.
	if plan := lexicalPlan(t, url, "Kagoshima?", 40, true); seqScanRows(plan) != 400 {
		t.Errorf("plan of a common word beyond the sample reads %d rows; want 400:\n%s", seqScanRows(plan), plan)
	}
	if plan := lexicalPlan(t, url, "Kagoshima?", 40, false); !strings.Contains(plan, "One-Time Filter: false") {
		t.Errorf("plan of a question without common words; want the sample skipped (One-Time Filter: false):\n%s", plan)
	}
}

// seqScanRows returns the rows the lexical arm's sample read, from its
// "Seq Scan on chunks (actual rows=N" line.
func seqScanRows(plan string) int {
	_, rest, ok := strings.Cut(plan, "Seq Scan on chunks (actual rows=")
	if !ok {
		return -1
	}
	n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ' ')])
	return n
}

// lexicalPlan returns EXPLAIN ANALYZE of the lexical arm for question,
// with every word of the store counted as common, or none.
func lexicalPlan(t *testing.T, url, question string, scan int, allCommon bool) string {
	t.Helper()
	conn := connect(t, url)
	common := []string{}
	if allCommon {
		if err := conn.QueryRow(context.Background(), `SELECT array_agg(DISTINCT w) FROM chunks, unnest(tsvector_to_array(tsv)) w`).Scan(&common); err != nil {
			t.Fatalf("store words: %v", err)
		}
	}
	return explain(t, conn, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+strings.Replace(postgres.LexicalSQL, "COSINE", "0::float8", 1),
		question, scan, scan, common, postgres.SampleRows*scan)
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
