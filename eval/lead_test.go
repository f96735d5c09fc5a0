package eval

import (
	"slices"
	"testing"
)

func TestFirstSentence(t *testing.T) {
	tests := []struct{ text, want string }{
		// Extractive answers: verbatim sentences, each with its marker.
		{"Japan lifted a ban on exporting defense equipment in April 2014. [2] See also [3].", "Japan lifted a ban on exporting defense equipment in April 2014. [2]"},
		{"Sentence quoted verbatim [1] Another sentence [2] See also [3].", "Sentence quoted verbatim [1]"},
		{"The two met in Tokyo on Jan. 8. [1] See also [2], [3].", "The two met in Tokyo on Jan. 8. [1]"},
		{"Defense Minister Gen. Nakatani met Hammond. [1][2] See also [3].", "Defense Minister Gen. Nakatani met Hammond. [1][2]"},
		{"The first UK–Japan 2+2 was held in London. [1] Hammond attended. [2]", "The first UK–Japan 2+2 was held in London. [1]"},
		{"\"Japan is our closest security partner in Asia,\" Fallon said. [1] More. [2]", "\"Japan is our closest security partner in Asia,\" Fallon said. [1]"},
		{"Fallon said it was not \"just hugely symbolic.\" [1] Next one. [2]", "Fallon said it was not \"just hugely symbolic.\" [1]"},
		// Generated prose.
		{"Japan lifted the ban in April 2014 [2]. It had been partly eased [1].", "Japan lifted the ban in April 2014 [2]."},
		{"Fallon [1] and Hammond [2] went to Tokyo. They met Abe [1].", "Fallon [1] and Hammond [2] went to Tokyo."},
		{"U.K. officials met Japan's ministers in London [1]. Then more.", "U.K. officials met Japan's ministers in London [1]."},
		{"The U.S. has long been a partner [1]. France too [1].", "The U.S. has long been a partner [1]."},
		{"The study began in Nov. 2014 and runs for months [3]. Next.", "The study began in Nov. 2014 and runs for months [3]."},
		{"Michael J. Fox was not there. Nobody was.", "Michael J. Fox was not there."},
		{"The meeting was in 2015. 2016 saw a second visit.", "The meeting was in 2015."},
		{"Did they agree? Yes, they did [1].", "Did they agree?"},
		{"A speed of approx. ten knots was cited [1]. Next.", "A speed of approx. ten knots was cited [1]."},
		{"Version 2.5 of the plan [1] was signed. Next.", "Version 2.5 of the plan [1] was signed."},
		// Yes/no: a bare yes or no is joined to the sentence that says why.
		{"No. The UK bought P-8s without holding a competition [1]. More.", "No. The UK bought P-8s without holding a competition [1]."},
		{"Yes [1]. The British are considering it [1].", "Yes [1]. The British are considering it [1]."},
		{"**No.** Japan only partially lifted it [1]. More.", "**No.** Japan only partially lifted it [1]."},
		{"Nobody said. More.", "Nobody said."},
		// Line structure.
		{"Three projects:\n- a missile study [1]\n- cyber [2]", "Three projects:"},
		{"First paragraph without a stop\n\nSecond paragraph.", "First paragraph without a stop"},
		{"  No terminator at all [1]  ", "No terminator at all [1]"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FirstSentence(tt.text); got != tt.want {
			t.Errorf("FirstSentence(%q) = %q; want %q", tt.text, got, tt.want)
		}
	}
}

func TestLeadMissing(t *testing.T) {
	tests := []struct {
		sentence string
		answers  []string
		want     []string
	}{
		{"Japan lifted a ban on exporting defense equipment in April 2014. [2]", []string{"April 2014"}, nil},
		{"Japan lifted a ban in April\u00a02014. [2]", []string{"april 2014"}, nil},
		{"Recent years has seen Japan ease restrictions … partially lifted. [1]", []string{"April 2014"}, []string{"April 2014"}},
		{"The defence secretary was in Tokyo alongside Philip Hammond. [1]", []string{"Fallon|Defence Secretary", "Hammond"}, nil},
		{"Hammond met Abe. [1]", []string{"Fallon|Defence Secretary", "Hammond"}, []string{"Fallon|Defence Secretary"}},
		{"The first UK\u2013Japan \u201c2+2\u201d meeting [1]", []string{"UK-Japan \"2+2\""}, nil},
		{"Fallon [1] and Hammond went.", []string{"Fallon and Hammond"}, nil},
		{"Anything at all.", nil, nil},
	}
	for _, tt := range tests {
		if got := LeadMissing(tt.sentence, tt.answers); !slices.Equal(got, tt.want) {
			t.Errorf("LeadMissing(%q, %q) = %q; want %q", tt.sentence, tt.answers, got, tt.want)
		}
		if got, want := LeadHit(tt.sentence, tt.answers), len(tt.want) == 0; got != want {
			t.Errorf("LeadHit(%q, %q) = %v; want %v", tt.sentence, tt.answers, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Jan.\u00a08 ", "jan. 8"},
		{"UK\u2013Japan \u201c2+2\u201d", "uk-japan \"2+2\""},
		{"Kawaski\u2019s  P-1\n\tjet", "kawaski's p-1 jet"},
		{"LONDON \u2014 Britain", "london - britain"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
