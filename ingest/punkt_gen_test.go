package ingest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/corpus"
)

// punktGen makes bench-like text for the differential tests: paragraphs
// of sentences from the bundled corpus, varied, mixed with generated
// sentences full of what trips sentence splitters (abbreviations,
// initials, numbers, quotes, ellipses, brackets, non-ASCII), and "token
// soups" of such pieces. It mirrors bench.NewCorpus, which an ingest test
// cannot import.
type punktGen struct {
	rng  *rand.Rand
	pool []string
}

func newPunktGen(tb testing.TB, seed uint64) *punktGen {
	tb.Helper()
	return &punktGen{rng: rand.New(rand.NewPCG(seed, 7)), pool: corpusSentences(tb)}
}

// corpusSentences returns the sentences of the bundled corpus, split by
// the reference splitter.
func corpusSentences(tb testing.TB) []string {
	tb.Helper()
	var pool []string
	for _, para := range corpusParagraphs(tb) {
		for _, sp := range splitSentencesPunktRef(para) {
			pool = append(pool, para[sp.Start:sp.End])
		}
	}
	if len(pool) == 0 {
		tb.Fatal("bundled corpus has no sentences")
	}
	return pool
}

// corpusParagraphs returns the paragraphs of the bundled corpus.
func corpusParagraphs(tb testing.TB) []string {
	tb.Helper()
	docs, errs := LoadFS(corpus.FS, ".")
	if len(errs) > 0 {
		tb.Fatalf("load bundled corpus: %v", errs[0])
	}
	var paras []string
	for _, d := range docs {
		paras = append(paras, strings.Split(d.Text, "\n\n")...)
	}
	return paras
}

var (
	genNames   = strings.Fields(`Akira Haruto Kenji Yuki Sakura James Oliver Amelia George Harry Sato Suzuki Smith Jones Fallon Nakatani Hammond Kishida Abe Émile Zoë Łukasz`)
	genPlaces  = strings.Fields(`Tokyo London Yokosuka Portsmouth Kure Plymouth Okinawa Washington Canberra Seoul Québec 東京 日本`)
	genRoles   = []string{"Defence Secretary", "Defense Minister", "Vice Admiral", "Rear Admiral", "spokesperson", "analyst", "Lt. Gen.", "Brig. Gen.", "Capt.", "Sgt.", "Gov.", "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Sen.", "Rep.", "Adm.", "Col.", "Maj."}
	genMonths  = strings.Fields(`Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec. Mar. Apr. Jun. Jul. Sep.`)
	genSystems = []string{"Tempest", "GCAP", "F-X", "F-35B", "Type 26", "P-1", "C-2", "Aegis", "U.S.-made radar", "No. 10", "N°.", "1.2.3.", "HMS Queen Elizabeth", "JS Izumo"}
	genWords   = strings.Fields(`the a and of in to said would continue agreed officials missiles talks programme signed navy exercise cooperation defence partner security export rules budget training`)
	// genTokens are pieces for token soups and for splicing into sentences.
	genTokens = []string{
		"U.S.", "U.K.", "U.S.A.", "e.g.", "i.e.", "etc.", "a.m.", "p.m.", "Inc.", "Ltd.", "Co.", "St.", "vs.", "approx.",
		"No.", "no.", "Nos.", "vol.", "p.", "pp.", "fig.", "Fig.", "Art.", "sec.", "ch.", "para.", "Jan.", "Sept.", "Dec.",
		"Mr.", "Dr.", "Gen.", "Lt.", "Col.", "Sgt.", "Gov.", "J.", "R.", "A.", "B.", "x.", "Z.", "J.R.R.", "F.B.I.",
		"3.5", "2015.", "2015", "1,000.", "1,000", "-3.5.", ".5", ",5", "10", "10.", "8.", "1)", "2.", "3.)", "4a", "5a)", "12:30",
		"...", "..", "....", ". . .", ".", "?", "!", "?!", "!?", "…", ",", ";", ":", "-", "—", "–",
		`"`, `'`, "“", "”", "‘", "’", "(", ")", "[", "]", `."`, `.'`, `.)`, "?”", "!’", `?"`, `!)`, ".”", ".’", ".[", ".(",
		`"Yes."`, "'No.'", "(They did.)", "[Ed.]", "“We agree.”", "‘Quite.’", "Abe’s.", "café.", "Café", "naïve.", "É.",
		"日本", "日本。", "防衛省。", "英国！", "本当？", "はい；", "。", "！", "？", "；", "，", "：",
		"The", "They", "In", "He", "She", "It", "But", "And", "However", "Japan", "Britain", "officials", "said", "would",
		"İnsp.", "MR.", "mr.", "Ms.", "ST.", "ﬁne.", "Ω.", "ß.", "ǅ.", "\u00a0", "N°", "##number##.", "##number##",
	}
	genSeps = []string{" ", " ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2003", "\u3000", "\u2028", "\r\n", "\v", "\f", "\u0085", ""}
)

func pickOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// sentence returns a corpus sentence, varied or not, or a generated one.
func (g *punktGen) sentence() string {
	r := g.rng
	switch n := r.IntN(20); {
	case n < 5:
		return pickOf(r, g.pool)
	case n < 9:
		return g.vary(pickOf(r, g.pool))
	case n < 10:
		return g.soup(3 + r.IntN(10))
	}
	person := pickOf(r, genNames) + " " + pickOf(r, genNames)
	if r.IntN(4) == 0 {
		person = pickOf(r, []string{"J. R. R.", "J.", "A. B.", "E.", "T. S."}) + " " + pickOf(r, genNames)
	}
	date := fmt.Sprintf("%s %d", pickOf(r, genMonths), 1+r.IntN(31))
	templates := []string{
		"%[2]s %[1]s told reporters in %[3]s on %[4]s that the %[5]s work would continue.",
		"The U.S. and Japan signed a deal worth $%[6]d.%[7]d billion in %[8]d.",
		"It was signed in %[8]d. The next day was quiet.",
		"Talks resumed on %[4]s. %[1]s said so.",
		"About %[6]d personnel from the U.K. took part near %[3]s, the %[2]s said.",
		"“We are partners,” %[1]s said. “And we agree.”",
		"%[1]s asked: “Will the %[5]s fly by %[8]d?” Nobody knew.",
		"See vol. %[7]d on p. %[6]d of the report. It lists e.g. missiles and i.e. radars.",
		"He waited… and waited. Then %[1]s spoke!? Really?!",
		"(The %[5]s, built in %[3]s, entered service in %[8]d.) Officials were pleased.",
		"[%[1]s] said the budget rose %[7]d.%[6]d%% to ¥%[6]d billion, approx. %[7]d per unit.",
		"%[1]s met %[2]s %[1]s at No. %[7]d Downing St. in %[3]s on %[4]s.",
		"The F.B.I. and the U.S. Navy said %[7]d. %[6]d ships sailed.",
		"1. The first item. 2. The second item. %[7]d. The third.",
		"%[1]s’s team — led by %[2]s %[1]s — met in %[3]s. 日本の防衛省は%[8]d年に発表した。English again.",
		"Naïve café owners in %[3]s said “non.” the %[5]s was late.",
		"the talks ended at %[7]d p.m. and resumed at %[6]d a.m. on %[4]s.",
		"Mr. %[1]s, Gen. %[1]s and Dr. %[1]s met in the U.S. capital. The U.S. agreed.",
		"The %[5]s . . . was delayed. Again... and again.",
		"He said “yes.” She said 'no.' They said (maybe.) It ended.",
	}
	return fmt.Sprintf(pickOf(r, templates), person, pickOf(r, genRoles), pickOf(r, genPlaces), date,
		pickOf(r, genSystems), 2+r.IntN(4998), r.IntN(10), 2015+r.IntN(20))
}

// vary replaces some words of s by tricky tokens or other words.
func (g *punktGen) vary(s string) string {
	w := strings.Fields(s)
	for i := range w {
		switch g.rng.IntN(8) {
		case 0:
			w[i] = pickOf(g.rng, genTokens)
		case 1:
			w[i] = pickOf(g.rng, genWords)
		case 2:
			w[i] = fmt.Sprint(g.rng.IntN(3000)) + pickOf(g.rng, []string{"", ".", ",", ")", "."})
		}
	}
	return strings.Join(w, " ")
}

// soup returns n tricky tokens joined by assorted white space.
func (g *punktGen) soup(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(pickOf(g.rng, genSeps))
		}
		switch g.rng.IntN(4) {
		case 0:
			b.WriteString(pickOf(g.rng, genWords))
		case 1:
			b.WriteString(pickOf(g.rng, genNames))
		default:
			b.WriteString(pickOf(g.rng, genTokens))
		}
	}
	return b.String()
}

// paragraph returns 1–6 sentences joined by spaces, as bench does.
func (g *punktGen) paragraph() string {
	s := make([]string, 1+g.rng.IntN(6))
	for i := range s {
		s[i] = g.sentence()
	}
	return strings.Join(s, " ")
}

// document returns 3–12 paragraphs joined by blank lines.
func (g *punktGen) document() string {
	p := make([]string, 3+g.rng.IntN(10))
	for i := range p {
		p[i] = g.paragraph()
	}
	return strings.Join(p, "\n\n")
}

// noiseAlphabet is made of the bytes and runes the tokenizer tells apart:
// letters of each case (and neither), digits, sentence punctuation,
// closers, CJK punctuation, assorted white space and invalid UTF-8.
var noiseAlphabet = []string{"a", "Z", "1", "0", ".", ".", ".", "?", "!", ",", "-", "'", `"`, ")", "(", "[",
	"\xff", "\xe3\x80", "。", "！", "K", "İ", "Ω", "ǅ", "é", "É", "’", "”", "“", "‘", " ", " ", "\n", "\u00a0",
	"\u0085", "\t", "°", "N", "_", "#", "日", "ß", "ﬁ"}

// noise returns up to 30 pieces of noiseAlphabet and tricky tokens.
func (g *punktGen) noise() string {
	var b strings.Builder
	for range 1 + g.rng.IntN(30) {
		if g.rng.IntN(5) == 0 {
			b.WriteString(pickOf(g.rng, genTokens))
		} else {
			b.WriteString(pickOf(g.rng, noiseAlphabet))
		}
	}
	return b.String()
}
