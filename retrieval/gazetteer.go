package retrieval

import (
	"regexp"
	"slices"
	"strings"
)

// The gazetteer is the one table of what the package knows about
// countries: what each is called, its people, how a title writes it
// ("UK Defence Secretary", "Japan's Foreign Minister"), its cities and
// how an answer names its people ("Britain's ministers"). It exists so
// that a country is spelled once: the nationality words titles and
// groups are read with (nationalityWords), the keys countries fold to
// (countryOf), the labels of answers (countryLabels), the nationalities
// a role question gives (roleAsked), the place names questions are
// read for (placeNames) and the nationalities that name no organisation
// (nationalities) are all derived from it when the package starts. A
// use that reads only some of the countries or forms says which where
// it is declared; the table holds no use's choices but its spellings.
var gazetteer = []country{
	{key: "uk", name: "Britain", adjective: "British", demonyms: []string{"Brits"}, abbrevs: []string{"UK", "U.K."},
		possessive: "Britain's", cities: []string{"London"}, label: "Britain's"},
	{key: "japan", name: "Japan", adjective: "Japanese", possessive: "Japan's", cities: []string{"Tokyo", "Osaka"}, label: "Japan's"},
	{key: "france", name: "France", adjective: "French", possessive: "France's", cities: []string{"Paris"}, label: "France's"},
	// Titles say "US Defense Secretary", not "the US's".
	{key: "us", name: "the US", others: []string{"America"}, adjective: "American", abbrevs: []string{"US"},
		capsOnly: []string{"U.S."}, cities: []string{"Washington"}, label: "the US's"},
	{key: "china", name: "China", adjective: "Chinese", possessive: "China's", cities: []string{"Beijing"}, label: "China's"},
	{key: "india", name: "India", adjective: "Indian", possessive: "India's", cities: []string{"Delhi"}, label: "India's"},
	{key: "germany", name: "Germany", adjective: "German", possessive: "Germany's", cities: []string{"Berlin"}, label: "Germany's"},

	{name: "Afghanistan", adjective: "Afghan"},
	{name: "Albania", adjective: "Albanian"},
	{name: "Algeria", adjective: "Algerian"},
	{name: "Argentina", adjective: "Argentine", demonyms: []string{"Argentinian"}},
	{name: "Armenia", adjective: "Armenian"},
	{name: "Australia", adjective: "Australian", demonyms: []string{"Aussie"}, cities: []string{"Canberra"}},
	{name: "Austria", adjective: "Austrian"},
	{name: "Azerbaijan"},
	{name: "Bahrain"},
	{name: "Bangladesh"},
	{name: "Belarus"},
	{name: "Belgium", adjective: "Belgian", cities: []string{"Brussels"}},
	{name: "Bolivia", adjective: "Bolivian"},
	{name: "Bosnia"},
	{name: "Brazil", adjective: "Brazilian"},
	{name: "Brunei"},
	{name: "Bulgaria", adjective: "Bulgarian"},
	{name: "Cambodia", adjective: "Cambodian"},
	{name: "Canada", adjective: "Canadian", cities: []string{"Ottawa"}},
	{name: "Chile", adjective: "Chilean"},
	{name: "Colombia", adjective: "Colombian"},
	{name: "Croatia", adjective: "Croatian"},
	{name: "Cuba", adjective: "Cuban"},
	{name: "Cyprus"},
	{name: "Czechia", adjective: "Czech"},
	{name: "Denmark", adjective: "Danish"},
	{name: "Egypt", adjective: "Egyptian"},
	{name: "England", adjective: "English"},
	{name: "Estonia", adjective: "Estonian"},
	{name: "Ethiopia"},
	{name: "Finland", adjective: "Finnish"},
	{name: "Georgia", adjective: "Georgian"},
	{name: "Ghana", adjective: "Ghanaian"},
	{name: "Greece", adjective: "Greek"},
	{name: "Hungary", adjective: "Hungarian"},
	{name: "Iceland", adjective: "Icelandic"},
	{name: "Indonesia", adjective: "Indonesian", cities: []string{"Jakarta"}},
	{name: "Iran", adjective: "Iranian", cities: []string{"Tehran"}},
	{name: "Iraq", adjective: "Iraqi"},
	{name: "Ireland", adjective: "Irish"},
	{name: "Israel", adjective: "Israeli"},
	{name: "Italy", adjective: "Italian", cities: []string{"Rome"}},
	{name: "Jordan", adjective: "Jordanian"},
	{name: "Kazakhstan", adjective: "Kazakh"},
	{name: "Kenya", adjective: "Kenyan"},
	{name: "Korea", adjective: "Korean", cities: []string{"Seoul", "Pyongyang"}},
	{name: "Kuwait", adjective: "Kuwaiti"},
	{name: "Laos"},
	{name: "Latvia", adjective: "Latvian"},
	{name: "Lebanon", adjective: "Lebanese"},
	{name: "Libya", adjective: "Libyan"},
	{name: "Lithuania", adjective: "Lithuanian"},
	{name: "Luxembourg"},
	{name: "Malaysia", adjective: "Malaysian"},
	{name: "Mexico", adjective: "Mexican"},
	{name: "Moldova"},
	{name: "Mongolia", adjective: "Mongolian"},
	{name: "Morocco", adjective: "Moroccan"},
	{name: "Myanmar"},
	{name: "Nepal", adjective: "Nepalese"},
	{name: "Netherlands", others: []string{"Holland"}, adjective: "Dutch"},
	{name: "Nigeria", adjective: "Nigerian"},
	{name: "Norway", adjective: "Norwegian"},
	{name: "Oman"},
	{name: "Pakistan", adjective: "Pakistani"},
	{name: "Palestine", adjective: "Palestinian"},
	{name: "Peru", adjective: "Peruvian"},
	{name: "Philippines", adjective: "Filipino", cities: []string{"Manila"}},
	{name: "Poland", adjective: "Polish"},
	{name: "Portugal", adjective: "Portuguese"},
	{name: "Qatar", adjective: "Qatari"},
	{name: "Romania", adjective: "Romanian"},
	{name: "Russia", adjective: "Russian", cities: []string{"Moscow"}},
	{name: "Saudi Arabia", adjective: "Saudi", cities: []string{"Riyadh"}},
	{name: "Scotland", adjective: "Scottish"},
	{name: "Serbia", adjective: "Serbian"},
	{name: "Singapore", adjective: "Singaporean"},
	{name: "Slovakia", adjective: "Slovak"},
	{name: "Slovenia"},
	{name: "Somalia"},
	{name: "Spain", adjective: "Spanish", cities: []string{"Madrid"}},
	{name: "Sweden", adjective: "Swedish"},
	{name: "Switzerland", adjective: "Swiss"},
	{name: "Syria", adjective: "Syrian"},
	{name: "Taiwan", adjective: "Taiwanese", cities: []string{"Taipei"}},
	{name: "Thailand", adjective: "Thai", cities: []string{"Bangkok"}},
	{name: "Tunisia", adjective: "Tunisian"},
	{name: "Turkey", adjective: "Turkish", cities: []string{"Ankara"}},
	{name: "Ukraine", adjective: "Ukrainian", cities: []string{"Kyiv", "Kiev"}},
	{name: "UAE"},
	{name: "Uruguay"},
	{name: "Uzbekistan", adjective: "Uzbek"},
	{name: "Venezuela", adjective: "Venezuelan"},
	{name: "Vietnam", adjective: "Vietnamese", cities: []string{"Hanoi"}},
	{name: "Wales", adjective: "Welsh"},
	{name: "Yemen", adjective: "Yemeni"},
	{name: "Zimbabwe"},
}

