package eval

import (
	"testing"

	"github.com/coopbot/coopbot/retrieval"
)

func TestCitationsValid(t *testing.T) {
	snips := []retrieval.Snippet{
		{DocumentID: "a", Paragraph: 1, Text: "Alpha one.", Highlight: "Alpha one."},
		{DocumentID: "a", Paragraph: 2, Text: "Alpha two.", Highlight: "Alpha two."},
		{DocumentID: "b", Paragraph: 6, ParaEnd: 7, Text: "Beta six.\n\nBeta seven.", Highlight: "Beta six."},
	}
	// A merged chunk's citation names the paragraph its quote is in.
	merged := func(para int, quote string) retrieval.Citation {
		return retrieval.Citation{N: 1, DocumentID: "b", Paragraph: para, Text: snips[2].Text, Highlight: quote}
	}
	c1 := retrieval.CitationOf(1, snips[0])
	c2 := retrieval.CitationOf(2, snips[1])
	tests := []struct {
		name string
		ans  retrieval.Answer
		want bool
	}{
		{"valid", retrieval.Answer{Text: "One [1]. Two [2][1].", Citations: []retrieval.Citation{c1, c2}}, true},
		{"no citations", retrieval.Answer{Text: "One."}, false},
		{"marker beyond the citations", retrieval.Answer{Text: "One [1]. Two [3].", Citations: []retrieval.Citation{c1, c2}}, false},
		{"grouped marker beyond the citations", retrieval.Answer{Text: "One [1, 2, 3].", Citations: []retrieval.Citation{c1, c2}}, false},
		{"citation never used", retrieval.Answer{Text: "One [1].", Citations: []retrieval.Citation{c1, c2}}, false},
		{"misnumbered", retrieval.Answer{Text: "Two [2].", Citations: []retrieval.Citation{c2}}, false},
		{"merged chunk, quote in its second paragraph", retrieval.Answer{Text: "Seven [1].", Citations: []retrieval.Citation{merged(7, "Beta seven.")}}, true},
		{"merged chunk, quote in its first paragraph", retrieval.Answer{Text: "Six [1].", Citations: []retrieval.Citation{merged(6, "Beta six.")}}, true},
		{"merged chunk, wrong paragraph for the quote", retrieval.Answer{Text: "Seven [1].", Citations: []retrieval.Citation{merged(6, "Beta seven.")}}, false},
		{"merged chunk, quote not in the passage", retrieval.Answer{Text: "Eight [1].", Citations: []retrieval.Citation{merged(7, "Beta eight.")}}, false},
		{"not a retrieved passage", retrieval.Answer{Text: "X [1].", Citations: []retrieval.Citation{{N: 1, DocumentID: "b", Paragraph: 1, Text: "Other."}}}, false},
	}
	for _, tt := range tests {
		if got := citationsValid(tt.ans, snips); got != tt.want {
			t.Errorf("citationsValid(%s: %q) = %v; want %v", tt.name, tt.ans.Text, got, tt.want)
		}
	}
}
