package retrieval

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNamePhrases(t *testing.T) {
	tests := []struct {
		in   string
		want [][]string
	}{
		{"What did South Korea say about the talks?", [][]string{{"South", "Korea"}}},
		{"Where is the East China Sea?", [][]string{{"East", "China", "Sea"}}},
		{"Which company makes the F-35 Japan is buying?", nil}, // two names side by side
		{"what did south korea say", nil},                      // no case evidence
		{"Did Hammond meet Abe?", nil},
	}
	for _, tt := range tests {
		if got := namePhrases(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("namePhrases(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestApart(t *testing.T) {
	terms := func(s string) []string { return wordsAnalyzer{}.Terms(s) }
	tests := []struct {
		phrase, passage string
		want            bool
	}{
		{"south korea", "in the south china sea and the north korean announcement", true},
		{"south korea", "south korea said nothing", false},
		{"prime minister abe", "japanese prime minister shinzo abe", false}, // a word between
		{"south korea", "the north korean announcement", false},             // not every word: no phrase test
	}
	for _, tt := range tests {
		if got := apart(strings.Fields(tt.phrase), terms(tt.passage), newTermSet(terms(tt.passage))); got != tt.want {
			t.Errorf("apart(%q, %q) = %v; want %v", tt.phrase, tt.passage, got, tt.want)
		}
	}
}

// "What other countries …" asks for names of countries: the kind is no
// term a passage must spell.
func TestWantOthers(t *testing.T) {
	q := AnalyzeQuestion(stemsAnalyzer{}, "What other countries has Japan got pacts with?")
	if !q.WantOthers || slices.Contains(q.Terms, "countri") {
		t.Errorf("AnalyzeQuestion(%q): WantOthers %v, terms %q; want true and no %q", q.Text, q.WantOthers, q.Terms, "countri")
	}
}

// stemsAnalyzer is wordsAnalyzer that stems "countries" as the
// snowball analyzer does.
type stemsAnalyzer struct{}

func (stemsAnalyzer) Terms(s string) []string {
	ts := wordsAnalyzer{}.Terms(strings.Trim(s, "?"))
	for i, t := range ts {
		if t == "countries" {
			ts[i] = "countri"
		}
	}
	return ts
}