// country is one gazetteer entry, its words written as a title writes
// them.
type country struct {
	// key is the word countryOf folds the country's words to ("uk"),
	// "" for a country no title, group or role question is read for.
	key string
	// name is what the country is called ("Britain", "the US"), others
	// more names for it ("America", "Holland").
	name   string
	others []string
	// adjective is its people's ("British"), demonyms more words for
	// them ("Brits", "Aussie").
	adjective string
	demonyms  []string
	// possessive begins a title ("Britain's Defence Secretary"), "" when
	// none is read.
	possessive string
	// abbrevs are its abbreviations, read in any case ("UK", "u.k.");
	// capsOnly are read only as titles write them: "U.S." (a question's
	// "u.s.'s" has always folded to no country).
	abbrevs, capsOnly []string
	// cities are its capital and the other cities questions name.
	cities []string
	// label names its people in an answer ("Britain's ministers").
	label string
}

// titledCountries are the gazetteer's countries with a key.
func titledCountries() []country {
	var out []country
	for _, c := range gazetteer {
		if c.key != "" {
			out = append(out, c)
		}
	}
	return out
}

// countryNamed returns the entries named names, in that order; a name
// the gazetteer lacks is a mistake in the package, caught as it starts.
func countryNamed(names ...string) []country {
	var out []country
	for _, name := range names {
		i := -1
		for j, c := range gazetteer {
			if c.name == name {
				i = j
			}
		}
		if i < 0 {
			panic("retrieval: no country named " + name + " in the gazetteer")
		}
		out = append(out, gazetteer[i])
	}
	return out
}

