// Package storetest is the retrieval.Store contract suite: one set of
// tests that every Store implementation runs (retrieval/memory in its own
// tests, retrieval/postgres against a real PostgreSQL), so that the stores
// behave alike wherever the contract in retrieval.Store speaks. It is
// modelled on upspin's testenv: the suite knows nothing of the store
// behind the interface.
package storetest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/retrieval"
)

// Embedder name and dimensions the suite writes with.
const (
	Embedder = "storetest-v1-4"
	Dims     = 4
)

// Run runs the contract suite. open must return an empty store (no
// documents, no embedder recorded) for each subtest; it may reuse one
// store emptied between calls, since the subtests run one at a time.
func Run(t *testing.T, open func(t *testing.T) retrieval.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s retrieval.Store)
	}{
		{"EmptyStore", testEmptyStore},
		{"PutAndRead", testPutAndRead},
		{"DocumentIDsInByteOrder", testDocumentIDs},
		{"DocumentWithoutChunks", testNoChunks},
		{"Replace", testReplace},
		{"FailedReplaceKeepsOldVersion", testFailedReplace},
		{"ReplaceIsAtomicForReaders", testAtomicReplace},
		{"Invalid", testInvalid},
		{"Mismatch", testMismatch},
		{"Delete", testDelete},
		{"SearchK", testSearchK},
		{"SearchHits", testSearchHits},
		{"SearchPages", testPages},
		{"SearchRanksAndCosine", testRanksAndCosine},
		{"SearchWithoutVector", testNoVector},
		{"SearchWithoutText", testNoText},
		{"SearchZeroVector", testZeroVector},
		{"CanceledContext", testCanceled},
		{"Catalog", testCatalog},
		{"Freshness", testFreshness},
		{"LexicalRankingIsExactBM25", testLexicalRanking},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Doc builds a document from paragraphs, one chunk per paragraph with the
// given vector, sentences split at ". ", with offsets into the text.
func Doc(id, title string, vecs [][]float32, paras ...string) (retrieval.Document, []retrieval.Chunk) {
	d := retrieval.Document{ID: id, Title: title, Date: "2024-05-01", Outlet: "Test Times", Author: "A. Writer",
		Source: id + ".txt", Text: strings.Join(paras, "\n\n"), Hash: "h-" + id + "-" + title}
	var chunks []retrieval.Chunk
	off := 0
	for i, p := range paras {
		c := retrieval.Chunk{DocumentID: id, Ordinal: i, ParaStart: i + 1, ParaEnd: i + 1,
			Start: off, End: off + len(p), Text: p, Vector: vecs[i]}
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

// fixture is a document of the suite's corpus.
type fixture struct {
	doc    retrieval.Document
	chunks []retrieval.Chunk
}

// corpus is three small documents, four chunks, with hand-made vectors.
func corpus() []fixture {
	var out []fixture
	add := func(d retrieval.Document, cs []retrieval.Chunk) { out = append(out, fixture{d, cs}) }
	add(Doc("sub", "Submarine talks", [][]float32{{1, 0, 0, 0}, {0.9, 0.1, 0, 0}},
		"Britain and Japan discussed submarines. The talks were held in London.",
		"Officials said the submarine programme would take a decade."))
	add(Doc("jet", "Fighter jet", [][]float32{{0, 1, 0, 0}},
		"The GCAP fighter jet is built by Britain, Japan and Italy."))
	add(Doc("exr", "Exercise", [][]float32{{0, 0, 1, 0}},
		"Troops trained together in a joint exercise near Mount Fuji."))
	return out
}

// vectors maps "doc/ordinal" to the corpus's vectors, for exact cosines.
func vectors() map[string][]float32 {
	m := map[string][]float32{}
	for _, f := range corpus() {
		for _, c := range f.chunks {
			m[key(c.DocumentID, c.Ordinal)] = c.Vector
		}
	}
	return m
}

func key(id string, ord int) string { return fmt.Sprintf("%s/%d", id, ord) }

func put(t *testing.T, s retrieval.Store, d retrieval.Document, cs []retrieval.Chunk) {
	t.Helper()
	if err := s.PutDocument(context.Background(), d, cs, Embedder, Dims); err != nil {
		t.Fatalf("PutDocument(%q) = %v; want nil", d.ID, err)
	}
}

func putCorpus(t *testing.T, s retrieval.Store) {
	t.Helper()
	for _, f := range corpus() {
		put(t, s, f.doc, f.chunks)
	}
}

func stats(t *testing.T, s retrieval.Store) retrieval.Stats {
	t.Helper()
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats() = %v", err)
	}
	return st
}

func search(t *testing.T, s retrieval.Store, q retrieval.Query) []retrieval.Hit {
	t.Helper()
	hits, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v) = %v", q, err)
	}
	return hits
}

