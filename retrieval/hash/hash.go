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
	"strings"
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
	// free holds idle scratches. Not a sync.Pool: a pool is emptied by
	// every other garbage collection, and a bulk load collects often,
	// which would throw away the scratches' word caches with them.
	mu   sync.Mutex
	free []*scratch
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
	return e.run(ctx, len(texts), func(s *scratch, i int, dst []float32) { s.embed(texts[i], dst) })
}

var _ retrieval.TokenEmbedder = (*Embedder)(nil)

// EmbedTokens implements retrieval.TokenEmbedder: toks[i] must be the
// snowball analyzer's Tokens(texts[i]).
func (e *Embedder) EmbedTokens(ctx context.Context, texts []string, toks [][]retrieval.Token) ([][]float32, error) {
	if len(toks) != len(texts) {
		return nil, fmt.Errorf("embed: %d token lists for %d texts", len(toks), len(texts))
	}
	return e.run(ctx, len(texts), func(s *scratch, i int, dst []float32) { s.embedTokens(toks[i], dst) })
}

// run makes n vectors with one, spreading large batches across
// goroutines, each with its own scratch.
func (e *Embedder) run(ctx context.Context, n int, one func(s *scratch, i int, dst []float32)) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	d := e.dims
	flat := make([]float32, n*d)
	out := make([][]float32, n)
	for i := range out {
		out[i] = flat[i*d : (i+1)*d : (i+1)*d]
	}
	workers := min(runtime.GOMAXPROCS(0), n/(parallelMin/2))
	if n < parallelMin || workers < 2 {
		s := e.getScratch()
		defer e.putScratch(s)
		for i := range n {
			if i%64 == 63 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("embed: %w", err)
				}
			}
			one(s, i, out[i])
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
			defer e.putScratch(s)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				one(s, i, out[i])
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
	e.mu.Lock()
	if n := len(e.free); n > 0 {
		s := e.free[n-1]
		e.free = e.free[:n-1]
		e.mu.Unlock()
		return s
	}
	e.mu.Unlock()
	return &scratch{
		dims:  e.dims,
		feats: make(map[uint64]feature, 256),
		words: make(map[*word]int32, 128),
		known: make(map[string]*word, 1024),
		acc:   make([]float64, e.dims),
	}
}

// putScratch keeps s for the next Embed, up to twice GOMAXPROCS
// scratches: more than that were only needed for a burst of concurrent
// calls.
func (e *Embedder) putScratch(s *scratch) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.free) < 2*runtime.GOMAXPROCS(0) {
		e.free = append(e.free, s)
	}
}

// feature accumulates the occurrences of one hashed feature.
type feature struct {
	n int32   // occurrences
	w float64 // summed weight
}

// maxKnown bounds a scratch's word cache. Text follows Zipf's law, so a
// few thousand words are most of any corpus; a cache that fills is
// emptied and refilled rather than grown.
const maxKnown = 1 << 13

// word is what embedding needs of one folded word, computed once per
// scratch: the stem, its unigram hash, and where the word's character
// n-grams land. Caching it is what makes a bulk load's embedding cheap:
// stemming and hashing every gram of every occurrence cost more than the
// rest of the embedding together.
type word struct {
	stop  bool
	stem  string
	hash  uint64   // hashString('w', stem)
	grams []uint32 // coordinate of each gram in order, top bit set to subtract
}