// alternation joins words as a regular expression's alternatives, each
// matched literally.
func alternation(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(quoted, "|")
}

// lowered returns words in lower case.
func lowered(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ToLower(w)
	}
	return out
}

// titleWords are the words titles and groups give a titled country's
// nationality with, as written: "UK", "U.K.", "British", "Britain's".
func titleWords() []string {
	var out []string
	for _, c := range titledCountries() {
		out = append(out, c.abbrevs...)
		out = append(out, c.capsOnly...)
		out = append(out, c.adjective)
		if c.possessive != "" {
			out = append(out, c.possessive)
		}
	}
	return out
}

// countryKeysOf maps the lower-case abbreviations, adjective and name of
// each titled country to its key (countryOf).
func countryKeysOf() map[string]string {
	keys := map[string]string{}
	for _, c := range titledCountries() {
		for _, w := range lowered(slices.Concat(c.abbrevs, []string{c.adjective, c.name})) {
			keys[w] = c.key
		}
	}
	return keys
}

// labelsOf maps each titled country's key to its label.
func labelsOf() map[string]string {
	labels := map[string]string{}
	for _, c := range titledCountries() {
		labels[c.key] = c.label
	}
	return labels
}

// placeWordsOf is the set of every country's one-word names, adjective,
// demonyms and cities, in lower case (placeNames); not abbreviations:
// "us" is as often the pronoun, and "uk" has never been read as one.
func placeWordsOf() map[string]bool {
	set := map[string]bool{}
	for _, c := range gazetteer {
		for _, w := range lowered(slices.Concat([]string{c.name}, c.others, []string{c.adjective}, c.demonyms, c.cities)) {
			if w != "" && !strings.Contains(w, " ") {
				set[w] = true
			}
		}
	}
	return set
}

// cityWordsOf returns the gazetteer's cities in lower case (cityNames).
func cityWordsOf() map[string]bool {
	set := map[string]bool{}
	for _, c := range gazetteer {
		for _, w := range lowered(c.cities) {
			set[w] = true
		}
	}
	return set
}

// adjectivesOf returns the lower-case adjectives of the countries named.
func adjectivesOf(names ...string) []string {
	var out []string
	for _, c := range countryNamed(names...) {
		out = append(out, strings.ToLower(c.adjective))
	}
	return out
}
