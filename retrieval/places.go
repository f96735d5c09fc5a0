package retrieval

import (
	"maps"
	"strings"
)

// Countries, their peoples and capitals are names however a question
// writes them: "what did australia sign with japan" asks about Australia
// as surely as "What did Australia sign?" does, and a passage about
// Britain (the nearest word in meaning) does not answer it. Chat is
// often all lower case, where capitals mark no names (properNames).
// The places the sources are about, which their titles name ("UK
// ministers visit Tokyo"), are their topic rather than a name to tell
// passages apart: "how far does britain want to take ties with japan"
// is answered by a passage that says "the two nations".
var placeNames = placeWordsOf()

// cityNames are the cities among placeNames: where a report's event took
// place, which its title names (see withoutSetting).
var cityNames = cityWordsOf()

// placeWordsIn returns the words of text that are placeNames, in any
// case, lower-cased, with a possessive "'s" dropped.
func placeWordsIn(text string) []string {
	var out []string
	for _, w := range words(text) {
		lw := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(w), "'s"), "’s")
		if placeNames[lw] {
			out = append(out, lw)
		}
	}
	return out
}

// withPlaceNames returns q with its Places that no hit's document title
// names among its Names.
func withPlaceNames(q Question, a Analyzer, hits []Hit) Question {
	if len(q.Places) == 0 {
		return q
	}
	titled := termSet{}
	for _, h := range hits {
		for _, t := range analyze(a, h.Document.Title).list {
			titled[t] = struct{}{}
		}
	}
	names, copied := q.Names, false
	for _, t := range q.Places {
		if _, ok := titled[t]; ok || names[t] {
			continue
		}
		if !copied {
			// q.Names is shared with the caller's Question
			names, copied = maps.Clone(q.Names), true
		}
		names[t] = true
	}
	q.Names = names
	return q
}
