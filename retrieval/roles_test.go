package retrieval

import "testing"

func TestRoleOf(t *testing.T) {
	tests := []struct {
		q    string
		want role
		ok   bool
	}{
		{"Who is the UK defence secretary?", role{"defence", "uk"}, true},
		{"whos the uk foreign sec", role{"foreign", "uk"}, true},
		{"who's japan's defense minister?", role{"defence", "japan"}, true},
		{"who is the japanese PM", role{"prime", "japan"}, true},
		{"japan pm name?", role{"prime", "japan"}, true},
		{"Who was Britain's foreign secretary at the time?", role{"foreign", "uk"}, true},
		{"who was the UK prime minister during the Tokyo visit", role{"prime", "uk"}, true},
		{"name the defence minister of Japan", role{"defence", "japan"}, true},
		{"who is the defence secretary", role{"defence", ""}, true},
		{"Who did the UK defence secretary meet?", role{}, false},
		{"who replaced Nakatani as defence minister", role{}, false},
		{"What did the foreign secretary say?", role{}, false},
	}
	for _, tt := range tests {
		got, ok := roleOf(tt.q)
		if got != tt.want || ok != tt.ok {
			t.Errorf("roleOf(%q) = %v, %v; want %v, %v", tt.q, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSuccession(t *testing.T) {
	a := wordsAnalyzer{}
	m := newMatcher(a, nil, Question{})
	tests := []struct {
		q, sentence string
		want        bool // the sentence holds the fact asked for
	}{
		{"who came after kishida as japan's foreign minister", "Fallon and Hammond met Foreign Minister Fumio Kishida and Defense Minister Gen Nakatani.", false},
		{"Who succeeded Fallon as defence secretary?", "UK Defence Secretary Micheal Fallon said in a statement.", false},
		{"who replaced Nakatani", "Tomomi Inada replaced Gen Nakatani as defense minister.", true},
		{"who did fallon meet", "Fallon met Foreign Minister Fumio Kishida.", true}, // no succession asked
	}
	for _, tt := range tests {
		q := AnalyzeQuestion(a, tt.q)
		if got, _ := m.sentenceFact(q, a, tt.sentence); got != tt.want {
			t.Errorf("sentenceFact(%q, %q) = %v; want %v", tt.q, tt.sentence, got, tt.want)
		}
	}
}
