package ingest

import (
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
// SplitSentences does not run it (its regular expressions and allocations
// made it slow): punkt.go re-implements its decisions and reads the
// trained parameters from it; the tests use it as the oracle.
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
	st := punktPool.Get().(*punktState)
	defer st.release()
	spans := st.spans[:0]
	for pos := 0; pos < len(text); {
		end, last := len(text), true
		if end-pos > sentenceWindow {
			end, last = cutPoint(text, pos, pos+sentenceWindow), false
		}
		n := len(spans)
		spans = st.tokenize(spans, text[pos:end], pos)
		if !last && len(spans)-n >= 2 {
			// The window's last sentence may go on past the cut: hold it
			// back and tokenize again from its start.
			pos = spans[len(spans)-1].Start
			spans = spans[:len(spans)-1]
			continue
		}
		pos = end
	}
	st.spans = spans
	st.split = splitMissedBreaks(text, spans, st.split[:0])
	out := mergeFalseBreaks(text, st.split)
	if len(out) == 0 {
		return nil
	}
	return append(make([]retrieval.Span, 0, len(out)), out...)
}

// release returns st to the pool, unless a huge text made it too big to
// keep.
func (st *punktState) release() {
	const maxKept = 1 << 14
	if cap(st.spans) > maxKept || cap(st.split) > maxKept {
		return
	}
	punktPool.Put(st)
}

// tokenize runs the Punkt splitter on s and appends its trimmed spans,
// offset by base, to dst.
func (st *punktState) tokenize(dst []retrieval.Span, s string, base int) []retrieval.Span {
	st.breaks = st.punktBreaks(st.breaks[:0], s)
	prev, lastBreak := 0, 0
	emit := func(start, end int) {
		// Guard against spans that are out of order or out of range.
		start, end = max(start, prev), min(end, len(s))
		if start >= end {
			return
		}
		prev = end
		if sp, ok := trimSpan(s, retrieval.Span{Start: start, End: end}); ok {
			dst = append(dst, retrieval.Span{Start: base + sp.Start, End: base + sp.End})
		}
	}
	for _, b := range st.breaks {
		emit(lastBreak, b)
		lastBreak = b
	}
	if lastBreak != len(s) {
		emit(lastBreak, len(s))
	}
	if prev < len(s) { // the splitter left text uncovered
		if sp, ok := trimSpan(s, retrieval.Span{Start: prev, End: len(s)}); ok {
			dst = append(dst, retrieval.Span{Start: base + sp.Start, End: base + sp.End})
		}
	}
	return dst
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

// splitMissedBreaks appends spans to dst, each cut after every number
// that ends a sentence before a capitalized word ("on Jan. 8. The next
// day", "in 2015. The"), which the splitter reads as an ordinal. The
// number must not open its span (that is a list item: "2. The second
// item").
func splitMissedBreaks(text string, spans, dst []retrieval.Span) []retrieval.Span {
	for _, sp := range spans {
		s := text[sp.Start:sp.End]
		start := 0
		for from := 0; ; {
			dot, end := nextMissedBreak(s, from)
			if end < 0 {
				break
			}
			if piece, ok := trimSpan(s, retrieval.Span{Start: start, End: dot}); ok {
				dst = append(dst, retrieval.Span{Start: sp.Start + piece.Start, End: sp.Start + piece.End})
			}
			start, from = dot, end
		}
		if piece, ok := trimSpan(s, retrieval.Span{Start: start, End: len(s)}); ok {
			dst = append(dst, retrieval.Span{Start: sp.Start + piece.Start, End: sp.Start + piece.End})
		}
	}
	return dst
}

// nextMissedBreak finds in s[from:] the leftmost match of
// `\s\d[\d,]*\.\s+["'“‘(\[]?\p{Lu}` (RE2's \s is [\t\n\f\r ]) and
// returns the offset just after its period and its end, or end -1.
func nextMissedBreak(s string, from int) (dot, end int) {
	for i := from + 1; i < len(s); i++ {
		if !isDigit(s[i]) || !isPerlSpace(s[i-1]) {
			continue
		}
		j := i + 1
		for j < len(s) && (isDigit(s[j]) || s[j] == ',') {
			j++
		}
		if j >= len(s) || s[j] != '.' {
			continue
		}
		k := j + 1
		for k < len(s) && isPerlSpace(s[k]) {
			k++
		}
		if k == j+1 || k >= len(s) {
			continue
		}
		if n := openerLen(s[k:]); n > 0 {
			k += n
		}
		if r, size := utf8.DecodeRuneInString(s[k:]); unicode.IsUpper(r) {
			return j + 1, k + size
		}
	}
	return 0, -1
}

// isPerlSpace is RE2's \s.
func isPerlSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// openerLen returns the byte length of the opening quote or bracket
// (" ' “ ‘ ( [) that starts s, or 0.
func openerLen(s string) int {
	switch {
	case s == "":
		return 0
	case s[0] == '"' || s[0] == '\'' || s[0] == '(' || s[0] == '[':
		return 1
	case strings.HasPrefix(s, "“") || strings.HasPrefix(s, "‘"):
		return len("“")
	}
	return 0
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
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// mergeFalseBreaks joins a span to the next when the break between them
// follows an abbreviation that does not end a sentence there. It works in
// place and returns spans shortened.
func mergeFalseBreaks(text string, spans []retrieval.Span) []retrieval.Span {
	if len(spans) < 2 {
		return spans
	}
	out := spans[:1]
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
	var lower [16]byte
	abbr := lowerKey(lower[:0], strings.TrimSuffix(word, "."))
	first, _ := utf8.DecodeRuneInString(strings.TrimLeft(next, `("'“‘[`))
	switch {
	case titleAbbrevs[string(abbr)] && word[0] >= 'A' && word[0] <= 'Z':
		return true
	case unicode.IsDigit(first):
		return numberAbbrevs[string(abbr)] || isInitialism(word)
	case unicode.IsLower(first):
		return true // a sentence does not start in lower case
	}
	return false
}

// lowerKey returns strings.ToLower(s), in buf when it fits.
func lowerKey(buf []byte, s string) []byte {
	if len(s) > cap(buf) {
		return []byte(strings.ToLower(s))
	}
	return appendLower(buf, s)
}

// isInitialism reports whether `^(?:\p{L}\.){2,}$` matches word: two or
// more letters, each followed by a period ("U.S.", "e.g.").
func isInitialism(word string) bool {
	n := 0
	for i := 0; i < len(word); {
		r, size := utf8.DecodeRuneInString(word[i:])
		if !unicode.IsLetter(r) {
			return false
		}
		i += size
		if i >= len(word) || word[i] != '.' {
			return false
		}
		i++
		n++
	}
	return n >= 2
}
