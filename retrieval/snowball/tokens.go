package snowball

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Token is one word of a text.
type Token struct {
	// Text is the folded word: NFKC-normalized, case-folded, with
	// typographic apostrophes turned into ' and thousands separators
	// removed ("Japan’s" → "japan's", "1,000" → "1000").
	Text string
	// Start and End are the byte offsets of the word in the original
	// text, for highlighting: text[Start:End] is the word as written.
	Start, End int
	// Compound marks the joined form of a hyphenated word, emitted after
	// its parts and spanning them all: "P-1" yields "p", "1" and the
	// compound "p1"; "2+2" yields "2", "2" and the compound "2+2".
	Compound bool
}

// Tokens splits text into words. A word is a run of letters, digits and
// combining marks; an apostrophe between letters ("Japan's") and a dot or
// comma between digits ("1,000", "3.5") stay inside it. Words joined by a
// hyphen or a plus sign are also emitted joined (see Token.Compound).
// Han, Hiragana and Katakana characters, which are written without
// spaces, are one word each. Stop words are included; see StopWord.
func Tokens(text string) []Token { return AppendTokens(nil, text) }

// AppendTokens appends the tokens of text (see Tokens) to dst and returns
// the extended slice, so callers can reuse a buffer.
func AppendTokens(dst []Token, text string) []Token {
	n := len(text)
	for i := 0; i < n; {
		r, sz := decode(text, i)
		if !isWordStart(r) {
			i += sz
			continue
		}
		if isCJK(r) {
			dst = append(dst, Token{Text: fold(text[i : i+sz]), Start: i, End: i + sz})
			i += sz
			continue
		}
		first := len(dst)
		plus := false
		for {
			j := scanWord(text, i)
			dst = append(dst, Token{Text: fold(text[i:j]), Start: i, End: j})
			i = j
			if j >= n {
				break
			}
			c, csz := decode(text, j)
			if !isConnector(c) || j+csz >= n {
				break
			}
			if r2, _ := decode(text, j+csz); !isWordStart(r2) || isCJK(r2) {
				break
			}
			plus = plus || c == '+'
			i = j + csz
		}
		if parts := dst[first:]; len(parts) > 1 {
			dst = append(dst, joined(text, parts, plus))
		}
	}
	return dst
}

// joined returns the compound token of a hyphenated or plus-joined word.
func joined(text string, parts []Token, plus bool) Token {
	var b strings.Builder
	size := 0
	for _, p := range parts {
		size += len(p.Text) + 1
	}
	b.Grow(size)
	for k, p := range parts {
		if k > 0 && plus {
			// Keep '+' only where the text has it ("2+2").
			if sep := text[parts[k-1].End:p.Start]; sep == "+" {
				b.WriteByte('+')
			}
		}
		b.WriteString(p.Text)
	}
	return Token{Text: b.String(), Start: parts[0].Start, End: parts[len(parts)-1].End, Compound: true}
}

// scanWord returns the end of the word starting at i.
func scanWord(text string, i int) int {
	n := len(text)
	var prev rune
	for i < n {
		// Fast path: an ASCII letter or digit is always part of the word.
		if c := text[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			prev = rune(c)
			i++
			continue
		}
		r, sz := decode(text, i)
		switch {
		case isWordRune(r) && !isCJK(r):
		case isApostrophe(r) && unicode.IsLetter(prev) && i+sz < n && nextIs(text, i+sz, unicode.IsLetter):
		case (r == '.' || r == ',') && isDigit(prev) && i+sz < n && nextIs(text, i+sz, isDigit):
		default:
			return i
		}
		prev = r
		i += sz
	}
	return i
}

func nextIs(text string, i int, f func(rune) bool) bool {
	r, _ := decode(text, i)
	return f(r) && !isCJK(r)
}

func decode(text string, i int) (rune, int) {
	if c := text[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(text[i:])
}

func isWordStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func isDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.IsDigit(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' || r == '\u02bc' }

// isConnector reports whether r joins the parts of a compound word:
// ASCII hyphen, Unicode hyphen and non-breaking hyphen, and '+'. Dashes
// (– —) separate ranges and clauses, so they do not join.
func isConnector(r rune) bool { return r == '-' || r == '\u2010' || r == '\u2011' || r == '+' }

func isCJK(r rune) bool {
	return r >= 0x2e80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// fold normalizes one word: NFKC, case folding, ' for apostrophes, no
// thousands separators. ASCII words take a fast path.
func fold(s string) string {
	upper, comma, ascii := false, false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			ascii = false
		case 'A' <= c && c <= 'Z':
			upper = true
		case c == ',':
			comma = true
		}
	}
	if ascii {
		if !upper && !comma {
			return s
		}
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == ',' {
				continue
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		return string(b)
	}
	t := cases.Fold().String(norm.NFKC.String(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u2019', '\u02bc':
			return '\''
		case ',':
			return -1
		}
		return r
	}, t)
}
