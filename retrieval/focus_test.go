package retrieval

import (
	"reflect"
	"strings"
	"testing"
)

func TestFocusText(t *testing.T) {
	tests := []struct {
		q      string
		intent Intent
		want   string
		head   bool
	}{
		{"What submarine projects are the UK and Japan working on?", IntentWhat, "submarine projects ", true},
		{"Which Japanese navy ships will take part in the exercise?", IntentWhat, "japanese navy ships ", true},
		{"What kind of engine does the Meteor have?", IntentWhat, "engine ", true},
		{"what did abe govt do in december", IntentWhat, "", false},   // no X before the auxiliary
		{"Which firm might supply the seeker?", IntentWho, "", false}, // a name answers "which firm"
		{"who is the UK's ambassador to Japan?", IntentWho, "ambassador", false},
		{"Who was the UK's top diplomat at the talks?", IntentWho, "", false}, // no role word
		{"Who chaired the London 2+2?", IntentWho, "", false},                 // a relation, not a role
		{"who are the main people involved", IntentWho, "", false},
		{"When did Japan lift its export ban?", IntentWhen, "", false},
		{"what's the weather in tokyo this week", IntentWhat, "weather ", true},
		{"What is the size of Japan's defence budget?", IntentWhat, "size ", true},
		{"what's on Fallon's list with Japan?", IntentWhat, "", false}, // "on" names no attribute
	}
	for _, tt := range tests {
		got, head := focusText(tt.q, tt.intent)
		if got != tt.want || head != tt.head {
			t.Errorf("focusText(%q) = %q, %v; want %q, %v", tt.q, got, head, tt.want, tt.head)
		}
	}
}

func TestFocusTerms(t *testing.T) {
	a := wordsAnalyzer{}
	tests := []struct {
		q    string
		want []string
	}{
		{"what submarine projects are the uk and japan working on", []string{"submarine", "projects"}},
		{"what kit is japan trying to sell britain", nil}, // a generic thing names no topic
		{"what gear are they developing together", nil},
	}
	for _, tt := range tests {
		q := Question{Text: tt.q, Intent: intentOf(tt.q), Terms: a.Terms(tt.q), Names: map[string]bool{}}
		if got := focusTerms(a, q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("focusTerms(%q) = %q; want %q", tt.q, got, tt.want)
		}
	}
}

func TestMoneyDurationMeasure(t *testing.T) {
	money := map[string]bool{
		"The deal is worth £3 billion.":                       true,
		"Japan will spend 5 percent more.":                    true,
		"having successfully concluded a first phase of work": false,
		"a significant increase in its defense spending":      false,
	}
	for s, want := range money {
		if got := hasMoney(s); got != want {
			t.Errorf("hasMoney(%q) = %v; want %v", s, got, want)
		}
	}
	duration := map[string]bool{
		"is due to run for several months":                           true,
		"since Britain axed its Nimrod MR4 program in 2010":          true,
		"a second feasibility stage, having concluded a first phase": false,
		"will last two years":                                        true,
	}
	for s, want := range duration {
		if got := hasDuration(s); got != want {
			t.Errorf("hasDuration(%q) = %v; want %v", s, got, want)
		}
	}
	split := []struct {
		sentence, question string
		want               bool
	}{
		{"a meeting in London early last year", "When did they last meet?", true},
		{"pacts in the last 12 months", "When did the US first become a partner?", false}, // "the" is no date word
		{"a meeting in London early last year", "When was it, last year?", false},         // the question states it
	}
	for _, tt := range split {
		asked := map[string]bool{}
		for _, w := range words(tt.question) {
			asked[strings.ToLower(w)] = true
		}
		if got := relativeDateSplit(tt.sentence, tt.question, asked); got != tt.want {
			t.Errorf("relativeDateSplit(%q, %q) = %v; want %v", tt.sentence, tt.question, got, tt.want)
		}
	}
	span := map[string]bool{
		"since Britain axed its Nimrod MR4 program in 2010": true,
		"is due to run for several months":                  true,
		"is completed at the end of this year or in 2016":   false, // a year, no span
	}
	for s, want := range span {
		if got := hasSpan(s); got != want {
			t.Errorf("hasSpan(%q) = %v; want %v", s, got, want)
		}
	}
}

