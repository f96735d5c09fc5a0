package retrieval

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The values below are the gazetteer's derived values as they were
// spelled out by hand before the gazetteer, kept to pin them.

const oldNationalityWords = `UK|U\.K\.|British|Britain's|Japanese|Japan's|French|France's|American|US|U\.S\.|Chinese|China's|Indian|India's|German|Germany's`

const oldRoleAsked = `^(?:who(?:'s|s| is| was| are| were)?|name|what(?:'s| is) the name of) (?:the )?(?:(uk|u\.k\.|british|britain's|britain|japanese|japan's|japan|french|france's|france|us|american|chinese|china's|indian|india's|german|germany's) )?(?:(foreign|defence|defense|prime|finance|trade) (?:secretary|minister|sec|min)|(pm|fm))(?: (?:of|for) (uk|britain|japan|france|china|india|germany|the us))?(?: (?:at the time|then|now|today|currently|during .+|at .+|in .+|on .+))?$|^(uk|british|britain's|britain|japan's|japanese|japan) (pm|fm|(?:foreign|defence|defense|prime) (?:secretary|minister|sec)) name$`

var oldCountryLabels = map[string]string{
	"uk": "Britain's", "japan": "Japan's", "france": "France's", "us": "the US's",
	"china": "China's", "india": "India's", "germany": "Germany's",
}

var oldNationalities = []string{"british", "japanese", "french", "swedish", "chinese", "american", "european", "korean", "indian", "english"}

const oldPlaceNames = `
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
hanoi jakarta taipei bangkok kyiv kiev tehran riyadh ankara brussels osaka`

func oldCountryOf(w string) string {
	w = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(w), "'s"), "’s")
	switch w {
	case "":
		return ""
	case "uk", "u.k.", "british", "britain":
		return "uk"
	case "japanese", "japan":
		return "japan"
	case "french", "france":
		return "france"
	case "us", "american", "the us":
		return "us"
	case "chinese", "china":
		return "china"
	case "indian", "india":
		return "india"
	case "german", "germany":
		return "germany"
	}
	return w
}

// probeWords are every word the old lists name, in the cases and
// possessives the package reads, and some near them they never named.
func probeWords() []string {
	ws := strings.Fields(oldPlaceNames)
	ws = append(ws, strings.Split(oldNationalityWords, "|")...)
	ws = append(ws, "UK", "U.K.", "US", "U.S.", "u.s.", "u.s", "u.k", "USA", "the US", "the us", "Britain",
		"Japan", "China", "India", "Germany", "France", "America", "England", "us", "uk", "the", "", "U.S.'s", "u.s.'s",
		"US's", "the US's", "UK's", "uk’s", "Brits", "European", "Swedish", "Korean")
	var out []string
	for _, w := range ws {
		w = strings.ReplaceAll(w, `\.`, ".")
		out = append(out, w, strings.ToLower(w), strings.ToUpper(w), w+"'s", w+"’s", strings.ToLower(w)+"'s")
		if w != "" {
			out = append(out, strings.ToUpper(w[:1])+w[1:])
		}
	}
	return out
}

func TestCountryOfUnchanged(t *testing.T) {
	for _, w := range probeWords() {
		if got, want := countryOf(w), oldCountryOf(w); got != want {
			t.Errorf("countryOf(%q) = %q; was %q", w, got, want)
		}
	}
	if !maps.Equal(countryKeys, map[string]string{
		"uk": "uk", "u.k.": "uk", "british": "uk", "britain": "uk", "japanese": "japan", "japan": "japan",
		"french": "france", "france": "france", "us": "us", "american": "us", "the us": "us",
		"chinese": "china", "china": "china", "indian": "india", "india": "india", "german": "germany", "germany": "germany",
	}) {
		t.Errorf("countryKeys = %v", countryKeys)
	}
}

