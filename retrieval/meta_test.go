package retrieval_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

const (
	tokyoTitle  = "“UK ministers visit Tokyo: missile study, Typhoon exercise and cyber research”"
	londonTitle = "“First UK–Japan \"2+2\" meeting of foreign and defence ministers, London: missile study, P-1 aircraft and cyber dialogue”"
)

// TestAskMetadata checks that questions about a report's author, outlet
// or date are answered from its metadata, the fact in the first
// sentence, each document cited by its opening paragraph; that a
// question names its report by title words or date, and without any
// names every report; and that a report without an author is said to
// name none (an abstention when it is the only one asked about).
func TestAskMetadata(t *testing.T) {
	svc := testcore.Service(t)
	tests := []struct {
		q         string
		lead      string // the answer's first sentence, through its marker
		rest      string // what follows it; "" = nothing
		abstained bool
	}{
		{"Who wrote the Tokyo report?", tokyoTitle + " (Defense News, 8 January 2016) was written by Andrew Chuter. [1]", "", false},
		{"whos the author on the jan 2016 piece", tokyoTitle + " (Defense News, 8 January 2016) was written by Andrew Chuter. [1]", "", false},
		{"thx! and who wrote the tokyo article?", tokyoTitle + " (Defense News, 8 January 2016) was written by Andrew Chuter. [1]", "", false},
		{"who's the author of the london article", londonTitle + " (Defense News, 21 January 2015) does not name its author.", "", true},
		{"who wrote the 2015 article", londonTitle + " (Defense News, 21 January 2015) does not name its author.", "", true},
		{"Who wrote these reports?", tokyoTitle + " (Defense News, 8 January 2016) was written by Andrew Chuter. [1]",
			londonTitle + " (Defense News, 21 January 2015) does not name its author. [2]", false},
		{"which outlet published these reports?", tokyoTitle + " (8 January 2016) was published by Defense News. [1]",
			londonTitle + " (21 January 2015) was published by Defense News. [2]", false},
		{"where are these reports from", tokyoTitle + " (8 January 2016) was published by Defense News. [1]",
			londonTitle + " (21 January 2015) was published by Defense News. [2]", false},
		{"Which publication ran the London one?", londonTitle + " (21 January 2015) was published by Defense News. [1]", "", false},
		{"when was the Tokyo report published?", tokyoTitle + " (Defense News) is dated 8 January 2016. [1]", "", false},
		{"what's the date on the 2+2 report", londonTitle + " (Defense News) is dated 21 January 2015. [1]", "", false},
		{"When were both articles written?", tokyoTitle + " (Defense News) is dated 8 January 2016. [1]",
			londonTitle + " (Defense News) is dated 21 January 2015. [2]", false},
	}
	for _, tt := range tests {
		a, err := svc.Ask(context.Background(), tt.q)
		if err != nil {
			t.Fatalf("Ask(%q): %v", tt.q, err)
		}
		want := strings.TrimSpace(tt.lead + " " + tt.rest)
		if a.Text != want || a.Abstained != tt.abstained || a.Answerer != retrieval.AnswererMetadata {
			t.Errorf("Ask(%q) = %q (abstained %v, by %q); want %q (abstained %v, by %q)",
				tt.q, a.Text, a.Abstained, a.Answerer, want, tt.abstained, retrieval.AnswererMetadata)
			continue
		}
		wantCites := strings.Count(want, "[")
		if len(a.Citations) != wantCites {
			t.Errorf("Ask(%q) has %d citations; want %d", tt.q, len(a.Citations), wantCites)
		}
		for _, c := range a.Citations {
			if c.Paragraph != 1 || !strings.Contains(c.Text, c.Highlight) {
				t.Errorf("Ask(%q) citation %+v; want the document's first paragraph", tt.q, c)
			}
		}
	}
}

// TestAskMetadataLeavesContentQuestions checks that questions which only
// mention reporting, or name no stored report, are answered from the
// passages as before this change: by the answerer, leading with the
// sentence they led with then.
func TestAskMetadataLeavesContentQuestions(t *testing.T) {
	svc := testcore.Service(t)
	tests := map[string]string{
		"When did Japanese media report on the guidance tech idea?": "the Japanese media reported in mid-2014",
		"what did the report say about cyber":                       "military cyber analysts",
		"Who announced the Typhoon exercise?":                       "Royal Air Force Eurofighter Typhoon combat jets",
		"When was the SDSR that mentions Japan published?":          "last November's British Government strategic defence and security review",
		"Which newspaper reported the Meteor idea?":                 "It has been widely reported",
		"who wrote the Paris report":                                "",
	}
	for q, lead := range tests {
		a, err := svc.Ask(context.Background(), q)
		if err != nil {
			t.Fatalf("Ask(%q): %v", q, err)
		}
		first, _, _ := strings.Cut(a.Text, "[1]")
		if a.Answerer == retrieval.AnswererMetadata || !strings.Contains(first, lead) {
			t.Errorf("Ask(%q) = %q (by %q); want the passages' answer leading with %q", q, a.Text, a.Answerer, lead)
		}
	}
}
