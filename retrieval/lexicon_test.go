package retrieval

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
)

// pairLexicon is a Lexicon of a few hand-set similarities, standing in for
// the GloVe table (tested in retrieval/semantic).
type pairLexicon map[[2]string]float64

func (l pairLexicon) Similarity(a, b string) float64 {
	if a == b {
		return 1
	}
	if s, ok := l[[2]string{a, b}]; ok {
		return s
	}
	return l[[2]string{b, a}]
}

func (l pairLexicon) Known(t string) bool {
	for k := range l {
		if k[0] == t || k[1] == t {
			return true
		}
	}
	return false
}

func (l pairLexicon) Similarities(ts, us []string, out [][]float64) {
	for i, t := range ts {
		for j, u := range us {
			out[i][j] = l.Similarity(t, u)
		}
	}
}

func (l pairLexicon) Best(t string, us []string) (float64, int) {
	best, at := 0.0, -1
	for i, u := range us {
		if s := l.Similarity(t, u); at < 0 || s > best {
			best, at = s, i
		}
	}
	return best, at
}

type wordsAnalyzer struct{}

func (wordsAnalyzer) Terms(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == ',' || r == '.' || r == '-' })
}

func TestMatcherCredit(t *testing.T) {
	lex := pairLexicon{{"drills", "exercise"}: 0.9, {"germany", "britain"}: 0.7, {"cost", "project"}: 0.65, {"price", "rise"}: 0.3, {"price", "costs"}: 0.45, {"prime", "minister"}: 0.9, {"second", "first"}: 0.9, {"friday", "wednesday"}: 0.9}
	m := newMatcher(wordsAnalyzer{}, lex, Question{Terms: []string{"germany", "drills", "cost", "price", "typhon", "raf", "bitcoin", "typhoon", "prime", "minister", "second", "friday"}, Names: map[string]bool{"germany": true}})
	set := func(s string) (termSet, []string) {
		l := uniqueTerms(wordsAnalyzer{}.Terms(s))
		return newTermSet(l), l
	}
	tests := []struct {
		term, passage string
		want          float64
	}{
		{"typhoon", "the typhoon jets", 1},                                           // spelling
		{"typhon", "the typhoon jets", 1},                                            // one edit away
		{"raf", "the royal air force jets", 1},                                       // alias
		{"drills", "a joint exercise", 1},                                            // meaning, above softFull
		{"cost", "the missile project", (0.65 - softFloor) / (softFull - softFloor)}, // part credit
		{"price", "costs rise", 0},                                                   // below softFloor
		{"germany", "britain and japan", 0},                                          // a name: spelling only
		{"bitcoin", "britain and japan", 0},                                          // unknown
		{"second", "a first phase", 0},                                               // an ordinal: spelling only
		{"friday", "a meeting on wednesday", 0},                                      // a weekday: spelling only
	}
	for _, tt := range tests {
		s, l := set(tt.passage)
		if got := m.credit(tt.term, s, m.meaningful(l)); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("credit(%q, %q) = %.3f; want %.3f", tt.term, tt.passage, got, tt.want)
		}
	}
	spelling := newMatcher(wordsAnalyzer{}, nil, Question{})
	if s, l := set("a joint exercise"); spelling.credit("drills", s, l) != 0 {
		t.Errorf("credit without a lexicon matched by meaning")
	}
}

// A term no candidate covers counts foreignWeight of what it would, and a
// missing proper name rules a passage out whole.
func TestScoreGapAndNames(t *testing.T) {
	a := wordsAnalyzer{}
	hits := []Hit{
		{Chunk: Chunk{DocumentID: "d", Text: "the mbda meteor missile"}, Score: 1},
		{Chunk: Chunk{DocumentID: "d", Ordinal: 1, Text: "industry executives said"}, Score: 0.5},
	}
	q := Question{Terms: []string{"chief", "executives", "mbda"}, Names: map[string]bool{"mbda": true}}
	cands, w := newMatcher(a, nil, q).score(q, hits, a)
	if w["chief"] >= w["executives"]/foreignWeight || w["chief"] <= 0 {
		t.Errorf("weights %v: an uncovered term should count foreignWeight of a rare covered one", w)
	}
	if cands[1].gap != 1 {
		t.Errorf("passage without the name MBDA: gap %.2f; want 1", cands[1].gap)
	}
	if cands[0].gap >= 1 || cands[0].missing != 2 {
		t.Errorf("passage with MBDA: gap %.2f, missing %d; want < 1 and 2", cands[0].gap, cands[0].missing)
	}
}