func TestSpellsOut(t *testing.T) {
	tests := []struct {
		acronym, text string
		want          bool
	}{
		{"bvr", "MBDA's new ramjet-powered Meteor beyond a visual range missile", true},
		{"bvr", "the MBDA-designed Meteor beyond-visual-range air-to-air missile", true},
		{"sdsr", "the strategic defence and security review (SDSR)", true},
		{"mod", "a spokesman for the Ministry of Defence", true},
		{"jnaam", "the Joint New Air-to-Air Missile", true},
		{"bvr", "a visual range beyond the horizon", false},
		{"x", "x-ray", false},
	}
	for _, tt := range tests {
		if got := spellsOut(tt.acronym, tt.text); got != tt.want {
			t.Errorf("spellsOut(%q, %q) = %v; want %v", tt.acronym, tt.text, got, tt.want)
		}
	}
}

func TestAcronymTerms(t *testing.T) {
	got := acronymTerms(wordsAnalyzer{}, "Is the Meteor a BVR missile, says the MoD? ok UK")
	want := map[string]bool{"bvr": true, "mod": true, "uk": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("acronymTerms = %v; want %v", got, want)
	}
}

func TestSpeakerTerms(t *testing.T) {
	a := wordsAnalyzer{}
	tests := []struct {
		q           string
		terms, want []string // the question's content terms; its speaker's
	}{
		{"What did Abe and Hammond talk about?", []string{"abe", "hammond"}, []string{"abe", "hammond"}},
		{"how did china react to the typhoon news", []string{"china", "react", "typhoon"}, []string{"china"}},
		{"What did the MoD say about the missile program?", []string{"mod", "missile", "program"}, []string{"mod"}},
		{"What is the JNAAM?", []string{"jnaam"}, nil},
		{"what does the tokyo piece say about the americans", []string{"tokyo", "americans"}, nil}, // the report says it
	}
	for _, tt := range tests {
		q := Question{Text: tt.q, Terms: tt.terms}
		if got := speakerTerms(a, q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("speakerTerms(%q) = %q; want %q", tt.q, got, tt.want)
		}
	}
}

func TestIsOverview(t *testing.T) {
	tests := map[string]bool{
		"what are these reports about":          true,
		"@coopbot hey what are the docs about?": true,
		"tl;dr pls":                             true,
		"What do you know?":                     true,
		"give me an overview":                   true,
		"what can you do?":                      true,
		"what can you help me with":             true,
		"hi! new here. what's this bot for?":    true,
		"what does this bot do":                 true,
		"what's the big picture here":           true,
		"what are the reports about the JNAAM":  false,
		"what is the report's date":             false,
		"What is the JNAAM?":                    false,
	}
	for q, want := range tests {
		if got := isOverview(wordsAnalyzer{}, q, AnalyzeQuestion(wordsAnalyzer{}, q)); got != want {
			t.Errorf("isOverview(%q) = %v; want %v", q, got, want)
		}
	}
}

func TestMoneyRequest(t *testing.T) {
	tests := map[string]bool{
		"how much does the JNAAM missile cost": true,
		"how much is a flight to tokyo":        true, // a price, though no word says so
		"what's the P-8 deal worth":            true,
		"how much did japan spend":             true,
		"how much of the work is done":         false,
		"how many phases has the study had":    false,
	}
	for q, want := range tests {
		if got := AnalyzeQuestion(wordsAnalyzer{}, q).Money; got != want {
			t.Errorf("AnalyzeQuestion(%q).Money = %v; want %v", q, got, want)
		}
	}
}