// query is a query by the suite's embedder.
func query(text string, vec []float32, k int) retrieval.Query {
	q := retrieval.Query{Text: text, Vector: vec, K: k, Candidates: 10}
	if vec != nil {
		q.Embedder, q.Dimensions = Embedder, len(vec)
	}
	return q
}

func ids(hits []retrieval.Hit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, key(h.Chunk.DocumentID, h.Chunk.Ordinal))
	}
	return out
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

func code(err error) string { return retrieval.ErrorCode(err) }

func testEmptyStore(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	if st := stats(t, s); st != (retrieval.Stats{}) {
		t.Errorf("Stats() = %+v; want zero", st)
	}
	if got, err := s.DocumentIDs(ctx); err != nil || len(got) != 0 {
		t.Errorf("DocumentIDs() = %v, %v; want none", got, err)
	}
	if h, err := s.DocumentHash(ctx, "sub"); code(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(sub) = %q, %v; want ENOTFOUND", h, err)
	}
	if err := s.DeleteDocument(ctx, "sub"); code(err) != retrieval.ENOTFOUND {
		t.Errorf("DeleteDocument(sub) = %v; want ENOTFOUND", err)
	}
	for _, q := range []retrieval.Query{
		query("submarine", []float32{1, 0, 0, 0}, 3),
		query("submarine", nil, 3),
		query("", []float32{1, 0, 0, 0}, 3),
		{Text: "submarine", Vector: make([]float32, 8), Embedder: "other-v1-8", Dimensions: 8, K: 3},
	} {
		if hits, err := s.Search(ctx, q); err != nil || len(hits) != 0 {
			t.Errorf("Search(%q, %s/%d) on an empty store = %v, %v; want no hits, no error", q.Text, q.Embedder, len(q.Vector), ids(hits), err)
		}
	}
}

func testPutAndRead(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	putCorpus(t, s)
	want := retrieval.Stats{Documents: 3, Chunks: 4, Embedder: Embedder, Dimensions: Dims}
	if st := stats(t, s); st != want {
		t.Errorf("Stats() = %+v; want %+v", st, want)
	}
	if h, err := s.DocumentHash(ctx, "jet"); err != nil || h != "h-jet-Fighter jet" {
		t.Errorf("DocumentHash(jet) = %q, %v; want %q", h, err, "h-jet-Fighter jet")
	}
	// Writing the same documents again changes nothing.
	putCorpus(t, s)
	if st := stats(t, s); st != want {
		t.Errorf("Stats() after writing the corpus twice = %+v; want %+v", st, want)
	}
	if h, err := s.DocumentHash(ctx, "jet "); code(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(%q) = %q, %v; want ENOTFOUND (IDs match exactly)", "jet ", h, err)
	}
}

func testDocumentIDs(t *testing.T, s retrieval.Store) {
	in := []string{"é/1", "a", "B", "_x", "a/b", "Z9"}
	for _, id := range in {
		d, cs := Doc(id, "T", [][]float32{{1, 0, 0, 0}}, "Text of "+id+".")
		put(t, s, d, cs)
	}
	got, err := s.DocumentIDs(context.Background())
	want := "B,Z9,_x,a,a/b,é/1" // byte order, not a locale's
	if err != nil || strings.Join(got, ",") != want {
		t.Errorf("DocumentIDs() = %v, %v; want %s", got, err, want)
	}
}

func testNoChunks(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	d := retrieval.Document{ID: "empty", Title: "Nothing to chunk", Hash: "h-empty"}
	if err := s.PutDocument(context.Background(), d, nil, Embedder, Dims); err != nil {
		t.Fatalf("PutDocument(no chunks) = %v; want nil", err)
	}
	if st := stats(t, s); st.Documents != 4 || st.Chunks != 4 {
		t.Errorf("Stats() = %+v; want 4 documents, 4 chunks", st)
	}
	if h, err := s.DocumentHash(context.Background(), "empty"); err != nil || h != "h-empty" {
		t.Errorf("DocumentHash(empty) = %q, %v; want h-empty", h, err)
	}
}

