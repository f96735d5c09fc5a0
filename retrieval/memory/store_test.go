package memory

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

const emb = "test-embedder"

// makeDoc builds a document whose paragraphs are the given texts, with one
// chunk per paragraph carrying the given vector (normalized).
func makeDoc(id string, paras []string, vecs [][]float32) (retrieval.Document, []retrieval.Chunk) {
	doc := retrieval.Document{ID: id, Title: "Title of " + id, Date: "2016-01-08", Hash: "hash-" + id, Text: strings.Join(paras, "\n\n")}
	var chunks []retrieval.Chunk
	off := 0
	for i, p := range paras {
		v := slices.Clone(vecs[i])
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		for j := range v {
			if n > 0 {
				v[j] /= float32(math.Sqrt(n))
			}
		}
		chunks = append(chunks, retrieval.Chunk{
			DocumentID: id, Ordinal: i, ParaStart: i + 1, ParaEnd: i + 1,
			Start: off, End: off + len(p), Text: p,
			Sentences: []retrieval.Span{{Start: 0, End: len(p)}},
			Vector:    v,
		})
		off += len(p) + 2
	}
	return doc, chunks
}

func put(t *testing.T, s *Store, id string, paras []string, vecs [][]float32) {
	t.Helper()
	doc, chunks := makeDoc(id, paras, vecs)
	if err := s.PutDocument(context.Background(), doc, chunks, emb, len(vecs[0])); err != nil {
		t.Fatalf("PutDocument(%q) error: %v", id, err)
	}
}

func search(t *testing.T, s *Store, text string, vec []float32, k int) []retrieval.Hit {
	t.Helper()
	hits, err := s.Search(context.Background(), retrieval.Query{Text: text, Vector: vec, Embedder: emb, Dimensions: len(vec), K: k, Candidates: 10})
	if err != nil {
		t.Fatalf("Search(%q) error: %v", text, err)
	}
	return hits
}

func keys(hits []retrieval.Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, fmt.Sprintf("%s#%d", h.Chunk.DocumentID, h.Chunk.Ordinal))
	}
	return out
}

// corpus puts two small documents with 4-dimensional vectors.
func corpus(t *testing.T) *Store {
	s := New(snowball.New())
	put(t, s, "a", []string{
		"Britain and Japan agreed to research a new air-to-air missile.",
		"The RAF will send Typhoon fighters to Japan for a joint exercise.",
		"Japan is pitching the Kawasaki P-1 maritime patrol aircraft.",
	}, [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}})
	put(t, s, "b", []string{
		"The first 2+2 meeting of foreign and defence ministers was held in London.",
		"Ministers discussed cyber security and a missile feasibility study.",
	}, [][]float32{{0, 0, 0, 1}, {0.9, 0, 0, 0.1}})
	return s
}

func TestSearch(t *testing.T) {
	s := corpus(t)
	hits := search(t, s, "joint Typhoon exercise", []float32{0, 1, 0, 0}, 3)
	if len(hits) == 0 || keys(hits)[0] != "a#1" {
		t.Fatalf("Search(typhoon) = %v; want a#1 first", keys(hits))
	}
	h := hits[0]
	if h.DenseRank != 1 || h.LexicalRank != 1 || math.Abs(h.Cosine-1) > 1e-6 {
		t.Errorf("top hit ranks = %d/%d cosine %v; want 1/1 and 1", h.DenseRank, h.LexicalRank, h.Cosine)
	}
	if h.Document.Title != "Title of a" || h.Document.Text != "" || h.Chunk.Vector != nil || h.Chunk.Text == "" {
		t.Errorf("top hit document %+v chunk %+v: want metadata and text without vectors", h.Document, h.Chunk)
	}
	if len(hits) != 3 {
		t.Errorf("Search(k=3) returned %d hits; want 3", len(hits))
	}
	// Hits must be exactly what retrieval.Fuse makes of the two arms.
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("hits not sorted by score: %v", keys(hits))
		}
	}
	// A lexical-only match ranks on BM25 while its cosine is computed.
	hits = search(t, s, "Kawasaki", []float32{0, 1, 0, 0}, 5)
	for _, h := range hits {
		if keys([]retrieval.Hit{h})[0] == "a#2" {
			if h.LexicalRank != 1 || h.Cosine != 0 {
				t.Errorf("a#2 lexical rank %d cosine %v; want 1, 0", h.LexicalRank, h.Cosine)
			}
			return
		}
	}
	t.Errorf("Search(Kawasaki) = %v; want a#2 among the hits", keys(hits))
}

