package memory

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// BenchmarkSearch measures one search over 10,000 chunks of 512
// dimensions with ~60-word texts.
func BenchmarkSearch(b *testing.B) {
	const chunks, dims, perDoc = 10_000, 512, 20
	words := strings.Fields("britain japan missile typhoon exercise cyber security defence minister tokyo london aircraft patrol kawasaki study research joint agreement industry export equipment navy army air force secretary foreign meeting talks cooperation partner asia pacific china korea treaty")
	rng := rand.New(rand.NewPCG(7, 11))
	s := New(snowball.New())
	ctx := context.Background()
	for d := 0; d < chunks/perDoc; d++ {
		var paras []string
		var vecs [][]float32
		for range perDoc {
			var sb strings.Builder
			for w := range 60 {
				if w > 0 {
					sb.WriteByte(' ')
				}
				sb.WriteString(words[rng.IntN(len(words))])
			}
			fmt.Fprintf(&sb, " w%d", rng.IntN(5000))
			paras = append(paras, sb.String())
			vecs = append(vecs, randUnit(rng, dims))
		}
		doc, cs := makeDoc(fmt.Sprintf("doc%04d", d), paras, vecs)
		if err := s.PutDocument(ctx, doc, cs, emb, dims); err != nil {
			b.Fatal(err)
		}
	}
	q := retrieval.Query{Text: "What did the UK and Japan agree about a joint missile study in w42?", Vector: randUnit(rng, dims), Embedder: emb, Dimensions: dims, K: 8, Candidates: 50}
	b.ReportAllocs()
	for b.Loop() {
		if hits, err := s.Search(ctx, q); err != nil || len(hits) != q.K {
			b.Fatalf("Search = %d hits, %v", len(hits), err)
		}
	}
}

func randUnit(rng *rand.Rand, dims int) []float32 {
	v := make([]float32, dims)
	var n float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		n += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}
