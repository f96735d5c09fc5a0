package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
	"github.com/coopbot/coopbot/retrieval/storetest"
)

const (
	embName = "test-v1-4"
	embDims = 4
)

// doc builds a document from paragraphs, one chunk per paragraph, with
// the given hand-made vectors (one per paragraph).
func doc(id, title string, vecs [][]float32, paras ...string) (retrieval.Document, []retrieval.Chunk) {
	return storetest.Doc(id, title, vecs, paras...)
}

func put(t *testing.T, s *postgres.Store, d retrieval.Document, cs []retrieval.Chunk) {
	t.Helper()
	if err := s.PutDocument(context.Background(), d, cs, embName, embDims); err != nil {
		t.Fatalf("PutDocument(%q) = %v; want nil", d.ID, err)
	}
}

func stats(t *testing.T, s *postgres.Store) retrieval.Stats {
	t.Helper()
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats() = %v", err)
	}
	return st
}

func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, postgres.Options{Analyzer: snowball.New()})
	if err != nil {
		t.Fatalf("Open() = %v; want nil", err)
	}
	t.Cleanup(s.Close)
	return s
}

// corpus writes three small documents.
func corpus(t *testing.T, s *postgres.Store) {
	t.Helper()
	d, cs := doc("sub", "Submarine talks", [][]float32{{1, 0, 0, 0}, {0.9, 0.1, 0, 0}},
		"Britain and Japan discussed submarines. The talks were held in London.",
		"Officials said the submarine programme would take a decade.")
	put(t, s, d, cs)
	d, cs = doc("jet", "Fighter jet", [][]float32{{0, 1, 0, 0}},
		"The GCAP fighter jet is built by Britain, Japan and Italy.")
	put(t, s, d, cs)
	d, cs = doc("exr", "Exercise", [][]float32{{0, 0, 1, 0}},
		"Troops trained together in a joint exercise near Mount Fuji.")
	put(t, s, d, cs)
}

// The behaviour every Store shares (writes, replacement, deletion,
// mismatches, invalid input, search ranks and cosines) is checked by the
// contract suite, TestContract; the tests here check what is PostgreSQL's
// own: migrations, indexes, compression, Reset and racing first writes.

