package bench

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// TestStreamSharesAnalysis checks that a Stream that analyzes each chunk
// once writes the vectors and terms that embedding and analyzing the
// chunk's text separately give, for exactly the chunks asked for.
func TestStreamSharesAnalysis(t *testing.T) {
	a := snowball.New()
	emb, err := semantic.Blend(hash.New(0), a)
	if err != nil {
		t.Fatal(err)
	}
	const chunks = 700 // cuts the last batch's last document short
	var (
		mu   sync.Mutex
		docs []postgres.BulkDocument
	)
	st, err := Stream(context.Background(), StreamOptions{Chunks: chunks, BatchChunks: 200, Embedder: emb, Analyzer: a},
		func(_ context.Context, batch []postgres.BulkDocument) error {
			mu.Lock()
			defer mu.Unlock()
			docs = append(docs, batch...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		if len(d.Terms) != len(d.Chunks) {
			t.Fatalf("document %s: terms of %d chunks; want its %d", d.Document.ID, len(d.Terms), len(d.Chunks))
		}
		for j, c := range d.Chunks {
			n++
			if want := a.Terms(c.Text); !slices.Equal(d.Terms[j], want) {
				t.Errorf("chunk %s/%d terms = %q; want %q", d.Document.ID, j, d.Terms[j], want)
			}
			want, err := emb.Embed(context.Background(), []string{c.Text})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Vector, want[0]) {
				t.Errorf("chunk %s/%d vector differs from Embed of its text", d.Document.ID, j)
			}
		}
	}
	if n != chunks || st.Chunks != chunks {
		t.Errorf("Stream wrote %d chunks (stats %d); want %d", n, st.Chunks, chunks)
	}
}
