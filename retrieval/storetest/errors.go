package storetest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/retrieval"
)

// testInvalid: every malformed input is EINVALID and stores nothing, not
// even the embedder's claim on the empty store.
func testInvalid(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	good := func() (retrieval.Document, []retrieval.Chunk) {
		return Doc("bad", "Bad", [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}}, "First paragraph. Two sentences.", "Second paragraph.")
	}
	tests := []struct {
		name     string
		edit     func(d *retrieval.Document, cs []retrieval.Chunk)
		embedder string
		dims     int
	}{
		{"no document ID", func(d *retrieval.Document, cs []retrieval.Chunk) {
			d.ID = ""
			cs[0].DocumentID, cs[1].DocumentID = "", ""
		}, Embedder, Dims},
		{"title not UTF-8", func(d *retrieval.Document, _ []retrieval.Chunk) { d.Title = "caf\xe9" }, Embedder, Dims},
		{"NUL in the text", func(d *retrieval.Document, _ []retrieval.Chunk) { d.Source = "a\x00b" }, Embedder, Dims},
		{"no embedder", func(*retrieval.Document, []retrieval.Chunk) {}, "", Dims},
		{"zero dimensions", func(*retrieval.Document, []retrieval.Chunk) {}, Embedder, 0},
		{"chunk of another document", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].DocumentID = "other" }, Embedder, Dims},
		{"negative ordinal", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].Ordinal = -1 }, Embedder, Dims},
		{"duplicate ordinal", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].Ordinal = 0 }, Embedder, Dims},
		{"short vector", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].Vector = []float32{1, 0, 0} }, Embedder, Dims},
		{"NaN in a vector", func(_ *retrieval.Document, cs []retrieval.Chunk) {
			cs[1].Vector = []float32{1, 0, 0, float32(math.NaN())}
		}, Embedder, Dims},
		{"Inf in a vector", func(_ *retrieval.Document, cs []retrieval.Chunk) {
			cs[0].Vector = []float32{float32(math.Inf(1)), 0, 0, 0}
		}, Embedder, Dims},
		{"offsets that do not fit the text", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].End++ }, Embedder, Dims},
		{"offsets past the document", func(d *retrieval.Document, cs []retrieval.Chunk) {
			cs[1].Start, cs[1].End = len(d.Text), len(d.Text)+len(cs[1].Text)
		}, Embedder, Dims},
		{"text not the document's", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].Text = strings.ToUpper(cs[1].Text) }, Embedder, Dims},
		{"chunk text not UTF-8", func(d *retrieval.Document, cs []retrieval.Chunk) {
			d.Text = ""
			cs[1].Text = "Second paragraph\xff"
		}, Embedder, Dims},
		{"sentence outside the chunk", func(_ *retrieval.Document, cs []retrieval.Chunk) {
			cs[0].Sentences = append(cs[0].Sentences, retrieval.Span{Start: 5, End: 500})
		}, Embedder, Dims},
		{"backward paragraph range", func(_ *retrieval.Document, cs []retrieval.Chunk) { cs[1].ParaStart, cs[1].ParaEnd = 3, 2 }, Embedder, Dims},
	}
	for _, tc := range tests {
		d, cs := good()
		tc.edit(&d, cs)
		if err := s.PutDocument(ctx, d, cs, tc.embedder, tc.dims); code(err) != retrieval.EINVALID {
			t.Errorf("PutDocument(%s) = %v; want EINVALID", tc.name, err)
		}
	}
	if st := stats(t, s); st != (retrieval.Stats{}) {
		t.Errorf("Stats() after invalid puts = %+v; want zero (nothing stored, no embedder claimed)", st)
	}
	// The same document, well formed, is accepted: the cases above failed
	// for their one defect.
	d, cs := good()
	put(t, s, d, cs)
}

