// Package hash is coopbot's default embedder: deterministic signed feature
// hashing of words, word pairs and character n-grams. It needs no model,
// no network and no training, gives the same vector for the same text on
// every run and machine, and keeps misspelt names ("Micheal Falon") close
// to the right spelling ("Michael Fallon").
//
// # Algorithm (version hash-v2)
//
// The text is split by the Snowball analyzer (retrieval/snowball) into
// folded words (NFKC, case-folded); stop words are dropped. Each remaining
// word contributes these features:
//
//   - its Snowball stem, weight 1.0 (namespace byte 'w');
//   - the pair "previous stem, this stem" of consecutive content words,
//     weight 0.6 (namespace 'b', the two stems separated by a 0 byte);
//   - the character 3-, 4- and 5-grams (counted in runes) of the unstemmed
//     word padded as "<word>", namespace 'c', each weighted 0.5/√G where
//     G is the word's number of grams, so the grams of one word together
//     weigh 0.5 in L2 norm. Joined compounds ("p1" for "P-1"), numbers and
//     one-rune words contribute no character grams.
//
// Term frequency is sublinear: a stem or stem pair seen n times with total
// weight W gets the value (W/n)·(1+ln n), and the grams of a word seen n
// times are scaled by 1+ln n. A feature's key — the namespace byte
// followed by the feature's UTF-8 bytes — is hashed with 64-bit FNV-1a and
// then mixed by the SplitMix64 finalizer; the hash modulo the dimensions
// picks the coordinate and the top bit the sign (set: subtract). Values
// are added in order of first occurrence (stems and pairs, then each
// distinct word's grams), and the vector is L2-normalized.
//
// A text with no content words (empty, or only stop words) embeds to the
// zero vector; its cosine similarity with any vector is defined as 0.
//
// hash-v2 differs from hash-v1 only through the analyzer: acronyms keep
// their letters ("IEDs" is "ied", not "i") and a plural "s" after a digit
// goes ("P-8s" is "p8").
//
// Changing any of this changes the vectors: bump Version, so stores built
// with the old vectors refuse queries (EMISMATCH) until reindexed.
package hash

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// Version names the algorithm; Name appends the dimensions.
const Version = "hash-v2"

// DefaultDims is the vector length New uses when given dims <= 0.
const DefaultDims = 512

// Feature weights (see the package documentation).
const (
	unigramWeight = 1.0
	bigramWeight  = 0.6
	charWeight    = 0.5 // total weight of one word's character n-grams
	minGram       = 3
	maxGram       = 5
)

// parallelMin is the batch size from which Embed spreads work across
// GOMAXPROCS goroutines.
const parallelMin = 32

var _ retrieval.Embedder = (*Embedder)(nil)

// Embedder implements retrieval.Embedder by feature hashing. It is safe for
// concurrent use.
type Embedder struct {
	dims int
	pool sync.Pool // *scratch
}

// New returns an Embedder making vectors of length dims (DefaultDims when
// dims <= 0).
func New(dims int) *Embedder {
	if dims <= 0 {
		dims = DefaultDims
	}
	return &Embedder{dims: dims}
}

// Name returns "hash-v2-<dims>", e.g. "hash-v2-512".
func (e *Embedder) Name() string { return Version + "-" + strconv.Itoa(e.dims) }

// Dimensions returns the vector length.
func (e *Embedder) Dimensions() int { return e.dims }

// Embed returns one unit-length vector per text, in order; a text without
// content words gets the zero vector. The vectors of one call share a
// backing array but never overlap. Embed fails only when ctx is done
// (the error wraps ctx.Err()). Large batches are spread across
// runtime.GOMAXPROCS goroutines.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	d := e.dims
	flat := make([]float32, len(texts)*d)
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	workers := min(runtime.GOMAXPROCS(0), len(texts)/(parallelMin/2))
	if len(texts) < parallelMin || workers < 2 {
		s := e.getScratch()
		defer e.pool.Put(s)
		for i, t := range texts {
			if i%64 == 63 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("embed: %w", err)
				}
			}
			s.embed(t, out[i])
		}
		return out, nil
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.getScratch()
			defer e.pool.Put(s)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(texts) {
					return
				}
				s.embed(texts[i], out[i])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	return out, nil
}

