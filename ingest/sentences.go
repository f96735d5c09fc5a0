package ingest

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/neurosnap/sentences"
	"github.com/neurosnap/sentences/english"
)

// The English Punkt model ships inside the sentences module (compiled-in
// training data), so loading it needs no file or network. The tokenizer's
// state is read-only after construction and safe for concurrent use.
var englishTokenizer = sync.OnceValue(func() *sentences.DefaultSentenceTokenizer {
	t, err := english.NewSentenceTokenizer(nil)
	if err != nil {
		panic("ingest: loading the English sentence model: " + err.Error())
	}
	return t
})

// sentenceWindow bounds how much text one tokenizer call sees, so that a
// huge paragraph is split in linear time and bounded memory.
const sentenceWindow = 64 << 10

// SplitSentences returns the sentences of text as byte spans into text,
// in order, without leading or trailing white space. It uses the Punkt
// splitter for English with fix-ups for its known slips: a title ("Mr.",
// "Gen."), a month before a day ("Jan. 8") or an initialism before a
// lower-case word or number ("U.S. officials") does not end a sentence,
// and a number that ends a sentence ("on Jan. 8. The") does. Text without
// sentence punctuation is one sentence; only white space gives none.
func SplitSentences(text string) []retrieval.Span {
	var spans []retrieval.Span
	for pos := 0; pos < len(text); {
		end, last := len(text), true
		if end-pos > sentenceWindow {
			end, last = cutPoint(text, pos, pos+sentenceWindow), false
		}
		got := tokenize(text[pos:end], pos)
		if !last && len(got) >= 2 {
			// The window's last sentence may go on past the cut: hold it
			// back and tokenize again from its start.
			held := got[len(got)-1]
			spans = append(spans, got[:len(got)-1]...)
			pos = held.Start
			continue
		}
		spans = append(spans, got...)
		pos = end
	}
	return mergeFalseBreaks(text, splitMissedBreaks(text, spans))
}

// tokenize runs the Punkt splitter on s and returns trimmed spans offset
// by base.
func tokenize(s string, base int) []retrieval.Span {
	var out []retrieval.Span
	prev := 0
	for _, sent := range englishTokenizer().Tokenize(s) {
		start, end := sent.Start, sent.End
		// Guard against spans that are out of order or out of range.
		start, end = max(start, prev), min(end, len(s))
		if start >= end {
			continue
		}
		prev = end
		if sp, ok := trimSpan(s, retrieval.Span{Start: start, End: end}); ok {
			out = append(out, retrieval.Span{Start: base + sp.Start, End: base + sp.End})
		}
	}
	if prev < len(s) { // the splitter left text uncovered
		if sp, ok := trimSpan(s, retrieval.Span{Start: prev, End: len(s)}); ok {
			out = append(out, retrieval.Span{Start: base + sp.Start, End: base + sp.End})
		}
	}
	return out
}

// trimSpan shrinks sp to exclude white space at either end; ok is false
// when nothing is left.
func trimSpan(text string, sp retrieval.Span) (retrieval.Span, bool) {
	for sp.Start < sp.End {
		r, n := utf8.DecodeRuneInString(text[sp.Start:sp.End])
		if !unicode.IsSpace(r) {
			break
		}
		sp.Start += n
	}
	for sp.End > sp.Start {
		r, n := utf8.DecodeLastRuneInString(text[sp.Start:sp.End])
		if !unicode.IsSpace(r) {
			break
		}
		sp.End -= n
	}
	return sp, sp.Start < sp.End
}

// isASCIISpace reports whether b is an ASCII white-space byte.
func isASCIISpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f' || b == '\v'
}

// cutPoint returns where to cut text[lo:] so that text[lo:cut] has at
// most hi-lo bytes, with lo < cut ≤ hi < len(text): at the last ASCII white
// space in (lo, hi], else at the last rune boundary there (a word longer
// than the limit), else at hi (invalid UTF-8).
func cutPoint(text string, lo, hi int) int {
	for i := hi; i > lo; i-- {
		if isASCIISpace(text[i]) {
			return i
		}
	}
	for i := hi; i > lo; i-- {
		if utf8.RuneStart(text[i]) {
			return i
		}
	}
	return hi
}

// missedBreak finds a number ending a sentence before a capitalized word
// ("on Jan. 8. The next day", "in 2015. The"), which the splitter reads as
// an ordinal. The number must not open its span (that is a list item:
// "2. The second item").
var missedBreak = regexp.MustCompile(`\s\d[\d,]*\.\s+["'“‘(\[]?\p{Lu}`)

func splitMissedBreaks(text string, spans []retrieval.Span) []retrieval.Span {
	out := spans[:0:0]
	for _, sp := range spans {
		s := text[sp.Start:sp.End]
		start := 0
		for _, loc := range missedBreak.FindAllStringIndex(s, -1) {
			dot := strings.IndexByte(s[loc[0]:loc[1]], '.') + loc[0] + 1
			if piece, ok := trimSpan(s, retrieval.Span{Start: start, End: dot}); ok {
				out = append(out, retrieval.Span{Start: sp.Start + piece.Start, End: sp.Start + piece.End})
			}
			start = dot
		}
		if piece, ok := trimSpan(s, retrieval.Span{Start: start, End: len(s)}); ok {
			out = append(out, retrieval.Span{Start: sp.Start + piece.Start, End: sp.Start + piece.End})
		}
	}
	return out
}

// Abbreviations the fix-ups know, lower-case without the final period.
var (
	// titles go before a name: never the end of a sentence.
	titleAbbrevs = setOf("mr", "mrs", "ms", "messrs", "dr", "prof", "gen", "lt", "col", "capt", "cmdr",
		"cdr", "adm", "maj", "sgt", "cpl", "pvt", "brig", "sen", "rep", "gov", "rev", "hon", "pres",
		"supt", "insp", "fr")
	// months and numbered references go before a number ("Jan. 8", "No. 10").
	numberAbbrevs = setOf("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
		"nov", "dec", "no", "nos", "vol", "p", "pp", "fig", "art", "sec", "ch", "para", "approx")
	initialism = regexp.MustCompile(`^(?:\p{L}\.){2,}$`)
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// mergeFalseBreaks joins a span to the next when the break between them
// follows an abbreviation that does not end a sentence there.
func mergeFalseBreaks(text string, spans []retrieval.Span) []retrieval.Span {
	if len(spans) < 2 {
		return spans
	}
	out := spans[:1:1]
	for _, sp := range spans[1:] {
		cur := &out[len(out)-1]
		if falseBreak(text[cur.Start:cur.End], text[sp.Start:sp.End]) {
			cur.End = sp.End
			continue
		}
		out = append(out, sp)
	}
	return out
}

func falseBreak(prev, next string) bool {
	if !strings.HasSuffix(prev, ".") {
		return false
	}
	word := prev[strings.LastIndexFunc(prev, unicode.IsSpace)+1:]
	word = strings.TrimLeft(word, `("'“‘[`)
	abbr := strings.ToLower(strings.TrimSuffix(word, "."))
	first, _ := utf8.DecodeRuneInString(strings.TrimLeft(next, `("'“‘[`))
	switch {
	case titleAbbrevs[abbr] && word[0] >= 'A' && word[0] <= 'Z':
		return true
	case unicode.IsDigit(first):
		return numberAbbrevs[abbr] || initialism.MatchString(word)
	case unicode.IsLower(first):
		return true // a sentence does not start in lower case
	}
	return false
}
