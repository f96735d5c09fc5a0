package storetest

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

func testSearchK(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	for _, k := range []int{0, -1} {
		for _, q := range []retrieval.Query{query("submarine", []float32{1, 0, 0, 0}, k), query("submarine", nil, k)} {
			if hits, err := s.Search(context.Background(), q); code(err) != retrieval.EINVALID {
				t.Errorf("Search(K=%d, vector %v) = %v, %v; want EINVALID", k, q.Vector != nil, ids(hits), err)
			}
		}
	}
	if hits := search(t, s, query("Britain Japan", []float32{1, 0, 0, 0}, 1)); len(hits) != 1 {
		t.Errorf("Search(K=1) = %v; want 1 hit", ids(hits))
	}
	// K beyond the store: every chunk the arms found, once.
	hits := search(t, s, query("Britain Japan", []float32{1, 0, 0, 0}, 50))
	got := ids(hits)
	slices.Sort(got)
	if strings.Join(got, ",") != "exr/0,jet/0,sub/0,sub/1" {
		t.Errorf("Search(K=50) = %v; want each of the 4 chunks once", got)
	}
}

// testSearchHits: a hit carries its chunk and its document's metadata,
// not the vector or the document's text.
func testSearchHits(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	hits := search(t, s, query("submarines London", []float32{1, 0, 0, 0}, 1))
	if len(hits) != 1 || ids(hits)[0] != "sub/0" {
		t.Fatalf("Search(submarines London) = %v; want sub/0", ids(hits))
	}
	f := corpus()[0]
	want := f.doc
	want.Text = ""
	if got := hits[0].Document; got != want {
		t.Errorf("hit document = %+v; want %+v (metadata, no text)", got, want)
	}
	c, wc := hits[0].Chunk, f.chunks[0]
	if c.DocumentID != "sub" || c.Ordinal != 0 || c.Text != wc.Text || c.Start != wc.Start || c.End != wc.End ||
		c.ParaStart != 1 || c.ParaEnd != 1 || !slices.Equal(c.Sentences, wc.Sentences) || c.Vector != nil {
		t.Errorf("hit chunk = %+v; want %+v without its vector", c, wc)
	}
	if len(c.Sentences) != 2 {
		t.Errorf("hit chunk sentences = %v; want the two spans written", c.Sentences)
	}
}

// testPages: every arm returns the page each chunk was written with (a
// PDF's, for citations "p. N, ¶M"), and 0 for an unpaged document; a
// replacement's pages replace the old ones.
func testPages(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	d, cs := Doc("pdf", "Paged report", [][]float32{{0, 0, 0, 1}, {0, 0, 0.1, 1}, {0, 0.1, 0, 1}},
		"The frigate order was placed in March.", "The frigate order runs over two pages.", "The frigate order ends on page three.")
	pages := func(ps ...int) map[string]int {
		m := map[string]int{"sub/0": 0, "sub/1": 0, "jet/0": 0, "exr/0": 0}
		for i, p := range ps {
			cs[i].Page = p
			m[key("pdf", i)] = p
		}
		return m
	}
	check := func(when string, want map[string]int) {
		t.Helper()
		for _, q := range []retrieval.Query{
			query("frigate order Britain", []float32{0, 0, 0, 1}, 10), // both arms
			query("", []float32{0, 0, 0, 1}, 10),                      // dense arm alone
			query("frigate order Britain", nil, 10),                   // lexical arm alone
		} {
			hits := search(t, s, q)
			if !slices.Contains(ids(hits), "pdf/2") {
				t.Errorf("%s: Search(%q, vector %v) = %v; want the paged chunks among the hits", when, q.Text, q.Vector != nil, ids(hits))
			}
			for _, h := range hits {
				if k := key(h.Chunk.DocumentID, h.Chunk.Ordinal); h.Chunk.Page != want[k] {
					t.Errorf("%s: Search(%q, vector %v) hit %s page = %d; want %d", when, q.Text, q.Vector != nil, k, h.Chunk.Page, want[k])
				}
			}
		}
	}
	want := pages(1, 1, 3)
	put(t, s, d, cs)
	check("after the first write", want)
	want = pages(2, 4, 4)
	put(t, s, d, cs)
	check("after a replacement", want)
}

