package semantic

import (
	"context"
	"fmt"
	"math"

	"github.com/coopbot/coopbot/retrieval"
)

// Version names the sentence-vector algorithm; Name appends the
// dimensions.
const Version = "glove-sif-v1"

// sifA is the smoothing constant of smooth inverse frequency weighting
// (Arora, Liang and Ma, 2017): a word of probability p weighs a/(a+p).
const sifA = 1e-3

// Embedder turns a text into the SIF-weighted mean of its terms' unit
// word vectors, L2-normalized: texts about the same thing in other words
// ("RAF fighter drills" and "Typhoon combat jet exercise") come out close.
// Terms the table does not know contribute nothing; a text with no known
// term embeds to the zero vector.
type Embedder struct {
	vec *Vectors
	a   retrieval.Analyzer
}

var _ retrieval.Embedder = (*Embedder)(nil)

// NewEmbedder returns an Embedder over the embedded table, analyzing
// texts with a (the table is keyed by the snowball analyzer's terms).
func NewEmbedder(a retrieval.Analyzer) (*Embedder, error) {
	v, err := Load()
	if err != nil {
		return nil, err
	}
	return &Embedder{vec: v, a: a}, nil
}

// Name implements retrieval.Embedder.
func (e *Embedder) Name() string { return fmt.Sprintf("%s-%d", Version, e.vec.dims) }

// Dimensions implements retrieval.Embedder.
func (e *Embedder) Dimensions() int { return e.vec.dims }

// Embed implements retrieval.Embedder. It never fails.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return e.each(len(texts), func(i int, acc []float64) {
		for _, term := range e.a.Terms(texts[i]) {
			e.vec.addSIF(acc, term)
		}
	}), nil
}

var _ retrieval.TokenEmbedder = (*Embedder)(nil)

// EmbedTokens implements retrieval.TokenEmbedder.
func (e *Embedder) EmbedTokens(ctx context.Context, texts []string, toks [][]retrieval.Token) ([][]float32, error) {
	if len(toks) != len(texts) {
		return nil, fmt.Errorf("embed: %d token lists for %d texts", len(toks), len(texts))
	}
	return e.each(len(texts), func(i int, acc []float64) {
		for _, t := range toks[i] {
			if t.Term != "" {
				e.vec.addSIF(acc, t.Term)
			}
		}
	}), nil
}

// each makes n unit vectors, adding the i-th's term vectors with add.
func (e *Embedder) each(n int, add func(i int, acc []float64)) [][]float32 {
	out := make([][]float32, n)
	acc := make([]float64, e.vec.dims)
	flat := make([]float32, n*e.vec.dims)
	for i := range out {
		clear(acc)
		add(i, acc)
		var sq float64
		for _, x := range acc {
			sq += x * x
		}
		v := flat[i*e.vec.dims : (i+1)*e.vec.dims : (i+1)*e.vec.dims]
		if sq > 0 {
			sq = math.Sqrt(sq)
			for k, x := range acc {
				v[k] = float32(x / sq)
			}
		}
		out[i] = v
	}
	return out
}

// sifWeight estimates a word's probability from its frequency rank by
// Zipf's law (p ≈ 0.1/(rank+1) over a vocabulary like GloVe's) and
// returns its SIF weight.
func sifWeight(rank int) float64 {
	p := 0.1 / float64(rank+1)
	return sifA / (sifA + p)
}

// Lexicon adapts Vectors to retrieval.Lexicon.
type Lexicon struct{ *Vectors }

var _ retrieval.Lexicon = Lexicon{}

// Known implements retrieval.Lexicon.
func (l Lexicon) Known(term string) bool { return l.Has(term) }

// SpellingWeight is the share of the default embedder's similarity that
// comes from spelling features (the hash embedder); the rest comes from
// meaning. Chosen on the eval dev split (docs/embedding.md).
const SpellingWeight = 0.5

// Blend returns coopbot's default embedder: spelling features (the hash
// embedder, passed in so that adapters stay apart) blended with this
// package's sentence meaning.
func Blend(spelling retrieval.Embedder, a retrieval.Analyzer) (retrieval.Embedder, error) {
	e, err := NewEmbedder(a)
	if err != nil {
		return nil, err
	}
	return retrieval.Blend{Parts: []retrieval.Embedder{spelling, e}, Weights: []float64{SpellingWeight, 1 - SpellingWeight}}, nil
}

// NewLexicon returns the embedded table as a retrieval.Lexicon.
func NewLexicon() (retrieval.Lexicon, error) {
	v, err := Load()
	if err != nil {
		return nil, err
	}
	return Lexicon{v}, nil
}

// Best implements retrieval.Lexicon.
func (l Lexicon) Best(t string, us []string) (float64, int) {
	i, ok := l.index[t]
	if !ok {
		return 0, -1
	}
	best, at := 0.0, -1
	for k, u := range us {
		if u == t {
			return 1, k
		}
		j, ok := l.index[u]
		if !ok {
			continue
		}
		if s := l.dot(int(i), int(j)); at < 0 || s > best {
			best, at = s, k
		}
	}
	return best, at
}

// Similarities implements retrieval.Lexicon. Each term of us is looked up
// once for all of ts.
func (l Lexicon) Similarities(ts, us []string, out [][]float64) {
	idx := make([]int32, len(us))
	for j, u := range us {
		idx[j] = -1
		if k, ok := l.index[u]; ok {
			idx[j] = k
		}
	}
	for i, t := range ts {
		row := out[i]
		ti, ok := l.index[t]
		for j, u := range us {
			switch {
			case u == t:
				row[j] = 1
			case !ok || idx[j] < 0:
				row[j] = 0
			default:
				row[j] = l.dot(int(ti), int(idx[j]))
			}
		}
	}
}
