package retrieval

import (
	"strings"
	"unicode"
)

// Acronyms a question uses that a passage spells out ("BVR" for "beyond
// a visual range", "SDSR" for "strategic defence and security review")
// are matched by the passage's own words: a team's documents have
// acronyms no alias list knows, and the phrase they stand for is right
// there in the text.

// acronymTerms returns the analyzer terms of the question words written
// as acronyms: two to six letters with at least two capitals ("BVR",
// "MoD", "ACSA").
func acronymTerms(a Analyzer, text string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if n := len(w); n < 2 || n > 6 {
			continue
		}
		upper := 0
		for _, r := range w {
			if unicode.IsUpper(r) {
				upper++
			}
		}
		if upper < 2 {
			continue
		}
		for _, t := range a.Terms(w) {
			out[t] = true
		}
	}
	return out
}

// smallWords are skipped, or not, when initials are read ("Ministry of
// Defence" is MoD, "strategic defence and security review" SDSR).
var smallWords = map[string]bool{
	"a": true, "an": true, "and": true, "of": true, "the": true, "to": true, "for": true,
	"in": true, "on": true, "&": true,
}

// spellsOut reports whether text holds consecutive words whose initials
// are acronym (lower-case letters), small words either skipped or kept.
func spellsOut(acronym, text string) bool {
	if len(acronym) < 2 {
		return false
	}
	all := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var content []string
	for _, w := range all {
		if !smallWords[w] {
			content = append(content, w)
		}
	}
	return initialsRun(acronym, content) || initialsRun(acronym, all)
}

// initialsRun reports whether some run of len(acronym) consecutive words
// has acronym's letters as initials.
func initialsRun(acronym string, ws []string) bool {
	n := len(acronym)
	for i := 0; i+n <= len(ws); i++ {
		ok := true
		for j := 0; j < n; j++ {
			if ws[i+j][0] != acronym[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
