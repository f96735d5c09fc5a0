package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/internal/docfixture"
	"github.com/coopbot/coopbot/internal/pgtest"
)

// corpusFolder writes a team's folder: a two-column PDF, a Word document,
// a Markdown note, two files of types coopbot does not read and a broken
// PDF.
func corpusFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pdfRaw, err := docfixture.Briefing().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	docxRaw, err := docfixture.DOCX{
		Title: "Onboarding handbook", Author: "Jane Doe", Created: "2024-03-05T09:00:00Z",
		Body: []docfixture.Para{
			{Style: "Heading1", Text: "First week"},
			{Text: "New starters collect their security badge from the reception desk on the ground floor."},
			{Style: "ListParagraph", Text: "Set up two-factor authentication before the first meeting."},
		},
	}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"briefing.pdf":   pdfRaw,
		"handbook.docx":  docxRaw,
		"notes/leave.md": []byte("---\ntitle: Leave policy\n---\nAnnual leave is booked through the HR portal at least two weeks ahead.\n"),
		"a.key":          []byte("keynote"),
		"b.xlsx":         []byte("sheet"),
		"bad.pdf":        []byte("%PDF-1.4 truncated"),
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCorpusDir answers questions about a folder of PDF, Word and
// Markdown files with no database: CORPUS_DIR is indexed in-process at
// start, every quote is verbatim, a PDF is cited with its page, bad and
// unsupported files are named once each, and the refusal names what was
// loaded instead of the bundled reports.
func TestCorpusDir(t *testing.T) {
	dir := corpusFolder(t)
	getenv := env("CORPUS_DIR", dir)

	code, out, errs := run(t, getenv, "ask", "Where are the engineers of the missile study working?")
	if code != 0 {
		t.Fatalf("ask: exit %d; stderr:\n%s", code, errs)
	}
	if !strings.Contains(out, "Quarterly defence briefing (2024-03-05), p. 1, ¶1") {
		t.Errorf("ask prints no page for the PDF's citation:\n%s", out)
	}
	bad := "coopbot: skipped " + filepath.Join(dir, "bad.pdf") + ": not a readable PDF\n"
	if strings.Count(errs, filepath.Join(dir, "bad.pdf")) != 1 || !strings.Contains(errs, bad) {
		t.Errorf("stderr names bad.pdf other than once as %q:\n%s", bad, errs)
	}
	wantSummary := "coopbot: using the in-process store over CORPUS_DIR=" + dir + " (3 documents, "
	unsupported := "skipped 1 bad file (listed above); skipped 2 unsupported files: " + filepath.Join(dir, "a.key") + ", " + filepath.Join(dir, "b.xlsx") + "\n"
	if !strings.Contains(errs, wantSummary) || !strings.Contains(errs, unsupported) {
		t.Errorf("stderr lacks %q … %q:\n%s", wantSummary, unsupported, errs)
	}

	texts := map[string]string{}
	for _, tc := range []struct {
		q, doc, quote string
		page          int
	}{
		{"Where are the engineers of the missile study working?", "briefing", "working in Tokyo", 1},
		{"What is the procurement timetable for?", "briefing", "procurement timetable for the P-1", 2},
		{"What do new starters collect from the reception desk?", "handbook", "reception desk", 0},
		{"How is annual leave booked?", "notes/leave", "HR portal", 0},
	} {
		ans := askJSON(t, getenv, tc.q)
		if ans.Abstained || len(ans.Citations) == 0 {
			t.Errorf("ask(%q) abstained: %q", tc.q, ans.Text)
			continue
		}
		c := ans.Citations[0]
		if c.DocumentID != tc.doc || !strings.Contains(c.Text, tc.quote) || c.Page != tc.page {
			t.Errorf("ask(%q) first citation = %s p.%d %q; want %s p.%d quoting %q", tc.q, c.DocumentID, c.Page, c.Text, tc.doc, tc.page, tc.quote)
		}
		texts[c.DocumentID] = c.Text
	}
	m := &Main{} // one PDF engine for every check
	defer m.Close()
	for id, text := range texts {
		if !verbatimInFolder(t, m.formats(), dir, id, text) {
			t.Errorf("citation of %s is not verbatim from its document: %q", id, text)
		}
	}

	ans := askJSON(t, getenv, "Who won the 2015 Rugby World Cup?")
	if !ans.Abstained || !strings.Contains(ans.Text, "Quarterly defence briefing") || strings.Contains(ans.Text, "UK ministers visit Tokyo") {
		t.Errorf("refusal = %q; want one naming the folder's documents, not the bundled reports", ans.Text)
	}
}