func TestBlend(t *testing.T) {
	ctx := context.Background()
	b := Blend{Parts: []Embedder{fixedEmbedder{"a", [][]float32{{3, 4}, {4, 3}}}, fixedEmbedder{"b", [][]float32{{1, 0, 0}, {0, 1, 0}}}}, Weights: []float64{0.25, 0.75}}
	if b.Name() != "a@0.25+b@0.75" || b.Dimensions() != 5 {
		t.Errorf("Blend name %q, dims %d; want a@0.25+b@0.75, 5", b.Name(), b.Dimensions())
	}
	v, err := b.Embed(ctx, []string{"x", "y"})
	if err != nil {
		t.Fatal(err)
	}
	// cos = 0.25·cos_a + 0.75·cos_b = 0.25·24/25 + 0.75·0
	var dot float64
	for i := range v[0] {
		dot += float64(v[0][i]) * float64(v[1][i])
	}
	if want := 0.25 * 24 / 25; math.Abs(dot-want) > 1e-6 {
		t.Errorf("blended cosine = %.4f; want %.4f", dot, want)
	}
}

type fixedEmbedder struct {
	name string
	vecs [][]float32
}

func (f fixedEmbedder) Name() string    { return f.name }
func (f fixedEmbedder) Dimensions() int { return len(f.vecs[0]) }
func (f fixedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return f.vecs[:len(texts)], nil
}

func TestDatedLead(t *testing.T) {
	s := Snippet{Date: "2015-01-21", Highlight: "The ministers met in London on Wednesday."}
	if got := datedLead("When did the 2+2 meeting take place?", s); got != "Reported on 21 January 2015: " {
		t.Errorf("datedLead(when, relative date) = %q; want the report's date", got)
	}
	s.Highlight = "Japan lifted a ban in April 2014."
	if got := datedLead("When did Japan lift its ban?", s); got != "" {
		t.Errorf("datedLead(when, with a year) = %q; want none", got)
	}
	if got := datedLead("Where did they meet?", s); got != "" {
		t.Errorf("datedLead(where) = %q; want none", got)
	}
	s = Snippet{Title: "Ministers visit Tokyo", Highlight: "The ministers met their counterparts."}
	if got := leadContext("Where did they meet?", s); got != "From “Ministers visit Tokyo”: " {
		t.Errorf("leadContext(where, no place in the sentence) = %q; want the title that names it", got)
	}
	s.Highlight = "The ministers met in London."
	if got := leadContext("Where did they meet?", s); got != "" {
		t.Errorf("leadContext(where, a place in the sentence) = %q; want none", got)
	}
	s.Date = "2016-01-08"
	for _, q := range []string{"Which report mentions the Senkaku dispute?", "in which article is the P-8 decision", "@coopbot what piece talks about cyber"} {
		if got, want := leadContext(q, s), "In “Ministers visit Tokyo” (8 January 2016): "; got != want {
			t.Errorf("leadContext(%q) = %q; want %q", q, got, want)
		}
	}
	if got := leadContext("what does the report say about cyber", s); got != "" {
		t.Errorf("leadContext(what does the report say) = %q; want none", got)
	}
}

func TestCitedParagraph(t *testing.T) {
	// A chunk merging paragraphs 16 and 17, quoting a sentence of 17.
	text := "Recent years has seen Japan ease restrictions.\n\nIn December, the Abe government announced an increase."
	c := candidate{hit: Hit{Chunk: Chunk{ParaStart: 16, ParaEnd: 17, Text: text, Sentences: []Span{{0, 46}, {48, len(text)}}}}}
	q := Question{Terms: []string{"december", "increase"}, Intent: IntentWhen}
	sn := snippet(c, q, map[string]float64{"december": 1, "increase": 1}, wordsAnalyzer{}, newMatcher(wordsAnalyzer{}, nil, q), false)
	if sn.HighlightParagraph != 17 || CitationOf(1, sn).Paragraph != 17 || sn.Paragraph != 16 {
		t.Errorf("snippet of ¶16–17 quoting ¶17: highlight ¶%d, cited ¶%d, first ¶%d; want 17, 17, 16", sn.HighlightParagraph, CitationOf(1, sn).Paragraph, sn.Paragraph)
	}
}