// scratch holds one goroutine's reusable buffers.
type scratch struct {
	dims   int
	toks   []snowball.Token
	feats  map[uint64]feature
	order  []uint64        // feature keys in order of first occurrence
	words  map[*word]int32 // occurrences of each content word
	worder []*word         // content words in order of first occurrence
	prev   string          // the stem of the text's last content word
	known  map[string]*word
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

// lookup returns the cached facts of the folded word w. Within one text
// a word always gets the same *word: finish empties a full cache between
// texts.
func (s *scratch) lookup(w string) *word {
	if k, ok := s.known[w]; ok {
		return k
	}
	w = strings.Clone(w) // the token points into the caller's text
	k := &word{stop: snowball.StopWord(w)}
	if !k.stop {
		k.stem = snowball.Stem(w)
		k.hash = hashString('w', k.stem)
		k.grams = s.gramCoords(w)
	}
	s.known[w] = k
	return k
}

// embed writes the unit vector of text into dst (len dims, zeroed).
func (s *scratch) embed(text string, dst []float32) {
	s.toks = snowball.AppendTokens(s.toks[:0], text)
	for _, t := range s.toks {
		s.word(t.Text, t.Compound)
	}
	clear(s.toks) // drop references into text
	s.toks = s.toks[:0]
	s.finish(dst)
}

// embedTokens is embed of the text toks were made from.
func (s *scratch) embedTokens(toks []retrieval.Token, dst []float32) {
	for _, t := range toks {
		s.word(t.Word, t.Joined)
	}
	s.finish(dst)
}

// word adds the features of the text's next folded word.
func (s *scratch) word(w string, joined bool) {
	k := s.lookup(w)
	if k.stop {
		return
	}
	s.add(k.hash, unigramWeight)
	if s.prev != "" {
		h := fnvByte(fnvOffset, 'b')
		h = fnvString(h, s.prev)
		h = fnvByte(h, 0)
		h = fnvString(h, k.stem)
		s.add(mix(h), bigramWeight)
	}
	s.prev = k.stem
	if !joined {
		n, ok := s.words[k]
		if !ok {
			s.worder = append(s.worder, k)
		}
		s.words[k] = n + 1
	}
}

// finish writes the vector of the words added since the last finish into
// dst and resets s for the next text.
func (s *scratch) finish(dst []float32) {
	defer func() {
		clear(s.feats)
		clear(s.words)
		clear(s.worder)
		s.order, s.worder, s.prev = s.order[:0], s.worder[:0], ""
		if len(s.known) >= maxKnown {
			clear(s.known)
		}
	}()
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
	for _, k := range s.worder {
		if len(k.grams) == 0 {
			continue
		}
		tf := float64(s.words[k])
		w := (1 + math.Log(tf)) * charWeight / math.Sqrt(float64(len(k.grams)))
		for _, c := range k.grams {
			if c&subtract != 0 {
				acc[c&^subtract] -= w
			} else {
				acc[c] += w
			}
		}
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

// subtract marks a gram coordinate whose hash has its top bit set.
const subtract = 1 << 31

// gramCoords returns the coordinates of the character n-grams of word
// padded as "<word>", in the order they are added, each with subtract set
// when its hash's top bit is; nil for a word without grams (no letters,
// or a single rune).
func (s *scratch) gramCoords(word string) []uint32 {
	letters := false
	for i := 0; i < len(word); i++ {
		if c := word[i]; c >= 0x80 || c >= 'a' && c <= 'z' {
			letters = true
			break
		}
	}
	if !letters {
		return nil
	}
	s.buf = append(append(append(s.buf[:0], '<'), word...), '>')
	s.offs = s.offs[:0]
	for i := range string(s.buf) {
		s.offs = append(s.offs, i)
	}
	runes := len(s.offs)
	if runes <= 3 { // "<x>": a one-rune word
		return nil
	}
	s.offs = append(s.offs, len(s.buf))
	grams := 0
	for n := minGram; n <= maxGram; n++ {
		grams += max(0, runes-n+1)
	}
	coords := make([]uint32, 0, grams)
	d := uint64(s.dims)
	for n := minGram; n <= maxGram; n++ {
		for i := 0; i+n <= runes; i++ {
			h := fnvByte(fnvOffset, 'c')
			h = mix(fnvBytes(h, s.buf[s.offs[i]:s.offs[i+n]]))
			c := uint32(h % d)
			if h>>63 != 0 {
				c |= subtract
			}
			coords = append(coords, c)
		}
	}
	return coords
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
