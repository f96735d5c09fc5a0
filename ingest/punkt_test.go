package ingest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/retrieval"
)

// punktSentences returns the raw sentences of the fast tokenizer as
// [start, end) pairs, as neurosnap's Tokenize forms them.
func punktSentences(s string) [][2]int {
	var out [][2]int
	last := 0
	for _, b := range new(punktState).punktBreaks(nil, s) {
		out = append(out, [2]int{last, b})
		last = b
	}
	if last != len(s) {
		out = append(out, [2]int{last, len(s)})
	}
	return out
}

// checkMatchesRef fails t unless the fast splitter gives the very spans of
// the reference (neurosnap) one on text, both the raw Punkt sentences and
// SplitSentences after the fix-ups.
func checkMatchesRef(t testing.TB, text string) {
	t.Helper()
	if got, want := punktSentences(text), punktSentencesRef(text); !slices.Equal(got, want) {
		t.Fatalf("punktSentences(%q)\n got %v\nwant %v\n%s", text, got, want, firstDiff(text, got, want))
	}
	got, want := SplitSentences(text), splitSentencesPunktRef(text)
	if !slices.Equal(got, want) || (got == nil) != (want == nil) {
		t.Fatalf("SplitSentences(%q)\n got %v\nwant %v\n%s", text, got, want, firstDiff(text, spanPairs(got), spanPairs(want)))
	}
}

func spanPairs(spans []retrieval.Span) [][2]int {
	out := make([][2]int, len(spans))
	for i, sp := range spans {
		out[i] = [2]int{sp.Start, sp.End}
	}
	return out
}

// firstDiff describes the first sentence where got and want part.
func firstDiff(text string, got, want [][2]int) string {
	for i := range max(len(got), len(want)) {
		var g, w [2]int
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("sentence %d: got %q, want %q", i, text[g[0]:g[1]], text[w[0]:w[1]])
		}
	}
	return "nil and empty differ"
}

func TestPunktMatchesReferenceCorpus(t *testing.T) {
	docs, errs := LoadFS(corpus.FS, ".")
	if len(errs) > 0 {
		t.Fatalf("load bundled corpus: %v", errs[0])
	}
	for _, d := range docs {
		checkMatchesRef(t, d.Text)
		for _, para := range strings.Split(d.Text, "\n\n") {
			checkMatchesRef(t, para)
		}
	}
}

// TestPunktMatchesReferenceTestdata runs the differential check on every
// file under testdata: the values of the fuzz seed files, the contents of
// the others.
func TestPunktMatchesReferenceTestdata(t *testing.T) {
	n := 0
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, text := range testdataTexts(t, path, data) {
			checkMatchesRef(t, text)
			for _, para := range strings.Split(text, "\n\n") {
				checkMatchesRef(t, para)
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no texts under testdata")
	}
}

// testdataTexts returns the string and []byte values of a fuzz seed file,
// or the file's contents.
func testdataTexts(t *testing.T, path string, data []byte) []string {
	t.Helper()
	const header = "go test fuzz v1\n"
	if !bytes.HasPrefix(data, []byte(header)) {
		return []string{string(data)}
	}
	var out []string
	for _, line := range strings.Split(string(data[len(header):]), "\n") {
		for _, prefix := range []string{"string(", "[]byte("} {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
				if err != nil {
					t.Fatalf("%s: value %q: %v", path, line, err)
				}
				out = append(out, s)
			}
		}
	}
	return out
}

// TestPunktMatchesReferenceGenerated compares the splitters on bench-like
// documents, whole and paragraph by paragraph (as Chunk calls it), and on
// short noisy texts.
func TestPunktMatchesReferenceGenerated(t *testing.T) {
	n := 2000
	if raceEnabled || testing.Short() {
		n = 300
	}
	g := newPunktGen(t, 1)
	for range n {
		doc := g.document()
		checkMatchesRef(t, doc)
		for _, para := range strings.Split(doc, "\n\n") {
			checkMatchesRef(t, para)
		}
	}
	for range 10 * n {
		checkMatchesRef(t, g.noise())
		checkMatchesRef(t, g.soup(1+g.rng.IntN(12)))
	}
}

