package ingest

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/coopbot/coopbot/retrieval"
)

func sentenceTexts(text string) []string {
	var out []string
	for _, sp := range SplitSentences(text) {
		out = append(out, text[sp.Start:sp.End])
	}
	return out
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{" \n\t ", nil},
		{"No punctuation at all", []string{"No punctuation at all"}},
		{
			"Senior UK ministers announced during a visit to Tokyo on Jan. 8. The next day was quiet.",
			[]string{"Senior UK ministers announced during a visit to Tokyo on Jan. 8.", "The next day was quiet."},
		},
		{
			"It happened on Jan. 8 in Tokyo. Then on Sept. 12 and Dec. 1 more came.",
			[]string{"It happened on Jan. 8 in Tokyo.", "Then on Sept. 12 and Dec. 1 more came."},
		},
		{
			"It was signed in 2015. The next day was quiet.",
			[]string{"It was signed in 2015.", "The next day was quiet."},
		},
		{
			"The U.S. has been a long-time partner. The U.S. Navy agreed with U.S. officials. He lives in the U.S. The end.",
			[]string{"The U.S. has been a long-time partner.", "The U.S. Navy agreed with U.S. officials.", "He lives in the U.S.", "The end."},
		},
		{
			"Mr. Fallon said so. Mr. Fallon met Ms. Jones and Dr. Smith.",
			[]string{"Mr. Fallon said so.", "Mr. Fallon met Ms. Jones and Dr. Smith."},
		},
		{
			"Defence Secretary Mr. Fallon and Gen. Nakatani met Capt. Smith, Lt. Col. Jones and Sen. Brown.",
			[]string{"Defence Secretary Mr. Fallon and Gen. Nakatani met Capt. Smith, Lt. Col. Jones and Sen. Brown."},
		},
		{
			"1. The first item. 2. The second item.",
			[]string{"1. The first item.", "2. The second item."},
		},
		{
			"See vol. 3 on p. 5 of the report. It lists e.g. missiles.",
			[]string{"See vol. 3 on p. 5 of the report.", "It lists e.g. missiles."},
		},
		{
			`"Japan is our closest security partner in Asia," he said. Hammond also met Abe. Did he? Yes!`,
			[]string{`"Japan is our closest security partner in Asia," he said.`, "Hammond also met Abe.", "Did he?", "Yes!"},
		},
		{
			`Fallon said the meeting was not "just hugely symbolic, it also clearly affirms our resolve." Next.`,
			[]string{`Fallon said the meeting was not "just hugely symbolic, it also clearly affirms our resolve."`, "Next."},
		},
		{
			"  Leading and trailing space.   Second one.  ",
			[]string{"Leading and trailing space.", "Second one."},
		},
	}
	for _, tc := range tests {
		got := sentenceTexts(tc.text)
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
			t.Errorf("SplitSentences(%q)\n got %q\nwant %q", tc.text, got, tc.want)
		}
		checkSpans(t, tc.text, SplitSentences(tc.text))
	}
}

// checkSpans asserts that spans are ordered, disjoint, trimmed and cover
// every non-space character of text.
func checkSpans(t testing.TB, text string, spans []retrieval.Span) {
	t.Helper()
	prev := 0
	for i, sp := range spans {
		if sp.Start < prev || sp.End <= sp.Start || sp.End > len(text) {
			t.Fatalf("span %d %v out of order or range (prev end %d, len %d)", i, sp, prev, len(text))
		}
		if gap := text[prev:sp.Start]; strings.TrimFunc(gap, unicode.IsSpace) != "" {
			t.Fatalf("span %d leaves %q uncovered", i, gap)
		}
		if s := text[sp.Start:sp.End]; strings.TrimFunc(s, unicode.IsSpace) != s {
			t.Fatalf("span %d %q not trimmed", i, s)
		}
		prev = sp.End
	}
	if tail := text[prev:]; strings.TrimFunc(tail, unicode.IsSpace) != "" {
		t.Fatalf("tail %q uncovered", tail)
	}
}

// TestSplitSentencesWindows checks that the windowed splitting of a long
// text finds the same sentences across window boundaries.
func TestSplitSentencesWindows(t *testing.T) {
	var b strings.Builder
	var want []string
	for i := 0; b.Len() < 3*sentenceWindow+1000; i++ {
		s := fmt.Sprintf("Sentence number %d was said by Mr. Fallon on Jan. %d in the U.S. capital.", i, i%28+1)
		want = append(want, s)
		b.WriteString(s)
		b.WriteByte(' ')
	}
	text := b.String()
	spans := SplitSentences(text)
	checkSpans(t, text, spans)
	if len(spans) != len(want) {
		t.Fatalf("%d sentences, want %d", len(spans), len(want))
	}
	for i, sp := range spans {
		if text[sp.Start:sp.End] != want[i] {
			t.Fatalf("sentence %d = %q, want %q", i, text[sp.Start:sp.End], want[i])
		}
	}
	// No sentence punctuation and no spaces: windows still make progress.
	long := strings.Repeat("é", sentenceWindow)
	checkSpans(t, long, SplitSentences(long))
}
