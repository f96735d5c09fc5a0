package ingest

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// This file is a fast re-implementation of the Punkt sentence tokenizer of
// github.com/neurosnap/sentences as its english package configures it
// (english.NewSentenceTokenizer(nil)): the same word tokenizer, the same
// three annotation passes (type-based first pass; token-based second pass
// with the collocation, orthographic, frequent-starter, initial and number
// heuristics; the English MultiPunctWordAnnotation) and the same trained
// parameters, read once from the module's compiled-in English model. It
// scans bytes instead of running regular expressions, and it reproduces
// the original's quirks on purpose (a rune count used as a byte offset,
// the last word dropped when the text ends in a multi-byte rune, ...),
// because its decisions must be identical: punkt_test.go checks it against
// the original on corpora and by fuzzing.

// Orthographic context flags of the trained model (sentences/ortho.go).
const (
	orthoBegUc = 1 << 1
	orthoMidUc = 1 << 2
	orthoUnkUc = 1 << 3
	orthoBegLc = 1 << 4
	orthoMidLc = 1 << 5
	orthoUnkLc = 1 << 6
	orthoUc    = orthoBegUc + orthoMidUc + orthoUnkUc
	orthoLc    = orthoBegLc + orthoMidLc + orthoUnkLc
)

// numberType is what the word types of numbers become.
const numberType = "##number##"

// punktModel holds the trained English parameters; read-only.
type punktModel struct {
	abbrevs      map[string]int // abbreviation types, without the period
	collocations map[string]int // "type,nexttype"
	starters     map[string]int // frequent sentence starters
	ortho        map[string]int // orthographic context flags by type
}

// englishPunkt is the English model, with the abbreviations the english
// package adds ("sgt", "gov", "no"): the very maps the reference tokenizer
// uses.
var englishPunkt = sync.OnceValue(func() *punktModel {
	st := englishTokenizer().Storage
	return &punktModel{
		abbrevs:      st.AbbrevTypes,
		collocations: st.Collocations,
		starters:     st.SentStarters,
		ortho:        st.OrthoContext,
	}
})

// ptok is a word token: tok is a substring of the text and pos the offset
// just after it where a sentence break would go. punct is false only when
// tok surely holds none of . ? !, does not start with a digit and does not
// end in 。: then no annotation pass looks further at it as the first
// token of a pair.
type ptok struct {
	tok       string
	pos       int
	punct     bool
	sentBreak bool
	abbr      bool
}

// candidate reports whether any annotation pass may look further at t as
// the first token of a pair.
func (t *ptok) candidate() bool {
	if t.punct {
		return true
	}
	n := len(t.tok)
	return isDigit(t.tok[0]) || n >= 3 && t.tok[n-1] == 0x82 && t.tok[n-2] == 0x80 && t.tok[n-3] == 0xe3 // 。
}

// punktState is the reusable scratch space of one SplitSentences call.
type punktState struct {
	toks   []ptok
	buf    []byte // word types and collocation keys
	breaks []int
	spans  []retrieval.Span // tokenizer output
	split  []retrieval.Span // after splitMissedBreaks
}

var punktPool = sync.Pool{New: func() any { return new(punktState) }}

// Byte classes for the word tokenizer's scan.
const (
	clSpace = 1 << iota // ASCII white space (unicode.IsSpace)
	clPunct             // . ? !
	clHigh              // not ASCII: decode the rune
)

var byteClass = func() (t [256]uint8) {
	for _, c := range "\t\n\v\f\r " {
		t[c] = clSpace
	}
	for _, c := range ".?!" {
		t[c] = clPunct
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = clHigh
	}
	return t
}()

// isCJKPunct reports the CJK punctuation the word tokenizer cuts after.
func isCJKPunct(r rune) bool {
	return r == '。' || r == '；' || r == '！' || r == '？'
}

// punktBreaks appends to dst the offsets in text where Punkt ends a
// sentence, in increasing order (the end of the text is not included
// unless a token there is a break).
func (st *punktState) punktBreaks(dst []int, text string) []int {
	st.words(text)
	if len(st.toks) == 0 {
		return dst
	}
	m := englishPunkt()
	toks := st.toks
	for i := range toks {
		if toks[i].punct {
			m.firstPass(&toks[i], st)
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].punct {
			m.secondPass(&toks[i], &toks[i+1], st)
		}
	}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].punct {
			m.multiPunctPass(&toks[i], &toks[i+1], st)
		}
	}
	for i := range toks {
		if toks[i].sentBreak {
			dst = append(dst, toks[i].pos)
		}
	}
	return dst
}

// words is DefaultWordTokenizer.Tokenize(text, false): words cut at
// white space and after CJK sentence punctuation, each positioned at the
// cut after it. As in the original, only a final rune of one byte ends the
// last word; when nothing is found the whole text is one token.
func (st *punktState) words(text string) {
	st.toks = st.toks[:0]
	n := len(text)
	if n == 0 {
		return
	}
	last := 0
	var punct uint8
	for i := 0; i < n; {
		// Skip the bytes that neither end a word nor need decoding.
		for i < n-1 {
			cl := byteClass[text[i]]
			if cl&(clSpace|clHigh) != 0 {
				break
			}
			punct |= cl
			i++
		}
		at := i
		c := text[i]
		cl := byteClass[c]
		var r rune
		switch {
		case cl&(clSpace|clHigh) == 0: // the last byte
			punct |= cl
			i++
			r = rune(c)
		case cl == clSpace:
			i++
			r = rune(c)
		default:
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
			if !unicode.IsSpace(r) && !isCJKPunct(r) && at != n-1 {
				continue
			}
		}
		p := at
		if isCJKPunct(r) {
			p += utf8.RuneLen(r)
		}
		cursor := p
		if p == n-1 {
			cursor = n
		}
		if cursor > i {
			punct = clPunct // the word takes bytes not scanned yet
		}
		word := strings.TrimSpace(text[last:cursor])
		if word == "" {
			continue
		}
		t := ptok{tok: word, pos: cursor, punct: punct != 0}
		t.punct = t.candidate()
		st.toks = append(st.toks, t)
		last = cursor
		punct = 0
	}
	if len(st.toks) == 0 {
		st.toks = append(st.toks, ptok{tok: text, pos: n, punct: true})
	}
}