// A question word the candidates never use earns nearCredit from its
// nearest candidate words in meaning, even below softFloor.
func TestMatcherNearest(t *testing.T) {
	lex := pairLexicon{{"wargames", "manoeuvres"}: 0.35, {"wargames", "talks"}: 0.32, {"wargames", "budget"}: 0.31, {"wargames", "bitcoin"}: 0.1}
	m := newMatcher(wordsAnalyzer{}, lex, Question{Terms: []string{"wargames"}})
	m.prepare([]string{"wargames"}, [][]string{{"manoeuvres", "talks", "budget", "bitcoin"}})
	tests := map[string]float64{"naval manoeuvres": nearCredit, "the talks": nearCredit, "the budget": 0, "bitcoin": 0}
	for passage, want := range tests {
		l := uniqueTerms(wordsAnalyzer{}.Terms(passage))
		if got := m.credit("wargames", newTermSet(l), m.meaningful(l)); got != want {
			t.Errorf("credit(wargames, %q) = %v; want %v (the two nearest words earn it)", passage, got, want)
		}
	}
}

// In a "who" question, a role must be matched, not read as a near word.
func TestMatcherStrictRoles(t *testing.T) {
	lex := pairLexicon{{"ambassador", "minister"}: 0.4}
	q := Question{Terms: []string{"ambassador"}, Intent: IntentWho}
	m := newMatcher(wordsAnalyzer{}, lex, q)
	m.prepare(q.Terms, [][]string{{"minister"}})
	l := []string{"minister"}
	if got := m.credit("ambassador", newTermSet(l), m.meaningful(l)); got != 0 {
		t.Errorf("credit(ambassador, minister) in a who question = %v; want 0", got)
	}
}

// A phrase alias the question holds whole is covered by any member of its
// group: "sub hunter" by "maritime patrol aircraft".
func TestPhraseAliases(t *testing.T) {
	q := Question{Terms: []string{"which", "sub", "hunter", "won"}}
	m := newMatcher(wordsAnalyzer{}, nil, q)
	l := uniqueTerms(wordsAnalyzer{}.Terms("a maritime patrol aircraft requirement"))
	for _, term := range []string{"sub", "hunter"} {
		if got := m.credit(term, newTermSet(l), l); got != 1 {
			t.Errorf("credit(%q, %q) = %v; want 1", term, "a maritime patrol aircraft requirement", got)
		}
	}
	alone := newMatcher(wordsAnalyzer{}, nil, Question{Terms: []string{"hunter", "season"}})
	if got := alone.credit("hunter", newTermSet(l), l); got != 0 {
		t.Errorf("credit(%q) without the whole phrase = %v; want 0", "hunter", got)
	}
}

// A word neither the lexicon nor any candidate or title knows, and no
// name, counts half: a typo or slang says little about the topic.
func TestUnknownWord(t *testing.T) {
	lex := pairLexicon{{"list", "want"}: 0.4}
	q := Question{Terms: []string{"wishlist", "list", "MBDA", "2+2"}, Names: map[string]bool{"MBDA": true}}
	m := newMatcher(wordsAnalyzer{}, lex, q)
	credits := [][]float64{{0, 0, 0, 0}}
	titles := map[string][]float64{"doc": {0, 0, 0, 1}}
	for j, want := range []bool{true, false, false, false} {
		if got := m.unknownWord(q.Terms[j], credits, titles, j); got != want {
			t.Errorf("unknownWord(%q) = %v; want %v", q.Terms[j], got, want)
		}
	}
}

func TestWithRespelt(t *testing.T) {
	m := withRespelt(map[string][][]string{
		"2+2":     {{"foreign", "defence", "ministers"}, {"foreign", "defence", "ministers"}},
		"defence": {{"defense"}},
	})
	want := [][]string{{"foreign", "defence", "ministers"}, {"foreign", "defense", "ministers"}}
	if got := m["2+2"]; !reflect.DeepEqual(got, want) {
		t.Errorf("withRespelt(…)[%q] = %q; want %q", "2+2", got, want)
	}
	if got := m["defence"]; !reflect.DeepEqual(got, [][]string{{"defense"}}) {
		t.Errorf("withRespelt(…)[%q] = %q; want only %q", "defence", got, "defense")
	}
}