// TestPunktMatchesReferenceLong checks a text of several tokenizer
// windows, whose cuts fall at arbitrary places.
func TestPunktMatchesReferenceLong(t *testing.T) {
	g := newPunktGen(t, 2)
	var b strings.Builder
	for b.Len() < 3*sentenceWindow+5000 {
		b.WriteString(g.document())
		b.WriteString("\n\n")
	}
	checkMatchesRef(t, b.String())
	checkMatchesRef(t, strings.Repeat("a.", sentenceWindow))
	checkMatchesRef(t, strings.Repeat("U.S. ", sentenceWindow/3))
}

func TestPunktCases(t *testing.T) {
	for _, text := range punktSeeds {
		checkMatchesRef(t, text)
	}
}

// TestPunktConcurrent splits from several goroutines at once (the pooled
// state must not leak between calls).
func TestPunktConcurrent(t *testing.T) {
	g := newPunktGen(t, 3)
	paras := make([]string, 200)
	want := make([][]retrieval.Span, len(paras))
	for i := range paras {
		paras[i] = g.paragraph()
		want[i] = splitSentencesPunktRef(paras[i])
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range paras {
				i = (i + w*50) % len(paras)
				if got := SplitSentences(paras[i]); !slices.Equal(got, want[i]) {
					t.Errorf("SplitSentences(%q) = %v; want %v", paras[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// punktSeeds are texts with what trips the tokenizer; they seed the fuzz
// target too.
var punktSeeds = []string{
	"",
	" ",
	"é",
	"日本",
	"a",
	"A.",
	"Hello é",
	"Hello 日本。x",
	"日本。a",
	"x。",
	"Mr. Fallon met Gen. Nakatani on Jan. 8. The U.S. agreed. 2. The second item",
	"“Quoted.” (Bracketed.) Dr. No. 5 p. 7 e.g. this… and that?! Yes.",
	"日本と英国。 Second sentence.\u2028Third\u00a0one.",
	"J. R. R. Tolkien wrote it. J.R.R. Tolkien too. A. B. Smith agreed.",
	"The U.S. has been a partner. The U.S. Navy agreed with U.S. officials. He lives in the U.S. The end.",
	"No. 10 said so. It rose 3.5 per cent in 2015. The next year, on Jan. 8. The talks.",
	"He said… and then. . . nothing. Really?! Yes!? “Fine.” ‘Fine.’ (Fine.) [Fine.]",
	"Café. Naïve. Émile said “non.” the end. Abe’s. 日本の防衛省。英国！本当？はい；終わり",
	"1. First item. 2. The second item. 3. Third. 10) Tenth. 4a. Fourth.",
	"N°. 5 is here. 1.2.3. Then. The 1,000. The -3.5. End. ##number##. The.",
	"İnsp. Smith met MR. Jones and ST. John. Ms. Lee. ß. Ω. ǅ. ﬁne. The.",
	"Caf\xe9. \xff\xfe A. B.\x00 C.",
	"... . .. .... ?! ...",
	"e.g. this and i.e. that. a.m. and p.m. The end etc. The F.B.I. said so.",
	"It was 12:30 p.m. The train left. At 8 a.m. Tom arrived.",
	"He said \"Yes.\" She said 'No.' They said (maybe.) It ended.",
	"x.\"y z.'w a?[b c![d e.(f g.[h",
	"1\n2\r3\t4\v5\f6\u00857\u00a08\u20039\u3000.",
	"on Jan. 8. “The next day” in 2015. ‘The’ 3,000. (The) 5. [The] 7.\tThe",
}

func FuzzPunktMatchesReference(f *testing.F) {
	for _, s := range punktSeeds {
		f.Add(s)
	}
	g := newPunktGen(f, 4)
	for range 20 {
		f.Add(g.paragraph())
		f.Add(g.noise())
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkMatchesRef(t, text)
	})
}

// BenchmarkSplitSentences splits bench-like paragraphs with the fast
// tokenizer ("punkt") and the reference ("neurosnap"); ns/op is per
// paragraph.
func BenchmarkSplitSentences(b *testing.B) {
	g := newPunktGen(b, 5)
	paras := make([]string, 1000)
	size := 0
	for i := range paras {
		paras[i] = g.paragraph()
		size += len(paras[i])
	}
	for _, bc := range []struct {
		name  string
		split func(string) []retrieval.Span
	}{
		{"punkt", SplitSentences},
		{"neurosnap", splitSentencesPunktRef},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size / len(paras)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				bc.split(paras[i%len(paras)])
				i++
			}
		})
	}
}