func TestSearchArgs(t *testing.T) {
	s := New(snowball.New())
	if hits, err := s.Search(context.Background(), retrieval.Query{Text: "x", K: 5}); err != nil || hits != nil {
		t.Errorf("Search(empty store) = %v, %v; want nil, nil", hits, err)
	}
	s = corpus(t)
	for _, k := range []int{0, -1} {
		_, err := s.Search(context.Background(), retrieval.Query{Text: "missile", Vector: []float32{1, 0, 0, 0}, Embedder: emb, Dimensions: 4, K: k})
		if retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Errorf("Search(k=%d) error = %v; want EINVALID", k, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Search(ctx, retrieval.Query{K: 1}); err == nil {
		t.Errorf("Search(canceled) succeeded")
	}
}

func TestMismatch(t *testing.T) {
	s := corpus(t)
	ctx := context.Background()
	queries := []retrieval.Query{
		{Text: "missile", Vector: []float32{1, 0, 0, 0}, Embedder: "other", Dimensions: 4, K: 3},
		{Text: "missile", Vector: make([]float32, 8), Embedder: emb, Dimensions: 8, K: 3},
		{Text: "missile", Vector: make([]float32, 8), Embedder: emb, Dimensions: 4, K: 3},
	}
	for _, q := range queries {
		_, err := s.Search(ctx, q)
		if retrieval.ErrorCode(err) != retrieval.EMISMATCH {
			t.Errorf("Search(%s, %d dims) error = %v; want EMISMATCH", q.Embedder, len(q.Vector), err)
			continue
		}
		msg := retrieval.ErrorDetail(err)
		if !strings.Contains(msg, `"`+emb+`" (4 dims)`) || !strings.Contains(msg, q.Embedder) || !strings.Contains(msg, "--reindex") {
			t.Errorf("Search mismatch message = %q; want both embedders and the fix", msg)
		}
	}
	for _, e := range []struct {
		name string
		dims int
	}{{"other", 4}, {emb, 8}} {
		doc, chunks := makeDoc("c", []string{"text"}, [][]float32{make([]float32, e.dims)})
		err := s.PutDocument(ctx, doc, chunks, e.name, e.dims)
		if retrieval.ErrorCode(err) != retrieval.EMISMATCH || !strings.Contains(err.Error(), `"`+emb+`" (4 dims)`) {
			t.Errorf("PutDocument(%s, %d) error = %v; want EMISMATCH naming %q", e.name, e.dims, err, emb)
		}
	}
	// Deleting every document keeps the embedder: the contract suite
	// (TestContract, storetest's Delete) checks it.
}

func TestReplace(t *testing.T) {
	s := corpus(t)
	ctx := context.Background()
	put(t, s, "a", []string{"A short note about submarines."}, [][]float32{{0, 0, 1, 0}})
	if st, _ := s.Stats(ctx); st.Documents != 2 || st.Chunks != 3 {
		t.Errorf("Stats after replace = %+v; want 2 documents, 3 chunks", st)
	}
	for _, h := range search(t, s, "Typhoon Kawasaki exercise", []float32{0, 1, 0, 0}, 10) {
		if h.Chunk.DocumentID == "a" && h.Chunk.Ordinal > 0 {
			t.Errorf("Search found replaced chunk %s#%d", h.Chunk.DocumentID, h.Chunk.Ordinal)
		}
		if h.LexicalRank != 0 {
			t.Errorf("Search(Typhoon) lexical hit %s#%d after its chunk was replaced", h.Chunk.DocumentID, h.Chunk.Ordinal)
		}
	}
	hits := search(t, s, "submarines", []float32{0, 0, 1, 0}, 1)
	if len(hits) != 1 || keys(hits)[0] != "a#0" || hits[0].LexicalRank != 1 {
		t.Errorf("Search(submarines) = %v; want a#0 from both arms", keys(hits))
	}
}

func TestInvalid(t *testing.T) {
	s := corpus(t)
	ctx := context.Background()
	good := func() (retrieval.Document, []retrieval.Chunk) {
		return makeDoc("a", []string{"New text one.", "New text two."}, [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}})
	}
	tests := []struct {
		name   string
		mutate func(*retrieval.Document, []retrieval.Chunk)
	}{
		{"no id", func(d *retrieval.Document, c []retrieval.Chunk) { d.ID = "" }},
		{"bad utf-8 id", func(d *retrieval.Document, c []retrieval.Chunk) { d.ID = "a\xff" }},
		{"foreign chunk", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].DocumentID = "b" }},
		{"duplicate ordinal", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].Ordinal = 0 }},
		{"negative ordinal", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].Ordinal = -1 }},
		{"short vector", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].Vector = c[1].Vector[:3] }},
		{"nan", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].Vector[2] = float32(math.NaN()) }},
		{"offsets", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].End++ }},
		{"text differs", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].Text = "New text 2wo." }},
		{"bad utf-8 text", func(d *retrieval.Document, c []retrieval.Chunk) {
			c[1].Text = "New text \xffwo."
			d.Text = ""
		}},
		{"sentence", func(d *retrieval.Document, c []retrieval.Chunk) {
			c[1].Sentences = []retrieval.Span{{Start: 0, End: 99}}
		}},
		{"paragraphs", func(d *retrieval.Document, c []retrieval.Chunk) { c[1].ParaEnd = 0 }},
	}
	for _, tt := range tests {
		doc, chunks := good()
		tt.mutate(&doc, chunks)
		err := s.PutDocument(ctx, doc, chunks, emb, 4)
		if retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Errorf("PutDocument(%s) error = %v; want EINVALID", tt.name, err)
		}
	}
	doc, chunks := good()
	if err := s.PutDocument(ctx, doc, chunks, "", 4); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("PutDocument(no embedder) error = %v; want EINVALID", err)
	}
	// Nothing changed: the old version of "a" is intact.
	if st, _ := s.Stats(ctx); st.Chunks != 5 {
		t.Errorf("Stats after failed puts = %+v; want 5 chunks", st)
	}
	hits := search(t, s, "Typhoon", []float32{0, 1, 0, 0}, 1)
	if len(hits) != 1 || keys(hits)[0] != "a#1" {
		t.Errorf("Search(Typhoon) after failed puts = %v; want a#1", keys(hits))
	}
}

