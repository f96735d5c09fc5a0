package hash

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

func embed(t testing.TB, e *Embedder, texts ...string) [][]float32 {
	t.Helper()
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed(%q) error: %v", texts, err)
	}
	if len(vs) != len(texts) {
		t.Fatalf("Embed returned %d vectors for %d texts", len(vs), len(texts))
	}
	return vs
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// checksum rounds each component to 1e-5 so that last-bit differences
// between CPUs (assembly math.Log, fused multiply-add) cannot change it.
func checksum(v []float32) uint64 {
	h := uint64(fnvOffset)
	for _, x := range v {
		q := int64(math.Round(float64(x) * 1e5))
		for range 8 {
			h = fnvByte(h, byte(q))
			q >>= 8
		}
	}
	return h
}

func TestName(t *testing.T) {
	tests := []struct {
		dims     int
		name     string
		wantDims int
	}{
		{0, "hash-v2-512", 512},
		{-3, "hash-v2-512", 512},
		{512, "hash-v2-512", 512},
		{256, "hash-v2-256", 256},
	}
	for _, tt := range tests {
		e := New(tt.dims)
		if e.Name() != tt.name || e.Dimensions() != tt.wantDims {
			t.Errorf("New(%d): Name() = %q, Dimensions() = %d; want %q, %d", tt.dims, e.Name(), e.Dimensions(), tt.name, tt.wantDims)
		}
	}
}

const goldenText = "Britain and Japan agreed on Friday to jointly research a new air-to-air missile, Michael Fallon said in Tokyo."

// goldenSum is the checksum of New(512)'s vector for goldenText. If this
// test fails, the algorithm changed: bump Version (stores built with the
// old vectors must be reindexed) and update the checksum.
const goldenSum = 0xb49c11f5ff7a6f53

func TestGolden(t *testing.T) {
	v := embed(t, New(512), goldenText)[0]
	if got := checksum(v); got != goldenSum {
		t.Errorf("checksum(Embed(%q)) = %#x; want %#x (algorithm changed: bump Version)", goldenText, got, uint64(goldenSum))
	}
}

func TestDeterministic(t *testing.T) {
	texts := []string{goldenText, "P-1 maritime patrol aircraft", "the 2+2 meeting in London", "日本の防衛"}
	a := embed(t, New(512), texts...)
	b := embed(t, New(512), texts...)
	// A batch large enough to run in parallel must give the same vectors.
	var big []string
	for range 40 {
		big = append(big, texts...)
	}
	c := embed(t, New(512), big...)
	for i := range texts {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("Embed(%q)[%d] = %v then %v", texts[i], j, a[i][j], b[i][j])
			}
		}
		for k := i; k < len(big); k += len(texts) {
			for j := range a[i] {
				if a[i][j] != c[k][j] {
					t.Fatalf("batched Embed(%q)[%d] = %v; want %v", texts[i], j, c[k][j], a[i][j])
				}
			}
		}
	}
}

func TestUnitLength(t *testing.T) {
	e := New(512)
	for _, text := range []string{goldenText, "Typhoon", "xyz", strings.Repeat("missile ", 1000), "Ｔｏｋｙｏ 東京"} {
		v := embed(t, e, text)[0]
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(math.Sqrt(n)-1) > 1e-5 {
			t.Errorf("|Embed(%.20q)| = %v; want 1", text, math.Sqrt(n))
		}
	}
}

func TestEmpty(t *testing.T) {
	e := New(64)
	for _, text := range []string{"", "  \n", "who what when is the of", "?!…"} {
		v := embed(t, e, text)[0]
		if len(v) != 64 {
			t.Fatalf("len(Embed(%q)) = %d; want 64", text, len(v))
		}
		for i, x := range v {
			if x != 0 {
				t.Errorf("Embed(%q)[%d] = %v; want the zero vector", text, i, x)
				break
			}
		}
	}
	if vs, err := e.Embed(context.Background(), nil); err != nil || len(vs) != 0 {
		t.Errorf("Embed(nil) = %v, %v; want no vectors, nil", vs, err)
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct {
		query, near, far string
	}{
		{"Micheal Falon", "Michael Fallon", "Typhoon"},
		{"Micheal Fallon", "Michael Fallon", "Philip Hammond"},
		{"Kawaski", "Kawasaki", "Mitsubishi"},
		{"Britain and Japan agreed to study a joint missile",
			"The UK and Japan will jointly research a new air-to-air missile",
			"The weather in Paris was sunny and warm all week"},
		{"Which aircraft did Japan offer Britain?",
			"Japan is pitching its Kawasaki P-1 maritime patrol aircraft to Britain",
			"The ministers also agreed to hold cyber security talks"},
		{"when was the first 2+2 meeting", "the first \"2+2\" meeting of foreign and defence ministers", "a fighter exercise"},
	}
	e := New(512)
	for _, tt := range tests {
		v := embed(t, e, tt.query, tt.near, tt.far)
		near, far := cosine(v[0], v[1]), cosine(v[0], v[2])
		t.Logf("%q: near %.3f far %.3f", tt.query, near, far)
		if near <= far {
			t.Errorf("cos(%q, %q) = %.3f; want more than cos(…, %q) = %.3f", tt.query, tt.near, near, tt.far, far)
		}
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, n := range []int{1, 200} {
		texts := make([]string, n)
		if _, err := New(512).Embed(ctx, texts); !errors.Is(err, context.Canceled) {
			t.Errorf("Embed(canceled, %d texts) error = %v; want context.Canceled", n, err)
		}
	}
}

func TestEmbedConcurrent(t *testing.T) {
	e := New(128)
	want := embed(t, e, goldenText)[0]
	errc := make(chan error, 4)
	for range 4 {
		go func() {
			for range 30 {
				v, err := e.Embed(context.Background(), []string{goldenText})
				if err != nil {
					errc <- err
					return
				}
				for j := range v[0] {
					if v[0][j] != want[j] {
						errc <- fmt.Errorf("concurrent Embed differs at %d", j)
						return
					}
				}
			}
			errc <- nil
		}()
	}
	for range 4 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// chunkText is a typical corpus paragraph.
const chunkText = "Britain and Japan have agreed to jointly research a new air-to-air missile and to hold the first joint Typhoon exercise in Japan, British Defence Secretary Michael Fallon said in Tokyo on Friday after talks with his Japanese counterpart Gen Nakatani. The two countries will also step up cooperation on cyber security."

func BenchmarkEmbed(b *testing.B) {
	e := New(512)
	ctx := context.Background()
	for _, n := range []int{1, 256} {
		texts := make([]string, n)
		for i := range texts {
			texts[i] = fmt.Sprintf("%s %d", chunkText, i)
		}
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			b.SetBytes(int64(n * len(texts[0])))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Embed(ctx, texts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWordCacheRefills checks that a scratch whose word cache has filled
// and been emptied embeds exactly as a fresh one does.
func TestWordCacheRefills(t *testing.T) {
	var words []string
	for i := range maxKnown + 100 {
		words = append(words, "w"+strconv.Itoa(i)+"x")
	}
	// One text holding more words than the cache, so the next one starts
	// by emptying it.
	filler := strings.Join(words, " ")
	e := New(512)
	warm := embed(t, e, filler, goldenText)
	cold := embed(t, New(512), goldenText)
	for j := range cold[0] {
		if warm[1][j] != cold[0][j] {
			t.Fatalf("Embed(goldenText)[%d] after a full cache = %v; want %v", j, warm[1][j], cold[0][j])
		}
	}
}
