package retrieval

import (
	"slices"
	"testing"
)

func TestMentions(t *testing.T) {
	const four = "The defence secretary was in Tokyo alongside British Foreign Secretary Philip Hammond for meetings with their Japanese counterparts, Foreign Minister Fumio Kishida and Defense Minister Gen Nakatani."
	tests := []struct {
		sentence, nation string
		want             []string
	}{
		{four, "uk", []string{"British Foreign Secretary Philip Hammond"}},
		{four, "japan", []string{"Foreign Minister Fumio Kishida", "Defense Minister Gen Nakatani"}},
		{`"Japan is our closest security partner in Asia" UK Defence Secretary Micheal Fallon said.`, "uk", []string{"UK Defence Secretary Micheal Fallon"}},
		{"Hammond also met with Japanese Prime Minister Shinzo Abe.", "japan", []string{"Japanese Prime Minister Shinzo Abe"}},
		{"Hammond also met with Japanese Prime Minister Shinzo Abe.", "uk", nil},
		{"The defence secretary was in Tokyo.", "uk", nil},
	}
	for _, tt := range tests {
		if got := mentions(tt.sentence, tt.nation); !slices.Equal(got, tt.want) {
			t.Errorf("mentions(%q, %q) = %q; want %q", tt.sentence, tt.nation, got, tt.want)
		}
	}
}

func TestWithNames(t *testing.T) {
	tests := []struct {
		highlight string
		who       []string
		want      string
	}{
		{"Senior UK ministers announced it.", nil, "Senior UK ministers announced it. [1]"},
		{"Senior UK ministers announced it.", []string{"A B [2]"}, "Senior UK ministers announced it [1]; the UK ministers included A B [2]."},
		{"UK ministers said so.", []string{"A B [2]", "C D [3]", "E F [2]"}, "UK ministers said so [1]; the UK ministers were A B [2], C D [3] and E F [2]."},
		{`UK ministers said "yes?"`, []string{"A B [2]"}, `UK ministers said "yes?" [1]`},
	}
	for _, tt := range tests {
		if got := withNames(tt.highlight, "UK ministers", tt.who); got != tt.want {
			t.Errorf("withNames(%q, %q) = %q; want %q", tt.highlight, tt.who, got, tt.want)
		}
	}
}

// TestWithHolders checks that a passage referring to a titled person by
// the title alone, or by surname, covers the question's words for them,
// and that one referring to nobody is left as it is.
func TestWithHolders(t *testing.T) {
	a := wordsAnalyzer{}
	q := Question{Terms: []string{"fallon", "tokyo", "defence", "secretary"}}
	m := newMatcher(a, nil, q)
	intro := "UK Defence Secretary Micheal Fallon said in a statement released to coincide with the visit."
	m.learnHolders(a, q, []Hit{{Chunk: Chunk{DocumentID: "d", Text: intro}}})
	tests := []struct {
		doc, text string
		want      []string // terms the result holds that the text does not spell
	}{
		{"d", "The defense secretary was in Tokyo alongside British Foreign Secretary Philip Hammond.", []string{"fallon"}},
		{"d", "Fallon listed defense equipment cooperation.", []string{"defence", "secretary"}},
		{"d", "Hammond also met with Japanese Prime Minister Shinzo Abe.", nil},
		{"other", "The defence secretary was in Tokyo.", nil},
	}
	for _, tt := range tests {
		set := analyze(a, tt.text).set
		got := m.withHolders(set, tt.doc, tt.text)
		var added []string
		for u := range got {
			if _, ok := set[u]; !ok {
				added = append(added, u)
			}
		}
		slices.Sort(added)
		if !slices.Equal(added, tt.want) {
			t.Errorf("withHolders(%q, %q) adds %q; want %q", tt.doc, tt.text, added, tt.want)
		}
	}
}
