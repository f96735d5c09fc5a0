package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A name of several words names one thing: "South Korea" is not covered
// by a passage about the "South China Sea" and "North Korean"
// announcements, though it spells both words. A passage covers such a
// name only when its words stand together, give or take a word
// ("Prime Minister Shinzo Abe" for "Prime Minister Abe").

// namePhrases returns the runs of two or more words capitalised
// mid-sentence in q (see properNames), each as its words.
func namePhrases(q string) [][]string {
	names := properNames(q)
	if len(names) < 2 {
		return nil
	}
	isName := map[string]bool{}
	for _, n := range names {
		isName[n] = true
	}
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-')
	})
	var out [][]string
	var run []string
	flush := func() {
		if len(run) >= 2 {
			out = append(out, run)
		}
		run = nil
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		// A code or an acronym ("F-35", "MBDA") is a name of its own:
		// "the F-35 Japan is buying" is two names side by side.
		if i > 0 && isName[w] && unicode.IsUpper(r) && !allCaps(w) && !strings.ContainsAny(w, "0123456789") {
			run = append(run, w)
			continue
		}
		flush()
	}
	flush()
	return out
}

// namePhraseTerms returns the content terms of each of text's name
// phrases that has two or more of them.
func namePhraseTerms(a Analyzer, text string, terms []string) [][]string {
	var out [][]string
	for _, p := range namePhrases(text) {
		if ts := contentTerms(a, strings.Join(p, " "), terms); len(ts) >= 2 {
			out = append(out, ts)
		}
	}
	return out
}

// phraseSlack is how many other terms may stand between the words of a
// name phrase in a passage.
const phraseSlack = 1

// apart reports whether seq (a passage's terms in order; set, the same
// terms as a set) holds every term of phrase but never all of them
// within len(phrase)+phraseSlack consecutive terms: the words are there,
// the name is not.
func apart(phrase, seq []string, set termSet) bool {
	if !set.hasAll(phrase) {
		return false
	}
	n := len(phrase) + phraseSlack
	for k := range seq {
		window := seq[k:min(k+n, len(seq))]
		all := true
		for _, t := range phrase {
			if !hasIn(window, t) {
				all = false
				break
			}
		}
		if all {
			return false
		}
	}
	return true
}

// hasAll reports whether s has every term of ts (see has).
func (s termSet) hasAll(ts []string) bool {
	for _, t := range ts {
		if !s.has(t) {
			return false
		}
	}
	return true
}
