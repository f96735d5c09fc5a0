package retrieval

import (
	"reflect"
	"testing"
)

func TestCountedTerms(t *testing.T) {
	a := stemsAnalyzer{}
	tests := []struct {
		q    string
		want []string
	}{
		{"how many meteor missiles will japan buy", []string{"meteor", "missiles"}},
		{"how many air forces will carry the meteor", []string{"air", "forces"}},
		{"how many phases", []string{"phases"}},
		{"how many kinds of noncombat missions are they training for", []string{"noncombat", "missions"}}, // the kinds of what

		{"how many countries signed pacts with japan", nil},       // a list of names answers it
		{"how many days before the visit was the bomb test", nil}, // two dates answer it
		{"how much will the missile cost", nil},                   // money, not a count
	}
	for _, tt := range tests {
		q := AnalyzeQuestion(a, tt.q)
		if got := q.Counted; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("AnalyzeQuestion(%q).Counted = %q; want %q", tt.q, got, tt.want)
		}
	}
}

func TestCountsNear(t *testing.T) {
	a := wordsAnalyzer{}
	q := AnalyzeQuestion(a, "how many air forces will carry the meteor")
	m := newMatcher(a, nil, q)
	tests := []struct {
		sentence string
		want     bool
	}{
		{"The Meteor is now due to come into service with several air forces across Europe.", true},
		{"It tested a hydrogen bomb for the first time, which worried the region's air forces.", false}, // a count of something else
		{"France and India have signed pacts in the last 12 months.", false},
	}
	for _, tt := range tests {
		if got := m.countsNear(q, a, tt.sentence); got != tt.want {
			t.Errorf("countsNear(%q) = %v; want %v", tt.sentence, got, tt.want)
		}
	}
}

func TestListsNear(t *testing.T) {
	a := wordsAnalyzer{}
	q := AnalyzeQuestion(a, "how many kinds of missions are they training for")
	m := newMatcher(a, nil, q)
	tests := []struct {
		sentence string
		want     bool
	}{
		{"They will train for noncombat missions such as evacuation, provision of airlift and peacekeeping.", true},
		{"Joint missions including evacuation or disaster relief are planned.", true},
		{"They agreed to train for missions.", false},                         // no examples
		{"Items such as food and fuel will be exchanged on missions.", false}, // examples of something else
	}
	for _, tt := range tests {
		if got := m.listsNear(q, a, tt.sentence); got != tt.want {
			t.Errorf("listsNear(%q) = %v; want %v", tt.sentence, got, tt.want)
		}
	}
}
