// Package docfixture writes the PDF and Word files that tests ingest, so
// that no binary fixture is committed: a PDF laid out line by line with
// go-pdf/fpdf (columns, running headers and footers, hyphenated line
// ends), and a .docx package written with archive/zip.
package docfixture

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// PDF describes a PDF to write.
type PDF struct {
	Title, Author string
	Created       time.Time // zero: none
	Header        string    // a running header on every page, if set
	PageNumbers   bool      // a footer "Page N of M" on every page
	// Pages hold one or two columns of lines each, laid out from the top
	// of the page; an empty line leaves a paragraph gap. A page with no
	// columns has no text: a scan, as far as a reader can tell.
	Pages [][][]string
}

// Bytes writes the PDF.
func (p PDF) Bytes() ([]byte, error) {
	f := fpdf.New("P", "pt", "A4", "")
	f.SetCompression(false)
	f.SetAutoPageBreak(false, 0)
	if p.Title != "" {
		f.SetTitle(p.Title, true)
	}
	if p.Author != "" {
		f.SetAuthor(p.Author, true)
	}
	if !p.Created.IsZero() {
		f.SetCreationDate(p.Created)
	}
	const lineH, top, left, colW = 14.0, 90.0, 56.0, 250.0
	tr := f.UnicodeTranslatorFromDescriptor("")
	for n, page := range p.Pages {
		f.AddPage()
		f.SetFont("Helvetica", "", 10)
		if p.Header != "" {
			f.Text(left, 40, tr(p.Header))
		}
		if p.PageNumbers {
			f.Text(270, 800, fmt.Sprintf("Page %d of %d", n+1, len(p.Pages)))
		}
		if len(page) == 0 { // a scanned page: a picture, no text
			f.Rect(left, top, 480, 600, "F")
			continue
		}
		f.SetFont("Times", "", 11)
		for c, col := range page {
			for i, line := range col {
				if line != "" {
					f.Text(left+float64(c)*(colW+20), top+float64(i)*lineH, tr(line))
				}
			}
		}
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return b.Bytes(), nil
}

// Briefing is a two-page, two-column PDF with a running header, page
// numbers in the footer, hyphenated line ends, and a paragraph that runs
// from the left column into the right one and from page 1 onto page 2.
func Briefing() PDF {
	return PDF{
		Title: "Quarterly defence briefing", Author: "Jane Doe",
		Created: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC),
		Header:  "Defence Briefing — Restricted", PageNumbers: true,
		Pages: [][][]string{
			{
				{"The ministers agreed a joint study", "of a new air-to-air missile, with", "engineers from both countries work-", "ing in Tokyo.", "", "A second paragraph opens the", "exercise plans and"},
				{"continues in the right column, where", "the Typhoon deployment is set out.", "", "Cyber research is the third topic,", "to be reviewed by the joint"},
			},
			{
				{"committee in the spring of next", "year.", "", "Page two carries the procure-", "ment timetable for the P-1."},
				{"The right column of page two closes", "the briefing with a summary."},
			},
		},
	}
}

// Para is a Word paragraph with an optional style ("Heading1", "Title",
// "ListParagraph").
type Para struct{ Style, Text string }

// DOCX describes a Word document to write.
type DOCX struct {
	Title, Author, Created string // core properties; Created as RFC 3339
	Body                   []Para
	Table                  [][]string // rows of cells, after the body
}

// Bytes writes the .docx package.
func (d DOCX) Bytes() ([]byte, error) {
	var body strings.Builder
	for _, p := range d.Body {
		body.WriteString("<w:p>")
		if p.Style != "" {
			num := ""
			if p.Style == "ListParagraph" {
				num = `<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>`
			}
			fmt.Fprintf(&body, `<w:pPr><w:pStyle w:val="%s"/>%s</w:pPr>`, p.Style, num)
		}
		// Two runs, so that a reader must join runs within a paragraph.
		half := len(p.Text) / 2
		for half > 0 && p.Text[half] != ' ' {
			half--
		}
		fmt.Fprintf(&body, `<w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`,
			html.EscapeString(p.Text[:half]), html.EscapeString(p.Text[half:]))
	}
	if len(d.Table) > 0 {
		body.WriteString("<w:tbl>")
		for _, row := range d.Table {
			body.WriteString("<w:tr>")
			for _, cell := range row {
				fmt.Fprintf(&body, "<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>", html.EscapeString(cell))
			}
			body.WriteString("</w:tr>")
		}
		body.WriteString("</w:tbl>")
	}
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`,
		"docProps/core.xml": fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>%s</dc:title><dc:creator>%s</dc:creator><dcterms:created>%s</dcterms:created></cp:coreProperties>`,
			html.EscapeString(d.Title), html.EscapeString(d.Author), html.EscapeString(d.Created)),
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml", "docProps/core.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			return nil, fmt.Errorf("write docx: %w", err)
		}
		if _, err := w.Write([]byte(parts[name])); err != nil {
			return nil, fmt.Errorf("write docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write docx: %w", err)
	}
	return b.Bytes(), nil
}