// testRanksAndCosine: a search with both arms is the fusion of each arm
// alone; every hit has the exact cosine to the query vector, whichever
// arm found it.
func testRanksAndCosine(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	vec := []float32{0, 0.2, 1, 0}
	q := query("Britain Japan submarine", vec, 10)
	both := search(t, s, q)
	dq, lq := q, q
	dq.Text = ""
	lq.Vector, lq.Embedder, lq.Dimensions = nil, "", 0
	dense, lexical := search(t, s, dq), search(t, s, lq)
	if len(dense) != 4 {
		t.Errorf("dense arm alone = %v; want all 4 chunks", ids(dense))
	}
	if got := ids(lexical); len(got) != 3 || slices.Contains(got, "exr/0") {
		t.Errorf("lexical arm alone = %v; want the three chunks with britain, japan or submarine", got)
	}
	fused := retrieval.Fuse(dense, lexical, q.K)
	if strings.Join(ids(both), ",") != strings.Join(ids(fused), ",") {
		t.Fatalf("Search(both arms) = %v; Fuse(each arm alone) = %v", ids(both), ids(fused))
	}
	vecs := vectors()
	for i, h := range both {
		f := fused[i]
		if h.DenseRank != f.DenseRank || h.LexicalRank != f.LexicalRank || math.Abs(h.Score-f.Score) > 1e-12 {
			t.Errorf("hit %d %s: ranks %d/%d score %v; Fuse gives %d/%d %v", i, ids(both)[i], h.DenseRank, h.LexicalRank, h.Score, f.DenseRank, f.LexicalRank, f.Score)
		}
		want := 0.0
		if h.DenseRank > 0 {
			want += 1 / float64(retrieval.RRFK+h.DenseRank)
		}
		if h.LexicalRank > 0 {
			want += 1 / float64(retrieval.RRFK+h.LexicalRank)
		}
		if math.Abs(h.Score-want) > 1e-12 {
			t.Errorf("hit %s score = %v; want %v from its ranks", ids(both)[i], h.Score, want)
		}
		if c := cosine(vec, vecs[ids(both)[i]]); math.Abs(h.Cosine-c) > 1e-5 {
			t.Errorf("hit %s cosine = %v; want %v", ids(both)[i], h.Cosine, c)
		}
	}
	for i, h := range dense {
		if h.DenseRank != i+1 || h.LexicalRank != 0 {
			t.Errorf("dense-only hit %d = ranks %d/%d; want %d/0", i, h.DenseRank, h.LexicalRank, i+1)
		}
		if i > 0 && h.Cosine > dense[i-1].Cosine {
			t.Errorf("dense-only hits out of cosine order: %v after %v", h.Cosine, dense[i-1].Cosine)
		}
	}
	if h := both[0]; h.Chunk.DocumentID != "jet" || h.DenseRank != 2 || h.LexicalRank == 0 {
		t.Errorf("top hit = %s (dense %d, lexical %d); want jet, second in the dense arm and found by the lexical one", ids(both)[0], h.DenseRank, h.LexicalRank)
	}
}

// testNoVector: without a vector only the lexical arm runs (OR over the
// question's words), and cosines are 0.
func testNoVector(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	hits := search(t, s, query("What did the admirals say about submarine procurement in Tokyo?", nil, 5))
	if got := ids(hits); len(got) != 2 || !slices.Contains(got, "sub/0") || !slices.Contains(got, "sub/1") {
		t.Errorf("Search(submarine question, no vector) = %v; want the two submarine chunks", got)
	}
	hits = search(t, s, query("Which fighter jet do Britain, Japan and Italy build?", nil, 5))
	if len(hits) != 2 || ids(hits)[0] != "jet/0" || ids(hits)[1] != "sub/0" {
		t.Errorf("Search(jet question, no vector) = %v; want jet/0 (five words) then sub/0 (britain, japan)", ids(hits))
	}
	for i, h := range hits {
		if h.DenseRank != 0 || h.LexicalRank != i+1 || h.Cosine != 0 {
			t.Errorf("lexical-only hit %s = dense %d lexical %d cosine %v; want 0, %d, 0", ids(hits)[i], h.DenseRank, h.LexicalRank, h.Cosine, i+1)
		}
	}
	// The embedder may be named without a vector; it must match.
	q := query("submarine", nil, 5)
	q.Embedder, q.Dimensions = Embedder, Dims
	if hits := search(t, s, q); len(hits) != 2 {
		t.Errorf("Search(submarine, embedder named, no vector) = %v; want the two submarine chunks", ids(hits))
	}
	for _, text := range []string{"", "   ", "what is the", "?!"} {
		if hits, err := s.Search(context.Background(), query(text, nil, 5)); err != nil || len(hits) != 0 {
			t.Errorf("Search(%q, no vector) = %v, %v; want no hits, no error", text, ids(hits), err)
		}
	}
}