// testMismatch: a store belongs to the embedder that first wrote to it.
func testMismatch(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	putCorpus(t, s)
	before := stats(t, s)
	for _, e := range []struct {
		name string
		dims int
	}{{"other-v1-4", 4}, {Embedder, 8}, {"other-v2-8", 8}} {
		vec := make([]float32, e.dims)
		vec[0] = 1
		d, cs := Doc("new", "New", [][]float32{vec}, "A new paragraph.")
		err := s.PutDocument(ctx, d, cs, e.name, e.dims)
		if code(err) != retrieval.EMISMATCH {
			t.Errorf("PutDocument(%s, %d dims) = %v; want EMISMATCH", e.name, e.dims, err)
			continue
		}
		msg := retrieval.ErrorDetail(err)
		if !strings.Contains(msg, Embedder) || !strings.Contains(msg, e.name) || !strings.Contains(msg, "--reindex") {
			t.Errorf("PutDocument(%s, %d dims) message = %q; want both embedders and the fix (--reindex)", e.name, e.dims, msg)
		}
	}
	if _, err := s.DocumentHash(ctx, "new"); code(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(new) after refused puts = %v; want ENOTFOUND", err)
	}
	if st := stats(t, s); st != before {
		t.Errorf("Stats() after refused puts = %+v; want %+v", st, before)
	}
	for _, q := range []retrieval.Query{
		{Text: "jet", Vector: []float32{1, 0, 0, 0}, Embedder: "other-v1-4", Dimensions: 4, K: 3},
		{Text: "jet", Vector: make([]float32, 8), Embedder: Embedder, Dimensions: 8, K: 3},
		{Text: "jet", Vector: make([]float32, 8), Embedder: Embedder, K: 3},
		{Text: "jet", Vector: make([]float32, 8), Embedder: Embedder, Dimensions: 4, K: 3},
		{Text: "jet", Vector: []float32{1, 0, 0, 0}, K: 3},
		{Text: "jet", Embedder: "other-v1-4", Dimensions: 4, K: 3},
		{Text: "jet", Embedder: Embedder, Dimensions: 8, K: 3},
	} {
		if _, err := s.Search(ctx, q); code(err) != retrieval.EMISMATCH {
			t.Errorf("Search(%q by %q, %d dims, %d-long vector) = %v; want EMISMATCH", q.Text, q.Embedder, q.Dimensions, len(q.Vector), err)
		}
	}
}

func testDelete(t *testing.T, s retrieval.Store) {
	ctx := context.Background()
	putCorpus(t, s)
	if err := s.DeleteDocument(ctx, "sub"); err != nil {
		t.Fatalf("DeleteDocument(sub) = %v", err)
	}
	if st := stats(t, s); st.Documents != 2 || st.Chunks != 2 {
		t.Errorf("Stats() after delete = %+v; want 2 documents, 2 chunks", st)
	}
	if err := s.DeleteDocument(ctx, "sub"); code(err) != retrieval.ENOTFOUND {
		t.Errorf("DeleteDocument(sub) again = %v; want ENOTFOUND", err)
	}
	if _, err := s.DocumentHash(ctx, "sub"); code(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(sub) after delete = %v; want ENOTFOUND", err)
	}
	for _, h := range search(t, s, query("submarine Britain", []float32{1, 0, 0, 0}, 10)) {
		if h.Chunk.DocumentID == "sub" {
			t.Errorf("Search found %s after its document was deleted", key(h.Chunk.DocumentID, h.Chunk.Ordinal))
		}
	}
	if got, err := s.DocumentIDs(ctx); err != nil || strings.Join(got, ",") != "exr,jet" {
		t.Errorf("DocumentIDs() after delete = %v, %v; want [exr jet]", got, err)
	}
	// Deleting every document keeps the embedder.
	for _, id := range []string{"exr", "jet"} {
		if err := s.DeleteDocument(ctx, id); err != nil {
			t.Fatalf("DeleteDocument(%s) = %v", id, err)
		}
	}
	want := retrieval.Stats{Embedder: Embedder, Dimensions: Dims}
	if st := stats(t, s); st != want {
		t.Errorf("Stats() after deleting everything = %+v; want %+v", st, want)
	}
	d, cs := Doc("new", "New", [][]float32{make([]float32, 8)}, "Eight dimensions.")
	if err := s.PutDocument(ctx, d, cs, "other-v2-8", 8); code(err) != retrieval.EMISMATCH {
		t.Errorf("PutDocument(another embedder) after deleting everything = %v; want EMISMATCH", err)
	}
	if hits, err := s.Search(ctx, query("submarine", []float32{1, 0, 0, 0}, 3)); err != nil || len(hits) != 0 {
		t.Errorf("Search() after deleting everything = %v, %v; want no hits, no error", ids(hits), err)
	}
}

// testCanceled: every method fails with the context's error once it ends.
func testCanceled(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, cs := Doc("late", "Late", [][]float32{{1, 0, 0, 0}}, "Too late.")
	_, errSearch := s.Search(ctx, query("submarine", []float32{1, 0, 0, 0}, 3))
	_, errHash := s.DocumentHash(ctx, "sub")
	_, errIDs := s.DocumentIDs(ctx)
	_, errStats := s.Stats(ctx)
	for name, err := range map[string]error{
		"Search":         errSearch,
		"PutDocument":    s.PutDocument(ctx, d, cs, Embedder, Dims),
		"DocumentHash":   errHash,
		"DocumentIDs":    errIDs,
		"DeleteDocument": s.DeleteDocument(ctx, "jet"),
		"Stats":          errStats,
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s(canceled context) = %v; want context.Canceled", name, err)
		}
	}
	if st := stats(t, s); st.Documents != 3 {
		t.Errorf("Stats() after canceled writes = %+v; want the 3 documents untouched", st)
	}
}