func TestCapacity(t *testing.T) {
	s := corpus(t) // 5 chunks
	s.limit = 6
	ctx := context.Background()
	doc, chunks := makeDoc("c", []string{"one", "two"}, [][]float32{{1, 0, 0, 0}, {1, 0, 0, 0}})
	err := s.PutDocument(ctx, doc, chunks, emb, 4)
	if retrieval.ErrorCode(err) != retrieval.EINVALID || !strings.Contains(err.Error(), "at most 6 chunks") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("PutDocument(over capacity) error = %v; want EINVALID naming the limit and DATABASE_URL", err)
	}
	// Replacing a document counts its old chunks as freed.
	put(t, s, "a", []string{"x1", "x2", "x3", "x4"}, [][]float32{{1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}})
	if st, _ := s.Stats(ctx); st.Chunks != 6 {
		t.Errorf("Stats = %+v; want 6 chunks", st)
	}
}

func TestDocuments(t *testing.T) {
	s := corpus(t)
	ctx := context.Background()
	put(t, s, "0-first", []string{"zero"}, [][]float32{{1, 1, 0, 0}})
	ids, err := s.DocumentIDs(ctx)
	if err != nil || !slices.Equal(ids, []string{"0-first", "a", "b"}) {
		t.Errorf("DocumentIDs = %q, %v; want sorted [0-first a b]", ids, err)
	}
	if h, err := s.DocumentHash(ctx, "b"); err != nil || h != "hash-b" {
		t.Errorf("DocumentHash(b) = %q, %v; want hash-b", h, err)
	}
	if _, err := s.DocumentHash(ctx, "zz"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(zz) error = %v; want ENOTFOUND", err)
	}
	if err := s.DeleteDocument(ctx, "zz"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("DeleteDocument(zz) error = %v; want ENOTFOUND", err)
	}
	if err := s.DeleteDocument(ctx, "a"); err != nil {
		t.Fatalf("DeleteDocument(a) error: %v", err)
	}
	if _, err := s.DocumentHash(ctx, "a"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
		t.Errorf("DocumentHash(deleted) error = %v; want ENOTFOUND", err)
	}
	for _, h := range search(t, s, "missile Typhoon Kawasaki", []float32{1, 1, 1, 0}, 10) {
		if h.Chunk.DocumentID == "a" {
			t.Errorf("Search found chunk %d of deleted document", h.Chunk.Ordinal)
		}
	}
	if st, _ := s.Stats(ctx); st != (retrieval.Stats{Documents: 2, Chunks: 3, Embedder: emb, Dimensions: 4}) {
		t.Errorf("Stats = %+v; want 2 documents, 3 chunks", st)
	}
	// Freed slots are reused without mixing up vectors.
	put(t, s, "c", []string{"alpha", "beta", "gamma"}, [][]float32{{0, 0, 1, 0}, {0, 1, 0, 0}, {1, 0, 0, 0}})
	hits := search(t, s, "", []float32{0, 1, 0, 0}, 1)
	if len(hits) != 1 || keys(hits)[0] != "c#1" || math.Abs(hits[0].Cosine-1) > 1e-6 {
		t.Errorf("Search(beta vector) = %v; want c#1 with cosine 1", keys(hits))
	}
}

