package retrieval_test

import (
	"math"
	"slices"
	"testing"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

func TestSupport(t *testing.T) {
	const (
		p1 = "Japan lifted a ban on exporting defense equipment in April 2014."
		p2 = "Britain axed its Nimrod MR4 program in 2010."
	)
	tests := []struct {
		claim    string
		passages []string
		want     float64 // -1: strictly between 0 and 1
	}{
		{"Japan lifted its ban on exporting defence equipment in April 2014.", []string{p1}, 1}, // defence/defense one edit apart
		{"Japan lifted the ban in April 2014.", []string{p1, p2}, 1},
		{"Japan lifted the ban in April 2015.", []string{p1}, -1}, // numbers match exactly or not at all
		{"Britain has cancelled all cooperation with Japan.", []string{p1}, -1},
		{"The weather in Paris is sunny.", []string{p1, p2}, 0},
		{"Japan lifted the ban; Britain axed the Nimrod.", []string{p1, p2}, 1}, // pooled over the passages
		{"Japan lifted the ban.", nil, 0},
		{"It is, and they were.", []string{p1}, 1}, // no content terms: nothing claimed
	}
	a := snowball.New()
	for _, tt := range tests {
		got := retrieval.Support(a, nil, tt.claim, tt.passages...)
		ok := got == tt.want || (tt.want == -1 && got > 0 && got < 1)
		if !ok || math.IsNaN(got) {
			t.Errorf("Support(%q, %d passages) = %.3f; want %v", tt.claim, len(tt.passages), got, tt.want)
		}
	}
	// A missing rare word costs more than a present one earns: weights
	// come from the passages, as the extractive answerer weighs terms.
	if lo, hi := retrieval.Support(a, nil, "Japan lifted the ban in April 2015.", p1), retrieval.Support(a, nil, "Japan lifted the ban in April 2014.", p1); lo >= hi {
		t.Errorf("Support with a wrong year = %.3f; want below %.3f", lo, hi)
	}
}

// With the core's lexicon a synonym supports a claim and a merely related
// word does not; a proper name matches only by spelling.
func TestSupportLexicon(t *testing.T) {
	lex, err := semantic.NewLexicon()
	if err != nil {
		t.Fatal(err)
	}
	a := snowball.New()
	tests := []struct {
		claim, passage string
		want           []string // Unsupported
	}{
		{"The British scrapped the Nimrod.", "Britain axed the Nimrod.", nil},
		{"The exercise was postponed.", "The exercise was cancelled.", []string{"postpon"}},
		{"Germany signed the pact.", "Britain signed the pact.", []string{"germani"}},
	}
	for _, tt := range tests {
		got := retrieval.Unsupported(a, lex, tt.claim, tt.passage)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Unsupported(%q, %q) = %q; want %q", tt.claim, tt.passage, got, tt.want)
		}
		s := retrieval.Support(a, lex, tt.claim, tt.passage)
		if (len(tt.want) == 0) != (s == 1) {
			t.Errorf("Support(%q, %q) = %.3f; want 1 exactly when nothing is unsupported", tt.claim, tt.passage, s)
		}
	}
}
