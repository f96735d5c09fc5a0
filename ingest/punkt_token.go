package ingest

import (
	"unicode"
	"unicode/utf8"
)

// Token tests of the Punkt tokenizer, each equal to the method or regular
// expression of github.com/neurosnap/sentences named in its comment.

// closerLen returns the byte length of the closing quote or bracket that
// ends tok (one of " ' ) ’ ”), or 0.
func closerLen(tok string) int {
	n := len(tok)
	if n == 0 {
		return 0
	}
	switch tok[n-1] {
	case '"', '\'', ')':
		return 1
	case 0x99, 0x9d: // ’ is E2 80 99, ” is E2 80 9D
		if n >= 3 && tok[n-3] == 0xe2 && tok[n-2] == 0x80 {
			return 3
		}
	}
	return 0
}

func isSentPunct(c byte) bool { return c == '.' || c == '?' || c == '!' }

// hasUnreliableEndChars is english.WordTokenizer.HasUnreliableEndChars
// (equal to the default one): tok ends in . ? or ! and a closer.
func hasUnreliableEndChars(tok string) bool {
	k := closerLen(tok)
	return k > 0 && len(tok) > k && isSentPunct(tok[len(tok)-k-1])
}

// hasSentEndChars is english.WordTokenizer.HasSentEndChars: tok ends in
// ? or !, or in . ? or ! and a closer, or holds one of .[ .( ." .' ?[ ?(
// ![ !(.
func hasSentEndChars(tok string) bool {
	n := len(tok)
	if n == 0 {
		return false
	}
	if c := tok[n-1]; c == '?' || c == '!' {
		return true
	}
	if hasUnreliableEndChars(tok) {
		return true
	}
	for i := 0; i+1 < n; i++ {
		c := tok[i]
		if !isSentPunct(c) {
			continue
		}
		switch tok[i+1] {
		case '[', '(':
			return true
		case '"', '\'':
			if c == '.' {
				return true
			}
		}
	}
	return false
}

// hasPeriodFinal is DefaultWordTokenizer.HasPeriodFinal: tok ends in . or 。.
func hasPeriodFinal(tok string) bool {
	n := len(tok)
	return n > 0 && tok[n-1] == '.' || n >= 3 && tok[n-3:] == "。"
}

// isInitial is `^[A-Za-z]\.$`.
func isInitial(tok string) bool {
	return len(tok) == 2 && tok[1] == '.' && isASCIILetter(tok[0])
}

// isEllipsis is `\.\.+$`.
func isEllipsis(tok string) bool {
	n := len(tok)
	return n >= 2 && tok[n-1] == '.' && tok[n-2] == '.'
}

// isListNumber is `^\d+.?\)?$`.
func isListNumber(tok string) bool {
	k := 0
	for k < len(tok) && isDigit(tok[k]) {
		k++
	}
	if k == 0 {
		return false
	}
	rest := tok[k:]
	if rest == "" || rest == ")" {
		return true
	}
	r, size := utf8.DecodeRuneInString(rest)
	if r == '\n' {
		return false
	}
	rest = rest[size:]
	return rest == "" || rest == ")"
}

// isCoordinatePartTwo is `^[0-9]*\.[0-9]*\.[0-9]*\.$`.
func isCoordinatePartTwo(tok string) bool {
	n := len(tok)
	if n == 0 || tok[n-1] != '.' {
		return false
	}
	dots := 0
	for i := 0; i < n; i++ {
		switch c := tok[i]; {
		case c == '.':
			dots++
		case !isDigit(c):
			return false
		}
	}
	return dots == 3
}

// hasMultiPunctAbbr reports whether `((?:[\w]\.)+[\w]*\.)` matches in
// tok: a word character and a period, then word characters and a period.
func hasMultiPunctAbbr(tok string) bool {
	for i := 0; i+2 < len(tok); i++ {
		if tok[i+1] != '.' || !isWordByte(tok[i]) {
			continue
		}
		j := i + 2
		for j < len(tok) && isWordByte(tok[j]) {
			j++
		}
		if j < len(tok) && tok[j] == '.' {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool       { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// isWordByte is RE2's \w.
func isWordByte(c byte) bool { return isDigit(c) || isASCIILetter(c) || c == '_' }

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// appendLower appends strings.ToLower(s) to dst.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// strings.ToLower maps rune by rune, invalid bytes to U+FFFD.
			for _, r := range s[i:] {
				dst = utf8.AppendRune(dst, unicode.ToLower(r))
			}
			return dst
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendType appends DefaultWordTokenizer.Type(tok) to dst: tok in lower
// case, a number at its end replaced by "##number##"
// (`-?[\.,]?\d[\d,\.-]*\.?$`), then, unless one byte long, without commas.
func appendType(dst []byte, tok string) []byte {
	start := len(dst)
	dst = appendLower(dst, tok)
	low := dst[start:]
	// The leftmost match lies within the longest suffix of [0-9,.-] and
	// starts at an optional '-', an optional '.' or ',', then a digit.
	p := len(low)
	for p > 0 && isNumberByte(low[p-1]) {
		p--
	}
	for s := p; s < len(low); s++ {
		j := s
		if low[j] == '-' {
			j++
		}
		if j < len(low) && (low[j] == '.' || low[j] == ',') {
			j++
		}
		if j < len(low) && isDigit(low[j]) {
			dst = append(dst[:start+s], numberType...)
			break
		}
	}
	if len(dst)-start == 1 {
		return dst
	}
	w := start
	for _, c := range dst[start:] {
		if c != ',' {
			dst[w] = c
			w++
		}
	}
	return dst[:w]
}

func isNumberByte(c byte) bool { return isDigit(c) || c == ',' || c == '.' || c == '-' }

// appendTypeNoPeriod appends DefaultWordTokenizer.TypeNoPeriod(tok).
func appendTypeNoPeriod(dst []byte, tok string) []byte {
	start := len(dst)
	dst = appendType(dst, tok)
	if len(dst)-start > 1 && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// appendTypeNoSentPeriod appends DefaultWordTokenizer.TypeNoSentPeriod(t).
func appendTypeNoSentPeriod(dst []byte, t *ptok) []byte {
	if t.sentBreak {
		return appendTypeNoPeriod(dst, t.tok)
	}
	return appendType(dst, t.tok)
}
