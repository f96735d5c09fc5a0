// Package docx reads Word documents (Office Open XML, .docx) for ingest:
// paragraphs, headings, list items and table rows become paragraphs of
// text, and the core properties (title, author, date) metadata. It needs
// only archive/zip and encoding/xml.
package docx

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/coopbot/coopbot/ingest"
)

// maxPart bounds how much of one part of the package is decompressed, so
// that a small file that inflates to gigabytes (a zip bomb) is refused.
const maxPart = 4 * ingest.MaxFileSize

// Extractor reads .docx files. Its zero value is ready to use.
type Extractor struct{}

// Extract returns the document's text, one paragraph per Word paragraph
// or table row, and its core properties.
func (Extractor) Extract(ctx context.Context, raw []byte) (ingest.Extracted, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return ingest.Extracted{}, errors.New("not a Word document (.docx is a zip package)")
	}
	body, err := readPart(zr, "word/document.xml")
	if err != nil {
		return ingest.Extracted{}, err
	}
	text, err := bodyText(body)
	if err != nil {
		return ingest.Extracted{}, err
	}
	x := ingest.Extracted{Pages: []string{text}}
	if core, err := readPart(zr, "docProps/core.xml"); err == nil {
		readCore(core, &x) // properties are optional; a broken part only loses them
	}
	return x, ctx.Err()
}

// readPart returns the decompressed bytes of the part named name.
func readPart(zr *zip.Reader, name string) ([]byte, error) {
	f, err := zr.Open(name)
	if err != nil {
		return nil, fmt.Errorf("not a Word document (no %s)", name)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPart+1))
	if err != nil {
		return nil, fmt.Errorf("cannot unzip %s: %w", name, err)
	}
	if len(b) > maxPart {
		return nil, fmt.Errorf("%s inflates to over %d bytes", name, maxPart)
	}
	return b, nil
}

// bodyText walks word/document.xml: text runs (w:t), tabs and breaks
// inside paragraphs (w:p); each paragraph ends with a blank line, and the
// cells of a table row (w:tr) are joined with " | " into one paragraph.
func bodyText(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var b strings.Builder
	inText, rowDepth, cells := false, 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", fmt.Errorf("cannot parse word/document.xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			case "tr":
				rowDepth++
				cells = 0
			case "tc":
				if cells > 0 {
					b.WriteString(" | ")
				}
				cells++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if rowDepth == 0 {
					b.WriteString("\n\n")
				} else {
					b.WriteByte(' ')
				}
			case "tr":
				rowDepth--
				b.WriteString("\n\n")
			}
		case xml.CharData:
			if inText {
				b.Write(t)
			}
		}
	}
}

// readCore fills in x's metadata from docProps/core.xml: dc:title,
// dc:creator and dcterms:created (or modified).
func readCore(core []byte, x *ingest.Extracted) {
	var p struct {
		Title    string `xml:"title"`
		Creator  string `xml:"creator"`
		Created  string `xml:"created"`
		Modified string `xml:"modified"`
	}
	if xml.Unmarshal(core, &p) != nil {
		return
	}
	x.Title, x.Author = strings.TrimSpace(p.Title), strings.TrimSpace(p.Creator)
	x.Date = strings.TrimSpace(p.Created)
	if x.Date == "" {
		x.Date = strings.TrimSpace(p.Modified)
	}
}
