package ingest

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// splitSentencesPunktRef is SplitSentences as it was before the fast
// tokenizer: neurosnap/sentences' English Punkt and regular expressions
// for the fix-ups. It is the oracle of the differential tests.
func splitSentencesPunktRef(text string) []retrieval.Span {
	var spans []retrieval.Span
	for pos := 0; pos < len(text); {
		end, last := len(text), true
		if end-pos > sentenceWindow {
			end, last = cutPoint(text, pos, pos+sentenceWindow), false
		}
		got := tokenizeRef(text[pos:end], pos)
		if !last && len(got) >= 2 {
			held := got[len(got)-1]
			spans = append(spans, got[:len(got)-1]...)
			pos = held.Start
			continue
		}
		spans = append(spans, got...)
		pos = end
	}
	return mergeFalseBreaksRef(text, splitMissedBreaksRef(text, spans))
}

// punktSentencesRef returns the sentences of neurosnap's English
// tokenizer as [start, end) pairs.
func punktSentencesRef(s string) [][2]int {
	var out [][2]int
	for _, sent := range englishTokenizer().Tokenize(s) {
		out = append(out, [2]int{sent.Start, sent.End})
	}
	return out
}

func tokenizeRef(s string, base int) []retrieval.Span {
	var out []retrieval.Span
	prev := 0
	for _, sent := range englishTokenizer().Tokenize(s) {
		start, end := sent.Start, sent.End
		start, end = max(start, prev), min(end, len(s))
		if start >= end {
			continue
		}
		prev = end
		if sp, ok := trimSpan(s, retrieval.Span{Start: start, End: end}); ok {
			out = append(out, retrieval.Span{Start: base + sp.Start, End: base + sp.End})
		}
	}
	if prev < len(s) {
		if sp, ok := trimSpan(s, retrieval.Span{Start: prev, End: len(s)}); ok {
			out = append(out, retrieval.Span{Start: base + sp.Start, End: base + sp.End})
		}
	}
	return out
}

var (
	missedBreakRef = regexp.MustCompile(`\s\d[\d,]*\.\s+["'“‘(\[]?\p{Lu}`)
	initialismRef  = regexp.MustCompile(`^(?:\p{L}\.){2,}$`)
)

func splitMissedBreaksRef(text string, spans []retrieval.Span) []retrieval.Span {
	out := spans[:0:0]
	for _, sp := range spans {
		s := text[sp.Start:sp.End]
		start := 0
		for _, loc := range missedBreakRef.FindAllStringIndex(s, -1) {
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

func mergeFalseBreaksRef(text string, spans []retrieval.Span) []retrieval.Span {
	if len(spans) < 2 {
		return spans
	}
	out := spans[:1:1]
	for _, sp := range spans[1:] {
		cur := &out[len(out)-1]
		if falseBreakRef(text[cur.Start:cur.End], text[sp.Start:sp.End]) {
			cur.End = sp.End
			continue
		}
		out = append(out, sp)
	}
	return out
}

func falseBreakRef(prev, next string) bool {
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
		return numberAbbrevs[abbr] || initialismRef.MatchString(word)
	case unicode.IsLower(first):
		return true
	}
	return false
}
