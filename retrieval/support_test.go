package retrieval_test

import (
	"math"
	"testing"

	"github.com/coopbot/coopbot/retrieval"
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
		got := retrieval.Support(a, tt.claim, tt.passages...)
		ok := got == tt.want || (tt.want == -1 && got > 0 && got < 1)
		if !ok || math.IsNaN(got) {
			t.Errorf("Support(%q, %d passages) = %.3f; want %v", tt.claim, len(tt.passages), got, tt.want)
		}
	}
	// A missing rare word costs more than a present one earns: weights
	// come from the passages, as the extractive answerer weighs terms.
	if lo, hi := retrieval.Support(a, "Japan lifted the ban in April 2015.", p1), retrieval.Support(a, "Japan lifted the ban in April 2014.", p1); lo >= hi {
		t.Errorf("Support with a wrong year = %.3f; want below %.3f", lo, hi)
	}
}