func TestGazetteerSetsUnchanged(t *testing.T) {
	if !maps.Equal(countryLabels, oldCountryLabels) {
		t.Errorf("countryLabels = %v; was %v", countryLabels, oldCountryLabels)
	}
	if old := wordsOf(oldPlaceNames); !maps.Equal(placeNames, old) {
		t.Errorf("placeNames = %q; was %q", slices.Sorted(maps.Keys(placeNames)), slices.Sorted(maps.Keys(old)))
	}
	if old := wordsOf(strings.Join(oldNationalities, " ")); !maps.Equal(nationalities, old) {
		t.Errorf("nationalities = %q; was %q", slices.Sorted(maps.Keys(nationalities)), oldNationalities)
	}
}

// sameAlternatives reports whether alternations of literals got and
// old match alike wherever they stand: the same alternatives, and any
// alternative that is a prefix of another ("britain" of "britain's"),
// the only ones of which more than one can match at a place, in the
// same order.
func sameAlternatives(got, old string) bool {
	g, o := strings.Split(got, "|"), strings.Split(old, "|")
	if !slices.Equal(slices.Sorted(slices.Values(g)), slices.Sorted(slices.Values(o))) {
		return false
	}
	for i, a := range g {
		for _, b := range g[i+1:] {
			if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
				if slices.Index(o, a) > slices.Index(o, b) {
					return false
				}
			}
		}
	}
	return true
}

func TestNationalityWordsUnchanged(t *testing.T) {
	if !sameAlternatives(nationalityWords, oldNationalityWords) {
		t.Errorf("nationalityWords = %s; was %s", nationalityWords, oldNationalityWords)
	}
	old := map[*regexp.Regexp]*regexp.Regexp{
		groupRef:        regexp.MustCompile(strings.ReplaceAll(groupRef.String(), nationalityWords, oldNationalityWords)),
		titledName:      regexp.MustCompile(strings.ReplaceAll(titledName.String(), nationalityWords, oldNationalityWords)),
		nationalityWord: regexp.MustCompile(`\b(` + oldNationalityWords + `|Britain)\b`),
	}
	for re, was := range old {
		if !strings.Contains(re.String(), nationalityWords) {
			t.Fatalf("%s: the nationality words are not in the expression", re)
		}
		for _, w := range probeWords() {
			for _, s := range []string{
				"senior " + w + " ministers met", w + " officials", "Britain and its " + w + " counterparts, Foreign Minister Fumio Kishida",
				w + " Defence Secretary Micheal Fallon said", "the " + w + " Prime Minister Shinzo Abe", "the nations' " + w + " leaders",
			} {
				if got, want := re.FindAllStringSubmatchIndex(s, -1), was.FindAllStringSubmatchIndex(s, -1); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("%s on %q = %v; was %v", re, s, got, want)
				}
			}
		}
	}
}

func TestRoleAskedUnchanged(t *testing.T) {
	alts := regexp.MustCompile(`\(((?:[a-z'’ ]|\\\.)+(?:\|(?:[a-z'’ ]|\\\.)+){4,})\)`)
	got, old := alts.FindAllStringSubmatch(roleAsked.String(), -1), alts.FindAllStringSubmatch(oldRoleAsked, -1)
	// the three nationalities' and the portfolios'
	if len(got) != 4 || len(old) != 4 {
		t.Fatalf("found %d and %d alternations; want 4", len(got), len(old))
	}
	for i := range got {
		if !sameAlternatives(got[i][1], old[i][1]) {
			t.Errorf("roleAsked alternation %d = %s; was %s", i, got[i][1], old[i][1])
		}
	}
	was := regexp.MustCompile(oldRoleAsked)
	for _, w := range probeWords() {
		w = strings.ToLower(w)
		for _, q := range []string{
			"who is the " + w + " defence secretary", "who's " + w + " foreign minister", "who is " + w + " pm",
			"name the defence minister of " + w, "who was the prime minister for " + w + " at the time",
			w + " pm name", w + " defence secretary name",
		} {
			if got, want := roleAsked.FindStringSubmatch(q), was.FindStringSubmatch(q); !slices.Equal(got, want) {
				t.Errorf("roleAsked on %q = %q; was %q", q, got, want)
			}
		}
	}
}
