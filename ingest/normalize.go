package ingest

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// binarySample is how much of a file the binary check inspects.
const binarySample = 8 << 10

// looksBinary reports whether raw is not text: it holds a NUL byte, or in
// its first binarySample bytes more than a tenth of the characters are
// control characters, or more than a third are control characters or bytes
// that are not UTF-8 (text in a legacy encoding such as Latin-1 stays
// below that and is reported as "not valid UTF-8" instead).
func looksBinary(raw []byte) bool {
	if bytes.IndexByte(raw, 0) >= 0 {
		return true
	}
	sample := raw
	if len(sample) > binarySample {
		sample = sample[:binarySample]
	}
	control, invalid, total := 0, 0, 0
	for i := 0; i < len(sample); {
		r, size := utf8.DecodeRune(sample[i:])
		if r == utf8.RuneError && size == 1 {
			if len(sample) < len(raw) && len(sample)-i < utf8.UTFMax {
				break // a rune cut by the end of the sample
			}
			invalid++
		} else if r == 0x7f || (r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' && r != '\v') {
			control++
		}
		total++
		i += size
	}
	return control*10 > total || (control+invalid)*3 > total
}

// lineBreaks turns every line-break convention into "\n".
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n\n", "\u0085", "\n")

// cleanLine collapses each run of white space in line (tabs, no-break and
// other Unicode spaces) to one ASCII space, drops invisible characters
// (zero-width space, byte order mark, soft hyphen) and control characters,
// and trims the line.
func cleanLine(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	space := false
	for _, r := range line {
		switch {
		case unicode.IsSpace(r):
			space = true
		case r == '\u200b' || r == '\ufeff' || r == '\u00ad' || unicode.IsControl(r):
			// invisible: dropped
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanInline normalizes a one-line metadata value (a title, an author).
func cleanInline(s string) string {
	return norm.NFC.String(cleanLine(lineBreaks.Replace(s)))
}

// Boilerplate rules. A line that, once cleaned, is wholly one of these site
// labels is removed wherever it stands; see docs/ingest.md.
var boilerplateLine = regexp.MustCompile(`(?i)^(?:advertisement|advertising|sponsored content|share|share this(?: article| story| page)?|share on (?:facebook|twitter|linkedin|x)|tweet|print(?: this (?:article|page|story))?|e-?mail this (?:article|page|story)|skip to (?:main )?content|back to top|continue reading|read more|subscribe(?: now)?)[.:]?$`)

// trailingNav matches a site-navigation label ("More In Home", "More In
// Interviews"); such paragraphs are removed from the end of a document only.
var trailingNav = regexp.MustCompile(`^More [Ii]n(?: \p{Lu}[\p{L}\p{N}&'’-]*){1,4}$`)

// cleanBody normalizes a document body into Document.Text: line breaks to
// "\n", white space collapsed and trimmed within lines, boilerplate lines
// dropped, lines of a paragraph joined by one space, paragraphs separated by
// exactly "\n\n", a first paragraph that repeats title dropped, trailing
// navigation removed, and the result in Unicode NFC.
func cleanBody(body, title string) string {
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	for _, line := range strings.Split(lineBreaks.Replace(body), "\n") {
		line = cleanLine(line)
		switch {
		case line == "":
			flush()
		case boilerplateLine.MatchString(line):
			// dropped
		default:
			cur = append(cur, line)
		}
	}
	flush()
	for len(paras) > 0 && trailingNav.MatchString(paras[len(paras)-1]) {
		paras = paras[:len(paras)-1]
	}
	for i, p := range paras {
		paras[i] = norm.NFC.String(p)
	}
	if len(paras) > 0 && title != "" && paras[0] == title {
		paras = paras[1:]
	}
	return strings.Join(paras, "\n\n")
}