func testReplace(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	v2, v2c := Doc("sub", "Frigate talks", [][]float32{{1, 0, 0, 0}}, "Only one paragraph about a frigate remains.")
	put(t, s, v2, v2c)
	if st := stats(t, s); st.Documents != 3 || st.Chunks != 3 {
		t.Errorf("Stats() after replacing sub = %+v; want 3 documents, 3 chunks", st)
	}
	if h, _ := s.DocumentHash(context.Background(), "sub"); h != v2.Hash {
		t.Errorf("DocumentHash(sub) = %q; want the new %q", h, v2.Hash)
	}
	if hits := search(t, s, query("submarine programme decade", nil, 5)); len(hits) != 0 {
		t.Errorf("Search(old words) after replace = %v; want nothing of the old version", ids(hits))
	}
	hits := search(t, s, query("frigate", []float32{1, 0, 0, 0}, 1))
	if len(hits) != 1 || ids(hits)[0] != "sub/0" || hits[0].Document.Title != "Frigate talks" || hits[0].Chunk.Text != v2c[0].Text {
		t.Errorf("Search(frigate) = %v (%+v); want sub/0 of the new version", ids(hits), hits)
	}
}

func testFailedReplace(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	putCorpus(t, s)
	before := stats(t, s)
	bad, badc := Doc("sub", "Broken", [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}}, "First new paragraph.", "Second new paragraph.")
	badc[1].Ordinal = 0
	if err := s.PutDocument(ctx, bad, badc, Embedder, Dims); code(err) != retrieval.EINVALID {
		t.Errorf("PutDocument(duplicate ordinals) = %v; want EINVALID", err)
	}
	other, otherc := Doc("sub", "Other embedder", [][]float32{{1, 0, 0, 0}}, "A paragraph.")
	if err := s.PutDocument(ctx, other, otherc, "other-v1-4", Dims); code(err) != retrieval.EMISMATCH {
		t.Errorf("PutDocument(other embedder) = %v; want EMISMATCH", err)
	}
	if h, _ := s.DocumentHash(ctx, "sub"); h != "h-sub-Submarine talks" {
		t.Errorf("DocumentHash(sub) after failed puts = %q; want the old version's", h)
	}
	if st := stats(t, s); st != before {
		t.Errorf("Stats() after failed puts = %+v; want %+v", st, before)
	}
	hits := search(t, s, query("submarine", nil, 5))
	if strings.Join(ids(hits), ",") != "sub/0,sub/1" && strings.Join(ids(hits), ",") != "sub/1,sub/0" {
		t.Errorf("Search(submarine) after failed puts = %v; want both old chunks of sub", ids(hits))
	}
}

// testAtomicReplace: while one goroutine rewrites a document between a
// three-chunk and a one-chunk version, searches see all of one version
// and nothing of the other.
func testAtomicReplace(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	putCorpus(t, s)
	v1, v1c := Doc("sub", "v1", [][]float32{{1, 0, 0, 0}, {1, 0.1, 0, 0}, {1, 0.2, 0, 0}},
		"Version one submarine.", "Version one submarine again.", "Version one submarine, third.")
	v2, v2c := Doc("sub", "v2", [][]float32{{1, 0.05, 0, 0}}, "Version two submarine.")
	want := map[string]int{"Submarine talks": 2, "v1": 3, "v2": 1} // before the first write, then each version
	done := make(chan error, 1)
	go func() {
		for i := range 100 {
			d, cs := v1, v1c
			if i%2 == 1 {
				d, cs = v2, v2c
			}
			if err := s.PutDocument(ctx, d, cs, Embedder, Dims); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	q := query("submarine version", []float32{1, 0, 0, 0}, 10)
	for reads := 0; ; reads++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("concurrent PutDocument = %v", err)
			}
			if reads == 0 {
				t.Log("the writer finished before the first read")
			}
			return
		default:
		}
		seen := map[string]int{}
		for _, h := range search(t, s, q) {
			if h.Chunk.DocumentID == "sub" {
				seen[h.Document.Title]++
			}
		}
		if len(seen) != 1 {
			t.Fatalf("a search saw chunks of sub from versions %v; want one version", seen)
		}
		for v, n := range seen {
			if n != want[v] {
				t.Fatalf("a search saw %d chunks of sub %s; want %d", n, v, want[v])
			}
		}
	}
}
