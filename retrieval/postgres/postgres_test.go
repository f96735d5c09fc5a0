package postgres_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

const (
	embName = "test-v1-4"
	embDims = 4
)

// doc builds a document from paragraphs, one chunk per paragraph, with
// the given hand-made vectors (one per paragraph).
func doc(id, title string, vecs [][]float32, paras ...string) (retrieval.Document, []retrieval.Chunk) {
	d := retrieval.Document{ID: id, Title: title, Date: "2024-05-01", Outlet: "Test Times", Author: "A. Writer",
		Source: id + ".txt", Text: strings.Join(paras, "\n\n"), Hash: "h-" + id + "-" + title}
	var chunks []retrieval.Chunk
	off := 0
	for i, p := range paras {
		c := retrieval.Chunk{DocumentID: id, Ordinal: i, ParaStart: i + 1, ParaEnd: i + 1,
			Start: off, End: off + len(p), Text: p, Vector: vecs[i]}
		// Sentences: split at ". ".
		s := 0
		for j := 0; j+1 < len(p); j++ {
			if p[j] == '.' && p[j+1] == ' ' {
				c.Sentences = append(c.Sentences, retrieval.Span{Start: s, End: j + 1})
				s = j + 2
			}
		}
		c.Sentences = append(c.Sentences, retrieval.Span{Start: s, End: len(p)})
		chunks = append(chunks, c)
		off += len(p) + 2
	}
	return d, chunks
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

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, postgres.Options{})
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

