package docx_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/ingest/docx"
	"github.com/coopbot/coopbot/internal/docfixture"
)

func TestExtract(t *testing.T) {
	raw, err := docfixture.DOCX{
		Title: "Onboarding handbook", Author: "Jane Doe", Created: "2024-03-05T09:00:00Z",
		Body: []docfixture.Para{
			{Style: "Title", Text: "Onboarding handbook"},
			{Style: "Heading1", Text: "First week"},
			{Text: "New starters meet the team on Monday & read the security policy."},
			{Style: "ListParagraph", Text: "Collect your badge from reception."},
			{Style: "ListParagraph", Text: "Set up two-factor authentication."},
		},
		Table: [][]string{{"Day", "Task"}, {"Tuesday", "Meet your mentor"}},
	}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x, err := docx.Extractor{}.Extract(context.Background(), raw)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	doc, pages, err := ingest.FromExtracted("handbook", "docs/handbook.docx", raw, x)
	if err != nil {
		t.Fatalf("FromExtracted: %v", err)
	}
	want := "First week\n\nNew starters meet the team on Monday & read the security policy.\n\n" +
		"Collect your badge from reception.\n\nSet up two-factor authentication.\n\n" +
		"Day | Task\n\nTuesday | Meet your mentor"
	if doc.Text != want {
		t.Errorf("text = %q; want %q", doc.Text, want)
	}
	if doc.Title != "Onboarding handbook" || doc.Author != "Jane Doe" || doc.Date != "2024-03-05" || pages != nil {
		t.Errorf("metadata = %q, %q, %q, pages %v; want the core properties and no pages", doc.Title, doc.Author, doc.Date, pages)
	}
	for _, c := range ingest.ChunkPages(doc, pages, ingest.ChunkOptions{MinChars: 10, TargetChars: 60, MaxChars: 80}) {
		if c.Text != doc.Text[c.Start:c.End] || c.Page != 0 {
			t.Errorf("chunk %d = %q, page %d; want doc.Text[%d:%d] = %q, page 0", c.Ordinal, c.Text, c.Page, c.Start, c.End, doc.Text[c.Start:c.End])
		}
	}
}

func TestExtractBad(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"not a zip", []byte("PK no zip here"), "not a Word document"},
		{"zip without a body", zipOf(t, "other.xml", "<x/>"), "no word/document.xml"},
		{"broken XML", zipOf(t, "word/document.xml", "<w:document><w:body><w:p>"), "cannot parse word/document.xml"},
	} {
		_, err := docx.Extractor{}.Extract(context.Background(), tc.raw)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Extract(%s) = %v; want an error with %q", tc.name, err, tc.want)
		}
	}
}
