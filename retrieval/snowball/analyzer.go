// Package snowball is coopbot's text analyzer: Unicode-aware word
// tokenization, NFKC and case folding, English stop-word removal and
// Snowball (Porter2) English stemming. The same Analyzer serves indexing
// and querying, so "cooperation", "co-operation" and "Cooperating" all
// become the term "cooper", and "P-1" and "P1" both become "p1".
package snowball

import (
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"

	"github.com/coopbot/coopbot/retrieval"
)

var _ retrieval.Analyzer = (*Analyzer)(nil)

// Analyzer implements retrieval.Analyzer. The zero value is ready to use
// and safe for concurrent use.
type Analyzer struct{}

// New returns an Analyzer.
func New() *Analyzer { return &Analyzer{} }

// Terms returns the index terms of text in order of occurrence, repeats
// included: the Snowball stems of its words (see Tokens) that are not
// stop words. A hyphenated word yields its parts and then its joined form
// ("UK-Japan" → "uk", "japan", "ukjapan"). Terms never fails; text that
// is empty or holds only stop words yields no terms.
func (*Analyzer) Terms(text string) []string {
	var out []string
	withTokens(text, func(toks []Token) {
		for _, t := range toks {
			if StopWord(t.Text) {
				continue
			}
			if out == nil {
				out = make([]string, 0, len(toks))
			}
			out = append(out, Stem(t.Text))
		}
	})
	return out
}

var _ retrieval.Tokenizer = (*Analyzer)(nil)

// Tokens returns the words of text in order (see AppendTokens), each with
// its term: its Stem, or "" for a stop word. Its non-empty terms are
// Terms(text).
func (*Analyzer) Tokens(text string) []retrieval.Token {
	var out []retrieval.Token
	withTokens(text, func(toks []Token) {
		out = make([]retrieval.Token, len(toks))
		for i, t := range toks {
			out[i] = retrieval.Token{Word: t.Text, Joined: t.Compound}
			if !StopWord(t.Text) {
				out[i].Term = Stem(t.Text)
			}
		}
	})
	return out
}

// withTokens calls f with the tokens of text in a pooled buffer, which f
// must not keep.
func withTokens(text string, f func([]Token)) {
	bp := tokenPool.Get().(*[]Token)
	toks := AppendTokens((*bp)[:0], text)
	f(toks)
	clear(toks)
	*bp = toks[:0]
	tokenPool.Put(bp)
}

// tokenPool recycles token buffers across Terms and Tokens calls.
var tokenPool = sync.Pool{New: func() any { s := make([]Token, 0, 256); return &s }}

// Stem returns the Snowball English stem of w, a folded word as found in
// Token.Text ("cooperation" → "cooper", "japan's" → "japan"). Words
// without an ASCII letter (numbers, "2+2", CJK) and words of at most two
// bytes are returned unchanged, and a plural "s" after a digit is dropped
// ("P-8s" → "p8"); a stem of one or two letters is never made of a longer
// word ("IEDs" → "ied", not "i"). Stems are memoised, so Stem is cheap on a
// corpus's recurring vocabulary.
func Stem(w string) string {
	if n := len(w); n >= 2 && w[n-1] == 's' && w[n-2] >= '0' && w[n-2] <= '9' {
		return w[:n-1] // "8s" of "P-8s"
	}
	if len(w) <= 2 || !hasASCIILetter(w) {
		return w
	}
	if s, ok := stems.get(w); ok {
		return s
	}
	s := keepShort(w, english.Stem(w, true))
	stems.put(w, s)
	return s
}

// keepShort undoes what English suffix rules do to acronyms and codes:
// a stem of one or two letters from a longer word is no stem ("IEDs"
// would become "i", "IED" "ie"), so the word stands, less a plural "s".
func keepShort(w, s string) string {
	n := len(w)
	if len(s) <= 2 && n >= 3 && !strings.ContainsRune(w, '\'') {
		if n >= 4 && w[n-1] == 's' {
			return w[:n-1]
		}
		return w
	}
	return s
}

func hasASCIILetter(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}