// TestIngestPDFPostgres ingests the two-page briefing into PostgreSQL
// and finds each passage cited with the page it is on, as the in-process
// store of TestCorpusDir does.
func TestIngestPDFPostgres(t *testing.T) {
	raw, err := docfixture.Briefing().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "briefing.pdf"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := env("DATABASE_URL", pgtest.NewDB(t, "coopbot_pdf"))
	if code, _, errs := run(t, getenv, "ingest", dir); code != 0 {
		t.Fatalf("ingest: exit %d; stderr:\n%s", code, errs)
	}
	for _, tc := range []struct {
		q, quote string
		page     int
	}{
		{"Where are the engineers of the missile study working?", "working in Tokyo", 1},
		{"What is the procurement timetable for?", "procurement timetable for the P-1", 2},
	} {
		ans := askJSON(t, getenv, tc.q)
		if ans.Abstained || len(ans.Citations) == 0 {
			t.Errorf("ask(%q) abstained: %q", tc.q, ans.Text)
			continue
		}
		if c := ans.Citations[0]; c.DocumentID != "briefing" || !strings.Contains(c.Text, tc.quote) || c.Page != tc.page {
			t.Errorf("ask(%q) first citation = %s p.%d %q; want briefing p.%d quoting %q", tc.q, c.DocumentID, c.Page, c.Text, tc.page, tc.quote)
		}
	}
}

func TestCorpusDirRefused(t *testing.T) {
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "slides.key"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		getenv func(string) string
		want   string
	}{
		{"missing folder", env("CORPUS_DIR", filepath.Join(empty, "nope")), "CORPUS_DIR: " + filepath.Join(empty, "nope") + " is not a folder"},
		{"nothing readable", env("CORPUS_DIR", empty), "holds no document coopbot can read (.docx, .htm, .html, .markdown, .md, .pdf, .txt); skipped 1 unsupported file: " + filepath.Join(empty, "slides.key")},
		{"with a database", env("CORPUS_DIR", empty, "DATABASE_URL", "postgres://u@127.0.0.1:1/x"), "CORPUS_DIR is for trying coopbot without a database"},
	} {
		code, _, errs := run(t, tc.getenv, "ask", "anything?")
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
			t.Errorf("%s: exit %d, stderr %q; want a failure with %q on one line", tc.name, code, errs, tc.want)
		}
	}
}

// verbatimInFolder reports whether text is a span of the document id of
// dir, loaded again with the readers coopbot uses.
func verbatimInFolder(t *testing.T, formats ingest.Formats, dir, id, text string) bool {
	t.Helper()
	for _, ext := range formats.Extensions() {
		name := filepath.Join(dir, filepath.FromSlash(id)+ext)
		raw, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if x, ok := formats[ext]; ok {
			got, err := x.Extract(context.Background(), raw)
			if err != nil {
				t.Fatalf("extract %s: %v", name, err)
			}
			doc, _, err := ingest.FromExtracted(id, name, raw, got)
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			return strings.Contains(doc.Text, text)
		}
		doc, err := ingest.Parse(id, name, raw)
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		return strings.Contains(doc.Text, text)
	}
	t.Fatalf("no file for document %q in %s", id, dir)
	return false
}