// firstPass is TypeBasedAnnotation: sentence-ending punctuation breaks;
// a word ending in a period is an abbreviation when its type is known as
// one, else a break.
func (m *punktModel) firstPass(t *ptok, st *punktState) {
	tok := t.tok
	if hasSentEndChars(tok) {
		t.sentBreak = true
		return
	}
	if !hasPeriodFinal(tok) || strings.HasSuffix(tok, "..") {
		return
	}
	// The original slices by the rune count (a byte offset bug that only
	// matters for non-ASCII words); so do we.
	noPeriod := tok[:utf8.RuneCountInString(tok)-1]
	st.buf = appendLower(st.buf[:0], noPeriod)
	low := st.buf
	h := lastIndexByte(low, '-')
	if m.abbrevs[string(low)] != 0 || h >= 0 && m.abbrevs[string(low[h+1:])] != 0 {
		t.abbr = true
	} else {
		t.sentBreak = true
	}
}

// secondPass is TokenBasedAnnotation.tokenAnnotation for the pair
// (one, two).
func (m *punktModel) secondPass(one, two *ptok, st *punktState) {
	if !hasPeriodFinal(one.tok) {
		return
	}
	// buf = typ "," nextTyp
	buf := appendTypeNoPeriod(st.buf[:0], one.tok)
	nt := len(buf)
	buf = append(buf, ',')
	buf = appendTypeNoSentPeriod(buf, two)
	st.buf = buf
	typ, nextTyp := buf[:nt], buf[nt+1:]
	initial := isInitial(one.tok)

	// 4.1.2 collocation heuristic.
	if m.collocations[string(buf)] != 0 {
		one.sentBreak = false
		one.abbr = true
		return
	}
	// 4.2 abbreviation or ellipsis that may also end a sentence.
	if (one.abbr || isEllipsis(one.tok)) && !initial {
		if m.heuristic(two, nextTyp) == 1 {
			one.sentBreak = true
			return
		}
		if firstUpper(two.tok) && m.starters[string(nextTyp)] != 0 {
			one.sentBreak = true
			return
		}
	}
	// A spaced ellipsis ". . .".
	if one.tok == "." && two.tok == "." {
		one.sentBreak = false
		two.sentBreak = false
		return
	}
	// 4.3 initials and ordinals.
	if initial || string(typ) == numberType {
		h := m.heuristic(two, nextTyp)
		if h == 0 {
			one.sentBreak = false
			one.abbr = true
			return
		}
		if h == -1 && initial && firstUpper(two.tok) && m.ortho[string(nextTyp)]&orthoLc == 0 {
			one.sentBreak = false
			one.abbr = true
		}
	}
}

// multiPunctPass is english.MultiPunctWordAnnotation.tokenAnnotation for
// the pair (one, two).
func (m *punktModel) multiPunctPass(one, two *ptok, st *punktState) {
	tok := one.tok
	if isListNumber(tok) || tok == "N°." {
		one.sentBreak = false
		return
	}
	if strings.HasSuffix(tok, ".") && two.tok == "." {
		one.sentBreak = false
		return
	}
	if !hasMultiPunctAbbr(tok) && tok != "." && !hasUnreliableEndChars(tok) && !isCoordinatePartTwo(tok) {
		return
	}
	if isInitial(tok) {
		return
	}
	one.abbr = true
	one.sentBreak = false
	st.buf = appendTypeNoSentPeriod(st.buf[:0], two)
	nextTyp := st.buf
	if m.heuristic(two, nextTyp) == 1 {
		one.sentBreak = true
		return
	}
	if firstUpper(two.tok) && (m.starters[string(nextTyp)] != 0 || hasUnreliableEndChars(tok) || tok == "." || isCoordinatePartTwo(tok)) {
		one.sentBreak = true
	}
}

// heuristic is OrthoContext.Heuristic: 1 if t starts a sentence, 0 if it
// does not, -1 if unknown. typ is t's type without a sentence period.
func (m *punktModel) heuristic(t *ptok, typ []byte) int {
	if isPunctuationToken(t.tok) {
		return 0
	}
	ctx := m.ortho[string(typ)]
	if firstUpper(t.tok) && ctx&orthoLc > 0 && ctx&orthoMidUc == 0 {
		return 1
	}
	if firstLower(t.tok) && (ctx&orthoUc > 0 || ctx&orthoBegLc == 0) {
		return 0
	}
	return -1
}

// isPunctuationToken reports whether tok is one of ";:,.!?；：，。！？".
func isPunctuationToken(tok string) bool {
	switch tok {
	case ";", ":", ",", ".", "!", "?", "；", "：", "，", "。", "！", "？":
		return true
	}
	return false
}

func firstUpper(tok string) bool {
	if tok == "" {
		return false
	}
	if c := tok[0]; c < utf8.RuneSelf {
		return 'A' <= c && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsUpper(r)
}

func firstLower(tok string) bool {
	if tok == "" {
		return false
	}
	if c := tok[0]; c < utf8.RuneSelf {
		return 'a' <= c && c <= 'z'
	}
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsLower(r)
}
