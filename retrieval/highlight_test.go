package retrieval

import "testing"

func TestRefersBack(t *testing.T) {
	tests := []struct {
		prev, text string
		want       bool
	}{
		{"The move first included a framework signed in mid-2013.", "That was followed by a meeting in London early last year.", true},
		{"Japan was described in the review as London's closest partner.", "The review said Britain would strengthen cooperation.", true},
		{"Fallon listed defense equipment cooperation.", "They also discussed cyber.", true},
		{"Fallon listed defense equipment cooperation.", "The meeting comes at a time of rising tensions.", false}, // "the" and a new subject
		{"Fallon listed defense equipment cooperation.", "Japan lifted a ban on exports in April 2014.", false},
		{"Fallon listed defense equipment cooperation.", "It", false}, // no sentence
	}
	for _, tt := range tests {
		if got := refersBack(tt.text, tt.prev); got != tt.want {
			t.Errorf("refersBack(%q, %q) = %v; want %v", tt.text, tt.prev, got, tt.want)
		}
	}
}