func TestLexicalOR(t *testing.T) {
	s := New(snowball.New())
	z := []float32{0, 0, 0, 1}
	put(t, s, "d", []string{
		"Typhoon fighters flew over Tokyo.",
		"A missile study was agreed.",
		"Nothing relevant here at all.",
	}, [][]float32{z, z, z})
	hits := search(t, s, "Which Typhoon missile?", []float32{1, 0, 0, 0}, 3)
	lex := map[string]int{}
	for _, h := range hits {
		if h.LexicalRank > 0 {
			lex[keys([]retrieval.Hit{h})[0]] = h.LexicalRank
		}
	}
	if len(lex) != 2 || lex["d#0"] == 0 || lex["d#1"] == 0 {
		t.Errorf("lexical hits for 'Typhoon missile' = %v; want d#0 and d#1 (any term matches)", lex)
	}
}

func TestBM25(t *testing.T) {
	s := New(snowball.New())
	z := []float32{0, 0, 0, 1}
	put(t, s, "e", []string{
		"Japan and Britain. Japan and Britain. Japan and Britain talked about Japan.",
		"Cyber security cooperation between Japan and Britain.",
		"A long report about Britain, Japan, ministers, meetings, London, Tokyo, defence, industry, budgets, cyber attacks, exports and many other subjects.",
		"Britain and Japan held talks in Tokyo.",
	}, [][]float32{z, z, z, z})
	lexical := func(q string) []string {
		hits := search(t, s, q, []float32{1, 0, 0, 0}, 4)
		sort.Slice(hits, func(i, j int) bool { return hits[i].LexicalRank < hits[j].LexicalRank })
		var out []string
		for _, h := range hits {
			if h.LexicalRank > 0 {
				out = append(out, keys([]retrieval.Hit{h})[0])
			}
		}
		return out
	}
	// The rare term "cyber" outweighs the common "japan": short e#1 first,
	// the long e#2 (one mention in many words) second.
	if got := lexical("Japan cyber"); len(got) < 2 || got[0] != "e#1" || got[1] != "e#2" {
		t.Errorf("lexical ranking for 'Japan cyber' = %v; want e#1, e#2 first", got)
	}
	// Term frequency counts: e#0 says "Japan" four times.
	if got := lexical("Japanese Japan"); len(got) != 4 || got[0] != "e#0" || got[3] != "e#2" {
		t.Errorf("lexical ranking for 'Japan' = %v; want e#0 first and the long e#2 last", got)
	}
	if got := lexical("who what when"); len(got) != 0 {
		t.Errorf("lexical hits for stop words only = %v; want none", got)
	}
}

