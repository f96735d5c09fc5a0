package semantic_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// The embedded table is the one the generator wrote: its SHA-256 is the
// one internal/gen recorded in vectors.sha256.
func TestVectorsChecksum(t *testing.T) {
	data, err := os.ReadFile("vectors.bin")
	if err != nil {
		t.Fatal(err)
	}
	line, err := os.ReadFile("vectors.sha256")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want, _, _ := strings.Cut(string(line), " ")
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("vectors.bin SHA-256 = %s; vectors.sha256 records %s: regenerate with go run ./retrieval/semantic/internal/gen", got, want)
	}
	if len(data) > 10<<20 {
		t.Errorf("vectors.bin is %d bytes; keep it under 10 MiB", len(data))
	}
}

func TestDecodeRejectsBadFiles(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("CBWV1\n"), []byte("not a vector file at all"), append([]byte("CBWV1\n\x01\x00\x00\x00\x02\x00\x00\x00"), 3, 'a', 'b')} {
		if _, err := semantic.Decode(b); err == nil {
			t.Errorf("Decode(%q) = nil error; want one", b)
		}
	}
}

func load(t testing.TB) *semantic.Vectors {
	t.Helper()
	v, err := semantic.Load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Similar meanings score above unrelated ones, by analyzer term.
func TestSimilarity(t *testing.T) {
	v := load(t)
	stem := snowball.Stem
	tests := []struct{ a, b, c, d string }{ // sim(a,b) > sim(c,d)
		{"fighter", "jet", "fighter", "banana"},
		{"plane", "aircraft", "plane", "treaty"},
		{"buy", "purchase", "buy", "missile"},
		{"defense", "defence", "defense", "weather"},
		{"minister", "secretary", "minister", "rain"},
	}
	for _, tt := range tests {
		if s1, s2 := v.Similarity(stem(tt.a), stem(tt.b)), v.Similarity(stem(tt.c), stem(tt.d)); s1 <= s2 {
			t.Errorf("Similarity(%s, %s) = %.2f; want above Similarity(%s, %s) = %.2f", tt.a, tt.b, s1, tt.c, tt.d, s2)
		}
	}
	if s := v.Similarity("exercis", "exercis"); s != 1 {
		t.Errorf("Similarity(x, x) = %v; want 1", s)
	}
	if s := v.Similarity("zzqxjnaamzz", "exercis"); s != 0 {
		t.Errorf("Similarity(unknown, x) = %v; want 0", s)
	}
}

// The words of the bundled corpus are in the table, but for the few GloVe
// does not know (codes, slips such as "Kawaski", joined compounds).
func TestCorpusWordsKnown(t *testing.T) {
	v := load(t)
	a := snowball.New()
	known, all := 0, 0
	fs.WalkDir(corpus.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(corpus.FS, p)
		for _, term := range a.Terms(string(b)) {
			all++
			if v.Has(term) {
				known++
			}
		}
		return nil
	})
	if share := float64(known) / float64(all); share < 0.9 {
		t.Errorf("%d of %d corpus terms (%.2f) have vectors; want at least 0.9", known, all, share)
	}
}

func TestEmbedder(t *testing.T) {
	e, err := semantic.NewEmbedder(snowball.New())
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "glove-sif-v1-100" || e.Dimensions() != 100 {
		t.Errorf("Name, Dimensions = %q, %d; want glove-sif-v1-100, 100", e.Name(), e.Dimensions())
	}
	vecs, err := e.Embed(context.Background(), []string{
		"Are RAF fighters going to Japan for drills?",
		"The British are considering sending Typhoon combat jets to Japan for an exercise.",
		"Who won the football world cup final?",
		"zzqx qqzx",
	})
	if err != nil {
		t.Fatal(err)
	}
	cos := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	if near, far := cos(vecs[0], vecs[1]), cos(vecs[0], vecs[2]); near <= far {
		t.Errorf("cos(question, its answer) = %.2f; want above cos(question, football) = %.2f", near, far)
	}
	var n float64
	for _, x := range vecs[1] {
		n += float64(x) * float64(x)
	}
	if math.Abs(n-1) > 1e-5 {
		t.Errorf("|vector|² = %v; want 1", n)
	}
	for _, x := range vecs[3] {
		if x != 0 {
			t.Fatalf("a text of unknown words embeds to %v; want the zero vector", vecs[3])
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile("vectors.bin")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := semantic.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEmbedTokens checks that embedding from the analyzer's tokens gives
// exactly the vectors of embedding the texts, for each embedder of the
// default blend and the blend itself, and that the tokens' terms are the
// analyzer's Terms.
func TestEmbedTokens(t *testing.T) {
	a := snowball.New()
	texts := []string{
		"The UK-Japan 2+2 talks: Britain's Foreign Secretary, Boris Johnson, met Fumio Kishida.",
		"P-8s and P-1s fly; the MoD's £1,000 million co-operation programme",
		"", "the of and", "日本の防衛 Ｔｙｐｈｏｏｎ", "RAF RAF RAF drills drills",
	}
	fs.WalkDir(corpus.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(corpus.FS, p)
		texts = append(texts, strings.Split(string(b), "\n\n")...)
		return nil
	})
	toks := make([][]retrieval.Token, len(texts))
	for i, text := range texts {
		toks[i] = a.Tokens(text)
		var terms []string
		for _, tk := range toks[i] {
			if tk.Term != "" {
				terms = append(terms, tk.Term)
			}
		}
		if got, want := strings.Join(terms, " "), strings.Join(a.Terms(text), " "); got != want {
			t.Errorf("terms of Tokens(%q) = %q; want Terms %q", text, got, want)
		}
	}
	sem, err := semantic.NewEmbedder(a)
	if err != nil {
		t.Fatal(err)
	}
	blend, err := semantic.Blend(hash.New(0), a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, e := range []retrieval.TokenEmbedder{hash.New(0), sem, blend.(retrieval.TokenEmbedder)} {
		want, err := e.Embed(ctx, texts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.EmbedTokens(ctx, texts, toks)
		if err != nil {
			t.Fatal(err)
		}
		for i := range texts {
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("%s: EmbedTokens(%q)[%d] = %v; want Embed's %v", e.Name(), texts[i], j, got[i][j], want[i][j])
				}
			}
		}
		if _, err := e.EmbedTokens(ctx, texts, toks[1:]); err == nil {
			t.Errorf("%s: EmbedTokens with one token list too few succeeded; want an error", e.Name())
		}
	}
}
