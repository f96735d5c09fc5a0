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
var placeNames = wordsOf(`
afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh belarus belgium
bolivia bosnia brazil britain brunei bulgaria cambodia canada chile china colombia croatia cuba cyprus czechia
denmark egypt england estonia ethiopia finland france georgia germany ghana greece hungary iceland india
indonesia iran iraq ireland israel italy japan jordan kazakhstan kenya korea kuwait laos latvia lebanon libya
lithuania luxembourg malaysia mexico moldova mongolia morocco myanmar nepal netherlands holland nigeria norway
oman pakistan palestine peru philippines poland portugal qatar romania russia scotland serbia singapore
slovakia slovenia somalia spain sweden switzerland syria taiwan thailand tunisia turkey ukraine uae uruguay
uzbekistan venezuela vietnam wales yemen zimbabwe america
afghan albanian algerian argentine argentinian armenian australian austrian belgian bolivian brazilian british
bulgarian cambodian canadian chilean chinese colombian croatian cuban czech danish dutch egyptian english
estonian finnish french georgian german ghanaian greek hungarian icelandic indian indonesian iranian iraqi irish
israeli italian japanese jordanian kazakh kenyan korean kuwaiti latvian lebanese libyan lithuanian malaysian
mexican mongolian moroccan nepalese nigerian norwegian pakistani palestinian peruvian filipino polish
portuguese qatari romanian russian saudi scottish serbian singaporean slovak spanish swedish swiss syrian
taiwanese thai tunisian turkish ukrainian uzbek venezuelan vietnamese welsh yemeni american aussie brits
tokyo london beijing paris washington moscow seoul pyongyang delhi canberra berlin rome madrid ottawa manila
hanoi jakarta taipei bangkok kyiv kiev tehran riyadh ankara brussels osaka`)

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
