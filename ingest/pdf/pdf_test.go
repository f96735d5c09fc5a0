package pdf_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/ingest/pdf"
	"github.com/coopbot/coopbot/internal/docfixture"
)

func TestExtract(t *testing.T) {
	report := docfixture.Briefing()
	raw, err := report.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x := extractor(t)
	start := time.Now()
	got, err := x.Extract(context.Background(), raw)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	t.Logf("extracted %d pages in %v (including the engine's start)", len(got.Pages), time.Since(start))
	doc, pages, err := ingest.FromExtracted("briefing", "docs/briefing.pdf", raw, got)
	if err != nil {
		t.Fatalf("FromExtracted: %v", err)
	}
	wantParas := []string{
		"The ministers agreed a joint study of a new air-to-air missile, with engineers from both countries working in Tokyo.",
		"A second paragraph opens the exercise plans and continues in the right column, where the Typhoon deployment is set out.",
		"Cyber research is the third topic, to be reviewed by the joint committee in the spring of next year.",
		"Page two carries the procurement timetable for the P-1.",
		"The right column of page two closes the briefing with a summary.",
	}
	if want := strings.Join(wantParas, "\n\n"); doc.Text != want {
		t.Errorf("text =\n%q\nwant\n%q", doc.Text, want)
	}
	if doc.Title != report.Title || doc.Author != report.Author || doc.Date != "2024-03-05" {
		t.Errorf("metadata = %q, %q, %q; want %q, %q, 2024-03-05", doc.Title, doc.Author, doc.Date, report.Title, report.Author)
	}
	chunks := ingest.ChunkPages(doc, pages, ingest.ChunkOptions{MinChars: 10, TargetChars: 60, MaxChars: 200})
	wantPage := []int{1, 1, 1, 2, 2}
	if len(chunks) != len(wantPage) {
		t.Fatalf("%d chunks; want %d: %+v", len(chunks), len(wantPage), chunks)
	}
	for i, c := range chunks {
		if c.Text != doc.Text[c.Start:c.End] {
			t.Errorf("chunk %d = %q; want doc.Text[%d:%d] = %q", i, c.Text, c.Start, c.End, doc.Text[c.Start:c.End])
		}
		if c.Page != wantPage[i] {
			t.Errorf("chunk %d (%.30q…) page = %d; want %d", i, c.Text, c.Page, wantPage[i])
		}
	}
}

func TestExtractRefused(t *testing.T) {
	scan, err := docfixture.PDF{Title: "Scan", Pages: [][][]string{{}, {}}}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	x := extractor(t)
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"scan", scan, "scanned PDF with no text layer"},
		{"not a PDF", []byte("%PDF-1.4 this is not a PDF at all"), "not a readable PDF"},
		{"truncated", scan[:len(scan)/3], "not a readable PDF"},
	} {
		_, err := x.Extract(context.Background(), tc.raw)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Extract(%s) = %v; want an error with %q", tc.name, err, tc.want)
		}
	}
}

// extractor returns an Extractor closed at the end of the test, with the
// engine's compiled code cached across test runs where coopbot caches it
// (compiling it takes about 12 s, and a minute under -race).
func extractor(t *testing.T) *pdf.Extractor {
	x := &pdf.Extractor{}
	if dir, err := os.UserCacheDir(); err == nil { // where coopbot keeps it
		x.CacheDir = filepath.Join(dir, "coopbot", "pdfium")
	}
	t.Cleanup(func() { x.Close() })
	return x
}
