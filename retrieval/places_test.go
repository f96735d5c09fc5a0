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
