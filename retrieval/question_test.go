package retrieval

import (
	"reflect"
	"testing"
)

func TestStripNoise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"@coopbot quick q: when did japan lift its arms export ban?", "when did japan lift its arms export ban?"},
		{"hey, who is the UK's ambassador to Japan?", "who is the UK's ambassador to Japan?"},
		{"pls summarise the cyber stuff thx 🙏", "summarise the cyber stuff"},
		{"<@U123> Are RAF fighters going to Japan for drills?", "Are RAF fighters going to Japan for drills?"},
		{"so, do you know where the mine sweeping drills are?", "where the mine sweeping drills are?"},
		{"Which minister announced the Typhoon exercise plan?", "Which minister announced the Typhoon exercise plan?"},
		{"tell me", "tell me"},
		{"thanks!", ""},
		{"hey team!! first week here, JNAAM in one line? ty", "JNAAM in one line?"},
		{"morning all — what's the P-1?", "what's the P-1?"},
		{"@coopbot sry to bug u again 😬 where's the 2+2 being held", "where's the 2+2 being held"},
	}
	for _, tt := range tests {
		if got := stripNoise(tt.in); got != tt.want {
			t.Errorf("stripNoise(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestIntentOf(t *testing.T) {
	tests := map[string]Intent{
		"When did Japan lift its ban on arms exports?":        IntentWhen,
		"what year was the framework signed":                  IntentWhen,
		"whos the uk foreign sec":                             IntentWho,
		"Which minister announced the Typhoon exercise plan?": IntentWho,
		"which UK ministers went to Tokyo":                    IntentWho,
		"what did the ministers pledge":                       IntentWhat,
		"what are the main takeaways":                         IntentSummary,
		"Where will the mine sweeping drills be held?":        IntentWhere,
		"How much does the JNAAM missile cost?":               IntentQuantity,
		"what made treasury ministers prefer the P-1":         IntentWhy,
		"what's the P-8 deal worth":                           IntentQuantity,
		"how many phases has the missile study had":           IntentQuantity,
		"Why are the two countries getting closer now?":       IntentWhy,
		"Is the RAF sending fighters to Japan for drills?":    IntentYesNo,
		"did japan's military budget go down?":                IntentYesNo,
		"does it say what the missile will cost":              IntentQuantity,
		"what day were the typhoon drills announced":          IntentWhen,
		"at what point did they start eyeing the P-1":         IntentWhen,
		"how far are the senkakus from okinawa":               IntentQuantity,
		"how far back does the framework go":                  IntentWhen,
		"how fast is a typhoon":                               IntentQuantity,
		"did the MoD spill anything on the JNAAM when asked":  IntentYesNo,
		"gimme the 30 sec version of the london report":       IntentSummary,
		"Summarise the cooperation":                           IntentSummary,
		"tell me about the P-1":                               IntentSummary,
		"What is the JNAAM project?":                          IntentWhat,
		"any date yet for the pact?":                          IntentWhen,
	}
	for q, want := range tests {
		if got := intentOf(q); got != want {
			t.Errorf("intentOf(%q) = %q; want %q", q, got, want)
		}
	}
}

func TestDropCompounds(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"uk", "japan", "ukjapan", "defenc"}, []string{"uk", "japan", "defenc"}},
		{[]string{"bomb", "hbomb"}, []string{"bomb"}},
		{[]string{"1", "p1", "aircraft"}, []string{"p1", "aircraft"}},
		{[]string{"ef", "2000", "ef2000", "go"}, []string{"ef2000", "go"}}, // the code, not its letters
		{[]string{"typhoon", "jet"}, []string{"typhoon", "jet"}},
		{[]string{"2", "2", "2+2", "meet"}, []string{"2+2", "meet"}},
		{[]string{"non", "combat", "noncombat", "mission"}, []string{"noncombat", "mission"}},
		{[]string{"defenc", "co", "oper", "cooper"}, []string{"defenc", "cooper"}},
		{[]string{"sub", "hunter", "subhunt"}, []string{"sub", "hunter"}},
		{[]string{"counter", "ied", "counteri"}, []string{"counter", "ied"}},
		{[]string{"long", "time", "longtim", "partner"}, []string{"long", "time", "partner"}},
	}
	for _, tt := range tests {
		if got := dropCompounds(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("dropCompounds(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestProperNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Who is the chief executive of MBDA?", []string{"MBDA"}},
		{"What did France and Japan agree in their pact?", []string{"France", "Japan"}},
		{"what did france and japan agree", nil},     // no case evidence
		{"WHAT DID FRANCE AND JAPAN AGREE", nil},     // nor here
		{"Did the UK buy the P-8?", []string{"P-8"}}, // "UK" is an alias, not a name
	}
	for _, tt := range tests {
		if got := properNames(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("properNames(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestHoldsFact(t *testing.T) {
	tests := []struct {
		intent   Intent
		sentence string
		want     bool
	}{
		{IntentWhen, "Japan lifted a ban on exporting defense equipment in April 2014.", true},
		{IntentWhen, "The British said they are considering sending jets to Japan later this year.", true},
		{IntentWhen, "Recent years has seen Japan ease restrictions.", false},
		{IntentWhen, "An MoD spokesman said no details were available.", false},
		{IntentQuantity, "The two sides said they were taking forward a project.", false},
		{IntentQuantity, "France and India have signed pacts in the last 12 months.", true},
		{IntentQuantity, "Japan is purchasing the Lockheed Martin F-35.", false},
		{IntentWho, "An MoD spokesman said no details were available.", true},
		{IntentWho, "Seeker technology involving Mitsubishi Electric is one possible development.", true},
		{IntentWho, "The British said they are sending jets to Japan.", false},
		{IntentWho, "The missile is built by Boeing.", true}, // an organisation's name
		{IntentWhere, "Joint exercises on mine sweeping in the Arabian Gulf.", true},
		{IntentWhere, "A feasibility study kicked off in November.", false}, // a month, not a place
		{IntentWhy, "The meeting comes at a time of rising tensions in the region.", true},
		{IntentWhy, "A research project is also on the agenda.", false},
		{IntentWhat, "Anything at all.", true},
	}
	for _, tt := range tests {
		if got := holdsFact(tt.intent, tt.sentence); got != tt.want {
			t.Errorf("holdsFact(%s, %q) = %v; want %v", tt.intent, tt.sentence, got, tt.want)
		}
	}
	if !hasProperName("Foreign Secretary Philip Hammond met Abe.") || hasProperName("An MoD spokesman said so.") {
		t.Errorf("hasProperName: want a name in %q and none in %q", "Foreign Secretary Philip Hammond met Abe.", "An MoD spokesman said so.")
	}
}

func TestHasName(t *testing.T) {
	set := newTermSet([]string{"abe", "electr", "hammond", "fallon", "axe"})
	for name, want := range map[string]bool{"abb": true, "electirc": true, "hamond": true, "fallen": true, "abx": true, "exercis": false, "ab": false, "aye": false} {
		if got := set.hasName(name, nil); got != want {
			t.Errorf("hasName(%q) = %v; want %v", name, got, want)
		}
	}
}

// The country "US" is a name: a passage must spell it (or an alias of
// it) to answer a question about it.
func TestCountryUSIsAName(t *testing.T) {
	q := AnalyzeQuestion(wordsAnalyzer{}, "When did the US and Japan first become partners?")
	if !q.Names["usa"] {
		t.Errorf("AnalyzeQuestion(%q).Names = %v; want usa among them", q.Text, q.Names)
	}
}

func TestCountryUS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Is the US also a partner of Japan?", "Is the USA also a partner of Japan?"},
		{"did the U.S. sign anything", "did the USA. sign anything"},
		{"tell us about the USA", "tell us about the USA"},
		{"IS THE US INVOLVED", "IS THE US INVOLVED"},
		{"What about us?", "What about us?"},
	}
	for _, tt := range tests {
		if got := countryUS(tt.in); got != tt.want {
			t.Errorf("countryUS(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestNamesHolder(t *testing.T) {
	asked := map[string]bool{"which": true, "prime": true, "minister": true, "government": true}
	tests := []struct {
		sentence string
		want     bool
	}{
		{"Hammond also met with Japanese Prime Minister Shinzo Abe.", true},
		{"the UK government decided to acquire Boeing P-8s", false},
		{"UK Defence Secretary Micheal Fallon said", false}, // a role the question does not state
		{"Defense Minister Gen Nakatani", true},
	}
	for _, tt := range tests {
		if got := namesHolder(tt.sentence, asked); got != tt.want {
			t.Errorf("namesHolder(%q) = %v; want %v", tt.sentence, got, tt.want)
		}
	}
}

func TestWithoutIdioms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"What replaced Nimrod in the end?", "what replaced nimrod  ?"},
		{"What research is already under way?", "what research is already underway?"},
		{"Why no MPA decision straight away", "why no mpa decision  "},
		{"When does the study end?", "When does the study end?"},
		{"JNAAM in one line?", "jnaam  ?"},
		{"why's the region so tense at the mo", "why's the region so tense  "},
	}
	for _, tt := range tests {
		if got := withoutIdioms(tt.in); got != tt.want {
			t.Errorf("withoutIdioms(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestWithoutIdiomsWholeWords(t *testing.T) {
	if in, got := "Is it within the endgame?", withoutIdioms("Is it within the endgame?"); got != in {
		t.Errorf("withoutIdioms(%q) = %q; want it unchanged", in, got)
	}
}

func TestChatWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"wen did japan lift the ban?", "when did japan lift the ban?"},
		{"y did the uk buy p8s w/o a competition", "why did the uk buy p8s without a competition"},
		{"hw many phases", "how many phases"},
		{"Is Y-20 a plane?", "Is Y-20 a plane?"},
		{"R&D with Japan", "R&D with Japan"},
		{"who's japan's pm rn", "who's japan's pm right now"},
	}
	for _, tt := range tests {
		if got := chatWords(tt.in); got != tt.want {
			t.Errorf("chatWords(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestRecent(t *testing.T) {
	tests := map[string]bool{
		"did the uk end up buying japanese patrol planes": true,
		"which plane did london end up ordering":          true,
		"where does the missile work stand now":           true,
		"how did the P-1 bid go in the end":               true,
		"when did the first 2+2 take place":               false,
		"what did they agree in london":                   false,
	}
	for q, want := range tests {
		if got := AnalyzeQuestion(wordsAnalyzer{}, q).Recent; got != want {
			t.Errorf("AnalyzeQuestion(%q).Recent = %v; want %v", q, got, want)
		}
	}
}

func TestWithoutSetting(t *testing.T) {
	london := "First UK–Japan 2+2 meeting in London"
	tests := []struct {
		terms, places []string
		title, date   string
		want          []string
	}{
		{[]string{"agree", "cyber", "london"}, []string{"london"}, london, "2015-01-21", []string{"agree", "cyber"}},
		{[]string{"agree", "cyber", "london"}, []string{"london"}, "UK ministers visit Tokyo", "2016-01-08", []string{"agree", "cyber", "london"}},
		// a country is the topic of both reports, not a setting
		{[]string{"review", "japan"}, []string{"japan"}, london, "2015-01-21", []string{"review", "japan"}},
		{[]string{"london"}, []string{"london"}, london, "2015-01-21", []string{"london"}},
		// the report's year is its setting too
		{[]string{"sell", "2015"}, nil, london, "2015-01-21", []string{"sell"}},
		{[]string{"sell", "2015"}, nil, "UK ministers visit Tokyo", "2016-01-08", []string{"sell", "2015"}},
	}
	for _, tt := range tests {
		q := Question{Terms: tt.terms, Places: tt.places}
		if got := withoutSetting(q, wordsAnalyzer{}, tt.title, tt.date); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("withoutSetting(%q, %q) = %q; want %q", tt.terms, tt.title, got, tt.want)
		}
	}
}