func TestDenseExact(t *testing.T) {
	// Enough chunks to run the parallel scan; compare with brute force.
	s := New(snowball.New())
	rng := rand.New(rand.NewPCG(1, 2))
	const dims, n = 8, parallelScan + 3000
	vecs := make([][]float32, n)
	paras := make([]string, n)
	for i := range vecs {
		vecs[i] = make([]float32, dims)
		for j := range vecs[i] {
			vecs[i][j] = float32(rng.NormFloat64())
		}
		paras[i] = "p"
	}
	put(t, s, "big", paras, vecs)
	q := []float32{1, -1, 0.5, 0, 0, 2, 0, 0}
	hits := search(t, s, "", q, 10)
	_, chunks := makeDoc("big", paras, vecs)
	type cs struct {
		ord int
		cos float64
	}
	var all []cs
	for _, c := range chunks {
		var d, qn float64
		for j := range q {
			d += float64(q[j]) * float64(c.Vector[j])
			qn += float64(q[j]) * float64(q[j])
		}
		all = append(all, cs{c.Ordinal, d / math.Sqrt(qn)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].cos > all[j].cos })
	if len(hits) != 10 {
		t.Fatalf("Search returned %d hits; want 10", len(hits))
	}
	for i, h := range hits {
		if h.Chunk.Ordinal != all[i].ord || math.Abs(h.Cosine-all[i].cos) > 1e-5 || h.DenseRank != i+1 {
			t.Errorf("hit %d = #%d cos %.6f rank %d; want #%d cos %.6f", i, h.Chunk.Ordinal, h.Cosine, h.DenseRank, all[i].ord, all[i].cos)
		}
	}
}

func TestConcurrent(t *testing.T) {
	s := corpus(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprintf("w%d", w)
				doc, chunks := makeDoc(id, []string{fmt.Sprintf("Typhoon exercise round%d", i), fmt.Sprintf("Typhoon round%d", i)}, [][]float32{{0, 1, 0, 0}, {1, 0, 0, 0}})
				if err := s.PutDocument(ctx, doc, chunks, emb, 4); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 9 {
					if err := s.DeleteDocument(ctx, id); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				hits, err := s.Search(ctx, retrieval.Query{Text: "Typhoon", Vector: []float32{0, 1, 0, 0}, Embedder: emb, Dimensions: 4, K: 20, Candidates: 20})
				if err != nil {
					t.Error(err)
					return
				}
				// A reader sees whole documents: both chunks of one round.
				round := map[string]string{}
				for _, h := range hits {
					if !strings.HasPrefix(h.Chunk.DocumentID, "w") {
						continue
					}
					r := h.Chunk.Text[strings.LastIndex(h.Chunk.Text, " ")+1:]
					if prev, ok := round[h.Chunk.DocumentID]; ok && prev != r {
						t.Errorf("document %s: hits from %s and %s", h.Chunk.DocumentID, prev, r)
					}
					round[h.Chunk.DocumentID] = r
				}
				if _, err := s.Stats(ctx); err != nil {
					t.Error(err)
				}
				if _, err := s.DocumentIDs(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if st, _ := s.Stats(ctx); st.Documents != 2 || st.Chunks != 5 {
		t.Errorf("Stats after concurrent writers = %+v; want the 2 original documents", st)
	}
}
