package retrieval

import (
	"maps"
	"slices"
	"testing"
)

func TestWithPlaceNames(t *testing.T) {
	a := wordsAnalyzer{}
	hits := []Hit{{Document: Document{Title: "UK ministers visit Tokyo and Japan"}}}
	tests := []struct {
		q    string
		want []string // Names
	}{
		{"what did australia sign with japan on defence", []string{"australia"}},
		{"what are the terms of india's deal", []string{"india"}},
		{"how far does britain want to take ties with japan", []string{"britain"}},
		{"who was in tokyo", nil},
		{"what did the minister say", nil},
	}
	for _, tt := range tests {
		q := Question{Names: map[string]bool{}}
		for _, w := range placeWordsIn(tt.q) {
			q.Places = append(q.Places, a.Terms(w)...)
		}
		got := slices.Sorted(maps.Keys(withPlaceNames(q, a, hits).Names))
		if !slices.Equal(got, tt.want) {
			t.Errorf("withPlaceNames(%q).Names = %q; want %q", tt.q, got, tt.want)
		}
	}
}

func TestPlaceCredit(t *testing.T) {
	a := wordsAnalyzer{}
	q := AnalyzeQuestion(a, "did japan sign a deal with the philippines")
	m := newMatcher(a, nil, q)
	tests := []struct {
		passage string
		term    string
		want    float64
	}{
		{"Foreign Secretary Philip Hammond met his Japanese counterpart.", "philippines", 0}, // a person's name, not the country
		{"Manila and the Philippines signed a pact.", "philippines", 1},
		{"The Japanese are trying to interest the British.", "japan", 1}, // another form of the place
		{"Japanning is a kind of lacquer work.", "japan", 0},             // not a place
	}
	for _, tt := range tests {
		if got := m.credit(tt.term, analyze(a, tt.passage).set, nil); got != tt.want {
			t.Errorf("credit(%q, %q) = %v; want %v", tt.term, tt.passage, got, tt.want)
		}
	}
}
