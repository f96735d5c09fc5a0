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
	out := make([][]float32, len(texts))
	acc := make([]float64, e.vec.dims)
	for i, t := range texts {
		clear(acc)
		for _, term := range e.a.Terms(t) {
			if r, ok := e.vec.Rank(term); ok {
				e.vec.AddTo(acc, term, sifWeight(r))
			}
		}
		var n float64
		for _, x := range acc {
			n += x * x
		}
		v := make([]float32, e.vec.dims)
		if n > 0 {
			n = math.Sqrt(n)
			for k, x := range acc {
				v[k] = float32(x / n)
			}
		}
		out[i] = v
	}
	return out, nil
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