func TestStore(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_postgres")
	ctx := context.Background()
	s := open(t, url) // migrates once; subtests Reset (which also truncates)
	conn := connect(t, url)

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"migrations are idempotent", func(t *testing.T) {
			corpus(t, s)
			again := open(t, url)
			if st := stats(t, again); st.Documents != 3 || st.Chunks != 4 {
				t.Errorf("Stats after second Open = %+v; want 3 documents, 4 chunks", st)
			}
			files, err := filepath.Glob("migrations/*.sql")
			if err != nil || len(files) == 0 {
				t.Fatalf("migrations/*.sql = %v, %v", files, err)
			}
			var n, v int
			if err := conn.QueryRow(ctx, `SELECT count(*), max(version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n, &v); err != nil || n != len(files) || v != len(files) {
				t.Errorf("goose versions = %d rows, max %d, %v; want %d rows, version %d", n, v, err, len(files), len(files))
			}
		}},
		{"indexes and vector dimension", func(t *testing.T) {
			corpus(t, s)
			for name, method := range map[string]string{"chunks_embedding_hnsw_0": "hnsw", "chunks_embedding_hnsw_1": "hnsw", "chunks_tsv_gin": "gin"} {
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
		}},
		{"long document texts are lz4-compressed", func(t *testing.T) {
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
		}},
		{"put and search", func(t *testing.T) {
			corpus(t, s)
			hits, err := s.Search(ctx, retrieval.Query{Text: "fighter jet", Vector: []float32{0, 1, 0.05, 0}, Embedder: embName, Dimensions: embDims, K: 3, Candidates: 10})
			if err != nil {
				t.Fatalf("Search() = %v", err)
			}
			if len(hits) != 3 {
				t.Fatalf("Search() = %d hits; want 3", len(hits))
			}
			h := hits[0]
			if h.Chunk.DocumentID != "jet" || h.DenseRank != 1 || h.LexicalRank != 1 {
				t.Fatalf("top hit = %s/%d dense %d lexical %d; want jet/0 ranked 1 by both arms", h.Chunk.DocumentID, h.Chunk.Ordinal, h.DenseRank, h.LexicalRank)
			}
			if want := 2.0 / float64(retrieval.RRFK+1); math.Abs(h.Score-want) > 1e-12 {
				t.Errorf("top hit score = %v; want %v", h.Score, want)
			}
			if want := 1 / math.Sqrt(1+0.05*0.05); math.Abs(h.Cosine-want) > 1e-5 {
				t.Errorf("top hit cosine = %v; want %v", h.Cosine, want)
			}
			want := retrieval.Document{ID: "jet", Title: "Fighter jet", Date: "2024-05-01", Outlet: "Test Times", Author: "A. Writer", Source: "jet.txt", Hash: "h-jet-Fighter jet"}
			if h.Document != want {
				t.Errorf("top hit document = %+v; want %+v (metadata, no text)", h.Document, want)
			}
			_, cs := doc("jet", "Fighter jet", [][]float32{{0, 1, 0, 0}}, "The GCAP fighter jet is built by Britain, Japan and Italy.")
			c := h.Chunk
			if c.Text != cs[0].Text || c.Start != cs[0].Start || c.End != cs[0].End || c.ParaStart != 1 || c.ParaEnd != 1 || len(c.Sentences) != 1 || c.Sentences[0] != cs[0].Sentences[0] {
				t.Errorf("top hit chunk = %+v; want %+v", c, cs[0])
			}
			// Sentences of a two-sentence chunk survive the round trip.
			hits, err = s.Search(ctx, retrieval.Query{Vector: []float32{1, 0, 0, 0}, Embedder: embName, Dimensions: embDims, K: 1})
			if err != nil || len(hits) != 1 {
				t.Fatalf("Search(dense only) = %d hits, %v; want 1", len(hits), err)
			}
			if got := hits[0].Chunk.Sentences; len(got) != 2 || got[1].Start != 40 {
				t.Errorf("sub/0 sentences = %v; want two spans, the second starting at 40", got)
			}
			if hits[0].LexicalRank != 0 || hits[0].DenseRank != 1 || math.Abs(hits[0].Cosine-1) > 1e-6 {
				t.Errorf("dense-only hit = dense %d lexical %d cosine %v; want 1, 0, 1", hits[0].DenseRank, hits[0].LexicalRank, hits[0].Cosine)
			}
		}},
		{"search results equal Fuse of both arms", func(t *testing.T) {
			corpus(t, s)
			q := retrieval.Query{Text: "Britain Japan submarine", Vector: []float32{0, 0.2, 1, 0}, Embedder: embName, Dimensions: embDims, K: 10, Candidates: 10}
			both, err := s.Search(ctx, q)
			if err != nil {
				t.Fatalf("Search() = %v", err)
			}
			dq, lq := q, q
			dq.Text, lq.Vector = "", nil
			dense, err1 := s.Search(ctx, dq)
			lexical, err2 := s.Search(ctx, lq)
			if err1 != nil || err2 != nil {
				t.Fatalf("Search(one arm) = %v, %v", err1, err2)
			}
			// Single-arm results come back fused (score 1/(60+rank)), i.e. in arm order.
			fused := retrieval.Fuse(dense, lexical, q.K)
			if len(fused) != len(both) {
				t.Fatalf("Search() = %d hits; Fuse(arms) = %d", len(both), len(fused))
			}
			for i := range both {
				b, f := both[i], fused[i]
				if b.Chunk.DocumentID != f.Chunk.DocumentID || b.Chunk.Ordinal != f.Chunk.Ordinal || b.DenseRank != f.DenseRank || b.LexicalRank != f.LexicalRank || math.Abs(b.Score-f.Score) > 1e-12 {
					t.Errorf("hit %d = %s/%d (%d,%d,%v); Fuse gives %s/%d (%d,%d,%v)", i, b.Chunk.DocumentID, b.Chunk.Ordinal, b.DenseRank, b.LexicalRank, b.Score,
						f.Chunk.DocumentID, f.Chunk.Ordinal, f.DenseRank, f.LexicalRank, f.Score)
				}
			}
			// jet is second in both arms, which beats first in one.
			if h := both[0]; h.Chunk.DocumentID != "jet" || h.DenseRank != 2 || h.LexicalRank == 0 {
				t.Errorf("top hit = %s (dense %d, lexical %d); want jet, found by both arms", h.Chunk.DocumentID, h.DenseRank, h.LexicalRank)
			}
		}},
		{"lexical arm has OR semantics", func(t *testing.T) {
			corpus(t, s)
			q := retrieval.Query{Text: "What did the admirals say about submarine procurement in Tokyo?", K: 5}
			hits, err := s.Search(ctx, q)
			if err != nil {
				t.Fatalf("Search(%q) = %v", q.Text, err)
			}
			if len(hits) != 2 || hits[0].Chunk.DocumentID != "sub" || hits[1].Chunk.DocumentID != "sub" {
				t.Fatalf("Search(%q) = %v; want the two submarine chunks", q.Text, ids(hits))
			}
			// More matched words rank higher.
			q.Text = "Which fighter jet do Britain, Japan and Italy build?"
			hits, err = s.Search(ctx, q)
			if err != nil || len(hits) == 0 || hits[0].Chunk.DocumentID != "jet" || hits[0].LexicalRank != 1 {
				t.Fatalf("Search(%q) = %v, %v; want jet first", q.Text, ids(hits), err)
			}
			if len(hits) != 2 {
				t.Errorf("Search(%q) = %v; want jet and sub/0 (britain, japan)", q.Text, ids(hits))
			}
			for _, text := range []string{"what is the", "?!", "   "} {
				hits, err := s.Search(ctx, retrieval.Query{Text: text, K: 5})
				if err != nil || len(hits) != 0 {
					t.Errorf("Search(%q) = %v, %v; want no hits, no error", text, ids(hits), err)
				}
			}
		}},
		{"idempotent put", func(t *testing.T) {
			corpus(t, s)
			before := stats(t, s)
			corpus(t, s)
			if after := stats(t, s); after != before {
				t.Errorf("Stats after re-putting = %+v; want %+v", after, before)
			}
			want := retrieval.Stats{Documents: 3, Chunks: 4, Embedder: embName, Dimensions: embDims}
			if before != want {
				t.Errorf("Stats = %+v; want %+v", before, want)
			}
			got, err := s.DocumentIDs(ctx)
			if err != nil || strings.Join(got, ",") != "exr,jet,sub" {
				t.Errorf("DocumentIDs() = %v, %v; want [exr jet sub]", got, err)
			}
			if h, err := s.DocumentHash(ctx, "jet"); err != nil || h != "h-jet-Fighter jet" {
				t.Errorf("DocumentHash(jet) = %q, %v; want h-jet-Fighter jet", h, err)
			}
		}},
		{"changed document replaces chunks atomically", func(t *testing.T) {
			corpus(t, s)
			v2, v2c := doc("sub", "Submarines v2", [][]float32{{1, 0, 0, 0}}, "Only one paragraph about a frigate remains.")
			put(t, s, v2, v2c)
			if st := stats(t, s); st.Documents != 3 || st.Chunks != 3 {
				t.Errorf("Stats after replacing sub = %+v; want 3 documents, 3 chunks", st)
			}
			if hits, _ := s.Search(ctx, retrieval.Query{Text: "submarine", K: 5}); len(hits) != 0 {
				t.Errorf("Search(submarine) after replace = %v; want nothing of the old version", ids(hits))
			}
			// A write that fails inside the transaction (duplicate ordinal)
			// leaves the previous version whole.
			bad, badc := doc("sub", "Broken", [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}}, "First new paragraph.", "Second new paragraph.")
			badc[1].Ordinal = 0
			err := s.PutDocument(ctx, bad, badc, embName, embDims)
			if code := retrieval.ErrorCode(err); code != retrieval.EINVALID {
				t.Fatalf("PutDocument(duplicate ordinals) code = %q (%v); want %q", code, err, retrieval.EINVALID)
			}
			if h, _ := s.DocumentHash(ctx, "sub"); h != v2.Hash {
				t.Errorf("hash after failed put = %q; want %q", h, v2.Hash)
			}
			if st := stats(t, s); st.Chunks != 3 {
				t.Errorf("chunks after failed put = %d; want 3", st.Chunks)
			}
			// Concurrent readers see the old or the new chunk set, never a mix.
			v1, v1c := doc("sub", "v1", [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}, "A.", "B.", "C.")
			done := make(chan error, 1)
			go func() {
				for i := range 30 {
					d, cs := v1, v1c
					if i%2 == 1 {
						d, cs = v2, v2c
					}
					if err := s.PutDocument(ctx, d, cs, embName, embDims); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for reading := true; reading; {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("concurrent PutDocument = %v", err)
					}
					reading = false
				default:
				}
				var n int
				if err := conn.QueryRow(ctx, `SELECT count(*) FROM chunks WHERE document_id = 'sub'`).Scan(&n); err != nil {
					t.Fatalf("count chunks: %v", err)
				}
				if n != 1 && n != 3 {
					t.Fatalf("reader saw %d chunks of sub; want 1 or 3", n)
				}
			}
		}},
		{"delete", func(t *testing.T) {
			corpus(t, s)
			if err := s.DeleteDocument(ctx, "sub"); err != nil {
				t.Fatalf("DeleteDocument(sub) = %v", err)
			}
			if st := stats(t, s); st.Documents != 2 || st.Chunks != 2 {
				t.Errorf("Stats after delete = %+v; want 2 documents, 2 chunks", st)
			}
			if err := s.DeleteDocument(ctx, "sub"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
				t.Errorf("DeleteDocument(sub) again = %v; want ENOTFOUND", err)
			}
			if _, err := s.DocumentHash(ctx, "sub"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
				t.Errorf("DocumentHash(sub) = %v; want ENOTFOUND", err)
			}
		}},
		{"embedder mismatch", func(t *testing.T) {
			corpus(t, s)
			d, cs := doc("new", "New", [][]float32{{1, 2, 3, 4, 5, 6, 7, 8}}, "Eight dimensions.")
			err := s.PutDocument(ctx, d, cs, "other-v2-8", 8)
			if retrieval.ErrorCode(err) != retrieval.EMISMATCH {
				t.Fatalf("PutDocument(other embedder) = %v; want EMISMATCH", err)
			}
			want := `store was built with "test-v1-4" (4 dims); query uses "other-v2-8" (8 dims): run coopbot ingest --reindex`
			if msg := retrieval.ErrorDetail(err); msg != want {
				t.Errorf("mismatch message = %q; want %q", msg, want)
			}
			if _, err := s.DocumentHash(ctx, "new"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
				t.Errorf("DocumentHash(new) after refused put = %v; want ENOTFOUND", err)
			}
			// Same dimensions, other name: still a mismatch.
			_, err = s.Search(ctx, retrieval.Query{Text: "jet", Vector: []float32{1, 0, 0, 0}, Embedder: "other-v1-4", Dimensions: 4, K: 3})
			if retrieval.ErrorCode(err) != retrieval.EMISMATCH || !strings.Contains(err.Error(), `"other-v1-4"`) {
				t.Errorf("Search(other embedder) = %v; want EMISMATCH naming it", err)
			}
			_, err = s.Search(ctx, retrieval.Query{Vector: make([]float32, 8), Embedder: embName, Dimensions: 8, K: 3})
			if retrieval.ErrorCode(err) != retrieval.EMISMATCH {
				t.Errorf("Search(8 dims) = %v; want EMISMATCH", err)
			}
			// After Reset the store takes any embedder.
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
		}},
		{"racing first writes into an empty store", func(t *testing.T) {
			errs := make(chan error, 6)
			for i := range 6 {
				go func() {
					d, cs := doc(fmt.Sprintf("race%d", i), "Race", [][]float32{{1, float32(i), 0, 0}}, "Racing writers.")
					name, dims := embName, embDims
					if i == 5 {
						name = "other-v1-4" // loses unless it wins the race
					}
					errs <- s.PutDocument(ctx, d, cs, name, dims)
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
		}},
		{"invalid input stores nothing", func(t *testing.T) {
			d, cs := doc("bad", "Bad", [][]float32{{1, 0, 0}}, "Three dims only.")
			if err := s.PutDocument(ctx, d, cs, embName, embDims); retrieval.ErrorCode(err) != retrieval.EINVALID {
				t.Errorf("PutDocument(3-dim vector) = %v; want EINVALID", err)
			}
			d, cs = doc("bad", "Bad", [][]float32{{1, 0, 0, float32(math.NaN())}}, "NaN.")
			if err := s.PutDocument(ctx, d, cs, embName, embDims); retrieval.ErrorCode(err) != retrieval.EINVALID {
				t.Errorf("PutDocument(NaN) = %v; want EINVALID", err)
			}
			d, cs = doc("", "Bad", [][]float32{{1, 0, 0, 0}}, "No ID.")
			if err := s.PutDocument(ctx, d, cs, embName, embDims); retrieval.ErrorCode(err) != retrieval.EINVALID {
				t.Errorf("PutDocument(no ID) = %v; want EINVALID", err)
			}
			if st := stats(t, s); st != (retrieval.Stats{}) {
				t.Errorf("Stats after invalid puts = %+v; want zero (embedder not claimed)", st)
			}
			if hits, err := s.Search(ctx, retrieval.Query{Text: "anything", Vector: []float32{1, 0, 0, 0}, Embedder: embName, Dimensions: embDims, K: 3}); err != nil || len(hits) != 0 {
				t.Errorf("Search(empty store) = %v, %v; want no hits, no error", ids(hits), err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Reset(ctx); err != nil {
				t.Fatalf("Reset() = %v", err)
			}
			tc.run(t)
		})
	}
}

func ids(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Chunk.DocumentID+"/"+string(rune('0'+h.Chunk.Ordinal)))
	}
	return out
}