// testNoText: a query without content words runs only the dense arm.
func testNoText(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	for _, text := range []string{"", "  ", "what is the", "?!", "\x00\xff"} {
		hits := search(t, s, query(text, []float32{1, 0, 0, 0}, 2))
		if got := strings.Join(ids(hits), ","); got != "sub/0,sub/1" {
			t.Errorf("Search(%q, vector of sub/0) = %v; want sub/0,sub/1", text, got)
			continue
		}
		for i, h := range hits {
			if h.DenseRank != i+1 || h.LexicalRank != 0 {
				t.Errorf("Search(%q) hit %d ranks = %d/%d; want %d/0", text, i, h.DenseRank, h.LexicalRank, i+1)
			}
		}
		if math.Abs(hits[0].Cosine-1) > 1e-5 {
			t.Errorf("Search(%q) top cosine = %v; want 1", text, hits[0].Cosine)
		}
	}
}

// testZeroVector: a zero vector has no direction; the dense arm finds
// nothing and cosines are 0, while the lexical arm still works.
func testZeroVector(t *testing.T, s retrieval.Store) {
	putCorpus(t, s)
	zero := make([]float32, Dims)
	if hits := search(t, s, query("", zero, 5)); len(hits) != 0 {
		t.Errorf("Search(zero vector, no text) = %v; want no hits", ids(hits))
	}
	hits := search(t, s, query("fighter jet", zero, 5))
	if len(hits) != 1 || ids(hits)[0] != "jet/0" || hits[0].DenseRank != 0 || hits[0].Cosine != 0 || math.IsNaN(hits[0].Cosine) {
		t.Errorf("Search(fighter jet, zero vector) = %v %+v; want jet/0 from the lexical arm alone, cosine 0", ids(hits), hits)
	}
}

// testCatalog: a store that implements retrieval.Catalog lists its
// documents' metadata newest first (by date, then ID in byte order), at
// most limit of them (none below 1), with the total.
func testCatalog(t *testing.T, s retrieval.Store) {
	c, ok := s.(retrieval.Catalog)
	if !ok {
		t.Skip("the store does not implement retrieval.Catalog")
	}
	ctx := context.Background()
	if docs, total, err := c.Catalog(ctx, 3); err != nil || total != 0 || len(docs) != 0 {
		t.Errorf("Catalog(3) of an empty store = %v, %d, %v; want nothing", docs, total, err)
	}
	putCorpus(t, s)
	older, oc := Doc("old", "Older", [][]float32{{1, 1, 0, 0}}, "An older report.")
	older.Date = "2015-01-21"
	undated, uc := Doc("undated", "Undated", [][]float32{{1, 1, 0, 0}}, "A report without a date.")
	undated.Date = ""
	put(t, s, older, oc)
	put(t, s, undated, uc)
	names := func(docs []retrieval.Document) string {
		var out []string
		for _, d := range docs {
			out = append(out, d.ID)
			if d.Text != "" {
				t.Errorf("Catalog document %s carries its text", d.ID)
			}
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		limit int
		want  string
	}{{10, "exr,jet,sub,old,undated"}, {2, "exr,jet"}, {0, ""}, {-1, ""}} {
		docs, total, err := c.Catalog(ctx, tc.limit)
		if err != nil || total != 5 || names(docs) != tc.want {
			t.Errorf("Catalog(%d) = [%s], %d, %v; want [%s], 5", tc.limit, names(docs), total, err, tc.want)
		}
	}
	docs, _, _ := c.Catalog(ctx, 1)
	if want := corpus()[2].doc; len(docs) != 1 || docs[0].Title != want.Title || docs[0].Date != want.Date || docs[0].Outlet != want.Outlet || docs[0].Source != want.Source {
		t.Errorf("Catalog(1) = %+v; want the metadata of %+v", docs, want)
	}
}

// testFreshness: a store that implements retrieval.Freshness reports zero
// while empty, then a time within the PutDocument calls, which a later
// PutDocument moves on.
func testFreshness(t *testing.T, s retrieval.Store) {
	f, ok := s.(retrieval.Freshness)
	if !ok {
		t.Skip("the store does not implement retrieval.Freshness")
	}
	ctx := context.Background()
	if u, err := f.Updated(ctx); err != nil || !u.IsZero() {
		t.Errorf("Updated() of an empty store = %v, %v; want zero", u, err)
	}
	// A second either side: PostgreSQL's clock is not this process's.
	before := time.Now().Add(-time.Second)
	putCorpus(t, s)
	first, err := f.Updated(ctx)
	if err != nil || first.Before(before) || first.After(time.Now().Add(time.Second)) {
		t.Errorf("Updated() after PutDocument = %v, %v; want between %v and now", first, err, before)
	}
	time.Sleep(10 * time.Millisecond)
	d, c := Doc("later", "Later", [][]float32{{1, 1, 0, 0}}, "A later report.")
	put(t, s, d, c)
	if later, err := f.Updated(ctx); err != nil || !later.After(first) {
		t.Errorf("Updated() after another PutDocument = %v, %v; want after %v", later, err, first)
	}
}
