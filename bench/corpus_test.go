package bench

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/retrieval/hash"
)

func TestCorpusDeterministic(t *testing.T) {
	a, err := NewCorpus()
	if err != nil {
		t.Fatalf("NewCorpus() = %v", err)
	}
	b, _ := NewCorpus()
	total, lens := 0, []int{}
	for i := range 200 {
		da, db := a.NextDocument(), b.NextDocument()
		ca, cb := ChunkDocument(da), ChunkDocument(db)
		if da.ID != db.ID || da.Text != db.Text || len(ca) != len(cb) {
			t.Fatalf("document %d differs between two generators: %q vs %q", i, da.ID, db.ID)
		}
		for _, c := range ca {
			if c.DocumentID != da.ID || da.Text[c.Start:c.End] != c.Text || len(c.Sentences) == 0 {
				t.Fatalf("chunk(%q, %d) = %+v; want text at its offsets and sentences", da.ID, c.Ordinal, c)
			}
			lens = append(lens, len(c.Text))
		}
		total += len(ca)
	}
	slices.Sort(lens)
	if med := lens[len(lens)/2]; med < 200 || med > 1200 {
		t.Errorf("median chunk length = %d; want news-like 200-1200 bytes", med)
	}
	if total < 400 {
		t.Errorf("200 documents gave %d chunks; want several per document", total)
	}
}

// TestCorpusNoRepeatedChunks guards the corpus against identical chunks:
// copies of one text are unreachable islands in an HNSW graph and no real
// archive repeats a paragraph thousands of times.
func TestCorpusNoRepeatedChunks(t *testing.T) {
	c, err := NewCorpus()
	if err != nil {
		t.Fatalf("NewCorpus() = %v", err)
	}
	seen := map[string]string{}
	n := 0
	for n < 20000 {
		d := c.NextDocument()
		cs := ChunkDocument(d)
		for _, ch := range cs {
			if prev, ok := seen[ch.Text]; ok {
				t.Fatalf("chunk %s/%d repeats a chunk of %s: %q", d.ID, ch.Ordinal, prev, ch.Text)
			}
			seen[ch.Text] = d.ID
			n++
		}
	}
}

func TestQueries(t *testing.T) {
	q1, err := Queries(40)
	if err != nil {
		t.Fatalf("Queries() = %v", err)
	}
	q2, _ := Queries(40)
	if !slices.Equal(q1, q2) {
		t.Fatalf("Queries(40) differs between calls")
	}
	q3, _ := Queries(150)
	seen := map[string]bool{}
	for _, q := range q3 {
		if seen[q] {
			t.Errorf("Queries(150) asks %q twice", q)
		}
		seen[q] = true
	}
	for _, q := range q1 {
		if !strings.HasSuffix(q, "?") || len(strings.Fields(q)) < 4 {
			t.Errorf("query %q; want a question of several words", q)
		}
	}
}

// BenchmarkGenerateEmbed measures the Go side of the load: generate,
// chunk and embed (hash, all cores), per chunk.
func BenchmarkGenerateEmbed(b *testing.B) {
	c, err := NewCorpus()
	if err != nil {
		b.Fatal(err)
	}
	emb := hash.New(0)
	n := 0
	for b.Loop() {
		var texts []string
		for len(texts) < 1000 {
			cs := ChunkDocument(c.NextDocument())
			for _, ch := range cs {
				texts = append(texts, ch.Text)
			}
		}
		if _, err := emb.Embed(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
		n += len(texts)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkGenerate measures generating and chunking alone.
func BenchmarkGenerate(b *testing.B) {
	c, err := NewCorpus()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		cs := ChunkDocument(c.NextDocument())
		n += len(cs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "chunks/s")
}
