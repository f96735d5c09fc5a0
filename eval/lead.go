package eval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/llm"
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

// FirstSentence returns the first sentence of an answer, with the citation
// markers that close it. Answers come in two shapes: extractive ones quote
// sentences verbatim, each followed by its marker ("Quoted sentence. [1]
// Another one. [2] See also [3]."), and generated ones are prose with
// markers inside or after sentences ("It was lifted in April 2014 [2].").
// A sentence ends at
//   - a marker group preceded by a terminator (". [1]"), or followed by one
//     ("[1]."), by an upper-case letter or opening quote ("[1] The …"), or
//     by the end of the text;
//   - a terminator (. ! ?, with any closing quotes or brackets) followed by
//     white space and an upper-case letter, digit or opening quote, unless
//     the period closes an abbreviation ("Jan. 8", "Gen. Nakatani"), an
//     initialism ("U.K. officials") or an initial;
//   - a blank line, or a line break before a list item.
//
// A bare "Yes." or "No." is joined to the sentence after it, since that is
// the one that says why.
func FirstSentence(text string) string {
	text = strings.TrimSpace(text)
	end := sentenceEnd(text, 0)
	if bareYesNo(text[:end]) && end < len(text) {
		end = sentenceEnd(text, end)
	}
	return strings.TrimSpace(text[:end])
}

// sentenceEnd returns the byte offset just past the sentence of text that
// starts at from.
func sentenceEnd(text string, from int) int {
	markers := llm.ParseMarkers(text)
	for i := from; i < len(text); {
		if m := markerAt(markers, i); m >= 0 {
			g := groupEnd(text, markers, m)
			j := skipSpaces(text, g)
			switch {
			case endsWithTerminator(text[from:markers[m].Start]):
				return g
			case j < len(text) && strings.IndexByte(".!?", text[j]) >= 0:
				return closers(text, j+1)
			case j >= len(text) || opensSentence(text[j:]):
				return g
			}
			i = g
			continue
		}
		switch c := text[i]; {
		case c == '.' || c == '!' || c == '?':
			k := closers(text, i+1)
			if k >= len(text) {
				return k
			}
			j := skipSpaces(text, k)
			if j == k || (c == '.' && abbreviation(text[from:i])) {
				i = k
				continue
			}
			if markerAt(markers, j) >= 0 {
				i = j // the marker group belongs to this sentence
				continue
			}
			if opensSentence(text[j:]) || (text[j] >= '0' && text[j] <= '9') {
				return k
			}
			i = k
		case c == '\n' && (strings.HasPrefix(text[i:], "\n\n") || listItem(text[skipSpaces(text, i):])):
			return i
		default:
			i++
		}
	}
	return len(text)
}

// markerAt returns the index of the marker starting at offset i, or -1.
func markerAt(markers []llm.Marker, i int) int {
	for n, m := range markers {
		if m.Start == i {
			return n
		}
	}
	return -1
}

// groupEnd returns the end of the run of markers starting with markers[m]:
// markers separated only by spaces or commas ("[1][2]", "[2], [3]").
func groupEnd(text string, markers []llm.Marker, m int) int {
	end := markers[m].End
	for n := m + 1; n < len(markers); n++ {
		if strings.Trim(text[end:markers[n].Start], " ,") != "" {
			break
		}
		end = markers[n].End
	}
	return end
}

// skipSpaces returns the offset of the first non-space byte at or after i.
func skipSpaces(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
		i++
	}
	return i
}

// closers returns the offset past any closing quotes and brackets at i.
func closers(text string, i int) int {
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !strings.ContainsRune("\"')]\u2019\u201d", r) {
			break
		}
		i += n
	}
	return i
}

// endsWithTerminator reports whether s, ignoring trailing space and
// closing quotes, ends with . ! or ? (and not with an abbreviation).
func endsWithTerminator(s string) bool {
	s = strings.TrimRight(s, " \t\n\"')]\u2019\u201d")
	if s == "" {
		return false
	}
	switch s[len(s)-1] {
	case '!', '?':
		return true
	case '.':
		return !abbreviation(s[:len(s)-1])
	}
	return false
}

// opensSentence reports whether s starts like a sentence: an upper-case
// letter or an opening quote or bracket.
func opensSentence(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || strings.ContainsRune("\"'(\u2018\u201c", r)
}

// listItem reports whether s starts with a list bullet.
func listItem(s string) bool {
	return strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ") || strings.HasPrefix(s, "\u2022")
}

// abbreviation reports whether the word that ends before (a period) is a
// title, month or other abbreviation, an initialism such as "U.K" or a
// single capital initial.
func abbreviation(before string) bool {
	start := len(before)
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(before[:start])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		start -= n
	}
	word := before[start:]
	if strings.Contains(word, ".") {
		return true // "U.K", "e.g"
	}
	if r, n := utf8.DecodeRuneInString(word); n == len(word) && unicode.IsUpper(r) {
		return true
	}
	switch strings.ToLower(word) {
	case "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "gov", "sen", "rep", "rev", "st", "jr", "sr",
		"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"vs", "approx", "inc", "corp", "co", "ltd", "dept", "est", "fig", "vol":
		return true
	}
	return false
}

// bareYesNo reports whether s is only "Yes" or "No" (with punctuation and
// markers).
func bareYesNo(s string) bool {
	w := strings.ToLower(strings.Trim(llm.StripMarkers(s), " .,!—–-*_"))
	return w == "yes" || w == "no"
}

// LeadHit reports whether sentence contains every answer string (any of
// its "|" alternatives), compared with Normalize and without markers.
func LeadHit(sentence string, answers []string) bool {
	return len(LeadMissing(sentence, answers)) == 0
}

// LeadMissing returns the answer strings sentence lacks.
func LeadMissing(sentence string, answers []string) []string {
	s := Normalize(llm.StripMarkers(sentence))
	var missing []string
	for _, a := range answers {
		found := false
		for _, alt := range strings.Split(a, "|") {
			if alt := Normalize(alt); alt != "" && strings.Contains(s, alt) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, a)
		}
	}
	return missing
}
