package retrieval

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Blend is an Embedder that concatenates the vectors of its parts, each
// L2-normalized and scaled by the square root of its weight, so that the
// cosine of two blended vectors is the weighted mean of the parts'
// cosines (weights summing to 1). It lets a semantic sentence vector
// stand beside the hash embedder's spelling features.
type Blend struct {
	Parts   []Embedder
	Weights []float64 // one per part, summing to 1
}

// Name is the parts' names with their weights, e.g.
// "hash-v2-512@0.50+glove-sif-v1-100@0.50".
func (b Blend) Name() string {
	names := make([]string, len(b.Parts))
	for i, p := range b.Parts {
		names[i] = fmt.Sprintf("%s@%.2f", p.Name(), b.Weights[i])
	}
	return strings.Join(names, "+")
}

// Dimensions is the sum of the parts' dimensions, or 0 while any part
// does not know its own.
func (b Blend) Dimensions() int {
	n := 0
	for _, p := range b.Parts {
		d := p.Dimensions()
		if d == 0 {
			return 0
		}
		n += d
	}
	return n
}

// Embed implements Embedder. A text that a part embeds to the zero
// vector gets zeros in that part's coordinates.
func (b Blend) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return b.embed(len(texts), func(p Embedder) ([][]float32, error) { return p.Embed(ctx, texts) })
}

var _ TokenEmbedder = Blend{}

// EmbedTokens implements TokenEmbedder: parts that are TokenEmbedders
// embed from toks, the others from texts.
func (b Blend) EmbedTokens(ctx context.Context, texts []string, toks [][]Token) ([][]float32, error) {
	if len(toks) != len(texts) {
		return nil, fmt.Errorf("blend: %d token lists for %d texts", len(toks), len(texts))
	}
	return b.embed(len(texts), func(p Embedder) ([][]float32, error) {
		if te, ok := p.(TokenEmbedder); ok {
			return te.EmbedTokens(ctx, texts, toks)
		}
		return p.Embed(ctx, texts)
	})
}

// embed concatenates the parts' n vectors, each part's made by part and
// scaled to the square root of its weight.
func (b Blend) embed(n int, part func(Embedder) ([][]float32, error)) ([][]float32, error) {
	if len(b.Weights) != len(b.Parts) {
		return nil, fmt.Errorf("blend: %d weights for %d parts", len(b.Weights), len(b.Parts))
	}
	out := make([][]float32, n)
	dims := b.Dimensions()
	for i, p := range b.Parts {
		vecs, err := part(p)
		if err != nil {
			return nil, fmt.Errorf("blend %s: %w", p.Name(), err)
		}
		if len(vecs) != n {
			return nil, fmt.Errorf("blend %s: %d vectors for %d texts", p.Name(), len(vecs), n)
		}
		scale := math.Sqrt(b.Weights[i])
		for j, v := range vecs {
			var sq float64
			for _, x := range v {
				sq += float64(x) * float64(x)
			}
			f := 0.0
			if sq > 0 {
				f = scale / math.Sqrt(sq)
			}
			if out[j] == nil {
				out[j] = make([]float32, 0, dims)
			}
			for _, x := range v {
				out[j] = append(out[j], float32(float64(x)*f))
			}
		}
	}
	return out, nil
}