func TestMigrationsIdempotent(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres")
	ctx := context.Background()
	corpus(t, open(t, url))
	again := open(t, url)
	if st := stats(t, again); st.Documents != 3 || st.Chunks != 4 {
		t.Errorf("Stats after second Open = %+v; want 3 documents, 4 chunks", st)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations/*.sql = %v, %v", files, err)
	}
	// The newest version is the highest file number: migrations are
	// numbered per issue, so one may land before a lower-numbered one.
	latest := 0
	for _, f := range files {
		v, _, _ := strings.Cut(filepath.Base(f), "_")
		if n, err := strconv.Atoi(v); err == nil {
			latest = max(latest, n)
		}
	}
	var n, v int
	if err := connect(t, url).QueryRow(ctx, `SELECT count(*), max(version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n, &v); err != nil || n != len(files) || v != latest {
		t.Errorf("goose versions = %d rows, max %d, %v; want %d rows, version %d", n, v, err, len(files), latest)
	}
}

func TestIndexesAndDimension(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres")
	ctx := context.Background()
	corpus(t, open(t, url))
	conn := connect(t, url)
	for name, method := range map[string]string{"chunks_embedding_hnsw_0": "hnsw", "chunks_embedding_hnsw_1": "hnsw", "chunks_lex_gin": "gin"} {
		var def string
		if err := conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks' AND indexname = $1`, name).Scan(&def); err != nil {
			t.Errorf("index %s: %v; want it to exist", name, err)
		} else if !strings.Contains(def, "USING "+method) {
			t.Errorf("index %s = %q; want USING %s", name, def, method)
		} else if method == "hnsw" && !strings.Contains(def, "ef_construction='256'") {
			t.Errorf("index %s = %q; want ef_construction 256", name, def)
		}
	}
	var typ string
	if err := conn.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'`).Scan(&typ); err != nil || typ != "vector(4)" {
		t.Errorf("embedding column type = %q, %v; want vector(4)", typ, err)
	}
}

func TestLongTextsCompressed(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres")
	ctx := context.Background()
	s := open(t, url)
	conn := connect(t, url)
	long := strings.Repeat("The Global Combat Air Programme brings Britain, Japan and Italy together. ", 80)
	d, cs := doc("long", "A long report", [][]float32{{1, 0, 0, 0}}, long)
	put(t, s, d, cs)
	want := "lz4"
	if _, err := conn.Exec(ctx, `SELECT set_config('default_toast_compression', 'lz4', true)`); err != nil {
		want = "pglz" // a server built without lz4: migration 00004 keeps pglz
	}
	var method, text string
	if err := conn.QueryRow(ctx, `SELECT coalesce(pg_column_compression(text), 'none'), text FROM documents WHERE id = 'long'`).Scan(&method, &text); err != nil || method != want || text != long {
		t.Errorf("stored text of a %d-byte document: compression %q, %d bytes back, %v; want %s and the text unchanged", len(long), method, len(text), err, want)
	}
}

// TestReset: the mismatch message names both embedders and the fix, and
// after Reset the store takes any embedder and dimension.
func TestReset(t *testing.T) {
	s := open(t, pgtest.NewDB(t, "retrieval_postgres"))
	ctx := context.Background()
	corpus(t, s)
	d, cs := doc("new", "New", [][]float32{{1, 2, 3, 4, 5, 6, 7, 8}}, "Eight dimensions.")
	err := s.PutDocument(ctx, d, cs, "other-v2-8", 8)
	want := `store was built with "test-v1-4" (4 dims); query uses "other-v2-8" (8 dims): run coopbot ingest --reindex`
	if retrieval.ErrorCode(err) != retrieval.EMISMATCH || retrieval.ErrorDetail(err) != want {
		t.Errorf("PutDocument(other embedder) = %q, %q; want %q, %q", retrieval.ErrorCode(err), retrieval.ErrorDetail(err), retrieval.EMISMATCH, want)
	}
	if err := s.Reset(ctx); err != nil {
		t.Fatalf("Reset() = %v", err)
	}
	if st := stats(t, s); st != (retrieval.Stats{}) {
		t.Errorf("Stats after Reset = %+v; want zero", st)
	}
	if err := s.PutDocument(ctx, d, cs, "other-v2-8", 8); err != nil {
		t.Fatalf("PutDocument(8 dims) after Reset = %v", err)
	}
	hits, err := s.Search(ctx, retrieval.Query{Text: "dimensions", Vector: []float32{1, 2, 3, 4, 5, 6, 7, 8}, Embedder: "other-v2-8", Dimensions: 8, K: 3})
	if err != nil || len(hits) != 1 || hits[0].DenseRank != 1 || hits[0].LexicalRank != 1 {
		t.Errorf("Search(8 dims) after Reset = %v, %v; want new/0 from both arms", ids(hits), err)
	}
}

// TestRacingFirstWrites: writers racing on an empty store serialize on
// the embedder record; the one with another embedder loses unless it wins.
func TestRacingFirstWrites(t *testing.T) {
	s := open(t, pgtest.NewDB(t, "retrieval_postgres"))
	ctx := context.Background()
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			d, cs := doc(fmt.Sprintf("race%d", i), "Race", [][]float32{{1, float32(i), 0, 0}}, "Racing writers.")
			name := embName
			if i == 5 {
				name = "other-v1-4"
			}
			errs <- s.PutDocument(ctx, d, cs, name, embDims)
		}()
	}
	var ok, mism int
	for range 6 {
		switch err := <-errs; retrieval.ErrorCode(err) {
		case "":
			ok++
		case retrieval.EMISMATCH:
			mism++
		default:
			t.Errorf("racing PutDocument = %v; want nil or EMISMATCH", err)
		}
	}
	st := stats(t, s)
	if st.Documents != ok || st.Chunks != ok || (ok != 5 && ok != 1) || ok+mism != 6 {
		t.Errorf("racing writers: %d ok, %d mismatch, stats %+v; want 5 (or 1) ok, all stored", ok, mism, st)
	}
}

func ids(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, fmt.Sprintf("%s/%d", h.Chunk.DocumentID, h.Chunk.Ordinal))
	}
	return out
}