func (e *Embedder) getScratch() *scratch {
	if s, ok := e.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{
		dims:  e.dims,
		feats: make(map[uint64]feature, 256),
		words: make(map[string]int32, 128),
		acc:   make([]float64, e.dims),
	}
}

// feature accumulates the occurrences of one hashed feature.
type feature struct {
	n int32   // occurrences
	w float64 // summed weight
}

// scratch holds one goroutine's reusable buffers.
type scratch struct {
	dims   int
	toks   []snowball.Token
	feats  map[uint64]feature
	order  []uint64         // feature keys in order of first occurrence
	words  map[string]int32 // occurrences of each content word
	worder []string         // content words in order of first occurrence
	acc    []float64
	buf    []byte
	offs   []int
}

func (s *scratch) add(h uint64, w float64) {
	f, ok := s.feats[h]
	if !ok {
		s.order = append(s.order, h)
	}
	f.n++
	f.w += w
	s.feats[h] = f
}

// embed writes the unit vector of text into dst (len dims, zeroed).
func (s *scratch) embed(text string, dst []float32) {
	s.toks = snowball.AppendTokens(s.toks[:0], text)
	defer func() {
		clear(s.toks) // drop references into text
		clear(s.feats)
		clear(s.words)
		clear(s.worder)
		s.toks, s.order, s.worder = s.toks[:0], s.order[:0], s.worder[:0]
	}()
	prev := ""
	for _, t := range s.toks {
		if snowball.StopWord(t.Text) {
			continue
		}
		stem := snowball.Stem(t.Text)
		s.add(hashString('w', stem), unigramWeight)
		if prev != "" {
			h := fnvByte(fnvOffset, 'b')
			h = fnvString(h, prev)
			h = fnvByte(h, 0)
			h = fnvString(h, stem)
			s.add(mix(h), bigramWeight)
		}
		prev = stem
		if !t.Compound {
			n, ok := s.words[t.Text]
			if !ok {
				s.worder = append(s.worder, t.Text)
			}
			s.words[t.Text] = n + 1
		}
	}
	if len(s.order) == 0 {
		return
	}
	acc := s.acc
	clear(acc)
	d := uint64(s.dims)
	for _, h := range s.order {
		f := s.feats[h]
		v := f.w / float64(f.n)
		if f.n > 1 {
			v *= 1 + math.Log(float64(f.n))
		}
		if h>>63 != 0 {
			v = -v
		}
		acc[h%d] += v
	}
	for _, w := range s.worder {
		tf := float64(s.words[w])
		s.charGrams(w, 1+math.Log(tf))
	}
	var sum float64
	for _, v := range acc {
		sum += float64(v * v) // explicit conversion: no fused multiply-add
	}
	if sum > 0 {
		inv := 1 / math.Sqrt(sum)
		for i, v := range acc {
			dst[i] = float32(v * inv)
		}
	}
}

// charGrams adds the character n-grams of word padded as "<word>" to the
// accumulator, each weighted scale·charWeight/√G.
func (s *scratch) charGrams(word string, scale float64) {
	letters := false
	for i := 0; i < len(word); i++ {
		if c := word[i]; c >= 0x80 || c >= 'a' && c <= 'z' {
			letters = true
			break
		}
	}
	if !letters {
		return
	}
	s.buf = append(append(append(s.buf[:0], '<'), word...), '>')
	s.offs = s.offs[:0]
	for i := range string(s.buf) {
		s.offs = append(s.offs, i)
	}
	runes := len(s.offs)
	if runes <= 3 { // "<x>": a one-rune word
		return
	}
	s.offs = append(s.offs, len(s.buf))
	grams := 0
	for n := minGram; n <= maxGram; n++ {
		grams += max(0, runes-n+1)
	}
	w := scale * charWeight / math.Sqrt(float64(grams))
	d := uint64(s.dims)
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n <= runes; i++ {
			h := fnvByte(fnvOffset, 'c')
			h = mix(fnvBytes(h, s.buf[s.offs[i]:s.offs[i+n]]))
			if h>>63 != 0 {
				s.acc[h%d] -= w
			} else {
				s.acc[h%d] += w
			}
		}
	}
}

// 64-bit FNV-1a.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

func hashString(ns byte, s string) uint64 { return mix(fnvString(fnvByte(fnvOffset, ns), s)) }

// mix is the SplitMix64 finalizer; it spreads FNV's weak high bits.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
