package eval

import (
	"strings"
	"unicode"
)

// Normalize folds text for answer and evidence matching: lower case, every
// run of white space (including non-breaking and other Unicode spaces) to
// one space, curly quotes to straight ones and dashes to "-". It trims the
// ends.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200b':
			space = true
			continue
		case r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u2032':
			r = '\''
		case r == '\u201c' || r == '\u201d' || r == '\u201e' || r == '\u2033':
			r = '"'
		case r == '\u2010' || r == '\u2011' || r == '\u2012' || r == '\u2013' || r == '\u2014' || r == '\u2015' || r == '\u2212':
			r = '-'
		default:
			r = unicode.ToLower(r)
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
