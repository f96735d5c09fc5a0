package ingest

import (
	"context"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// Extracted is the text a format adapter (PDF, DOCX, a fetched web page)
// found in a file, before normalization.
type Extracted struct {
	Title, Date, Outlet, Author string // Date: YYYY-MM-DD or RFC 3339, or ""
	// Pages is the text of each page in reading order (a paged format
	// such as PDF), or a single element for a format without pages.
	// Lines are separated by "\n" and paragraphs by a blank line.
	Pages []string
	// Paged says whether Pages are real pages, whose numbers citations
	// show.
	Paged bool
}

// Extractor turns the raw bytes of a format the text loaders cannot read
// into text. An error's message says what is wrong with the file in a
// few lowercase words ("scanned PDF with no text layer"); the pipeline
// prefixes the file's name.
type Extractor interface {
	Extract(ctx context.Context, raw []byte) (Extracted, error)
}

// Formats maps a lower-case extension with its dot (".pdf") to the
// Extractor that reads it, beside the built-in text loaders.
type Formats map[string]Extractor

// Supported reports whether name has an extension a built-in loader or
// one of f reads.
func (f Formats) Supported(name string) bool {
	_, ok := f[strings.ToLower(path.Ext(name))]
	return ok || Supported(name)
}

// Extensions lists every extension read, sorted: the built-in ones and
// f's.
func (f Formats) Extensions() []string {
	out := []string{".htm", ".html", ".markdown", ".md", ".txt"}
	for ext := range f {
		if !slices.Contains(out, ext) {
			out = append(out, ext)
		}
	}
	slices.Sort(out)
	return out
}

// FromExtracted turns what an Extractor found into a Document, normalized
// as Parse normalizes text files; raw is the file's bytes, hashed. For a
// paged document, pages[i] is the byte offset in Text at which page i+1
// begins (nil otherwise; ChunkPages reads it). Each page is cleaned on its
// own so that its start is known; a paragraph cut by a page break (its page ends without closing
// punctuation and the next page goes on in lower case) is joined again
// and cited at the page it starts on.
func FromExtracted(id, source string, raw []byte, x Extracted) (doc retrieval.Document, pages []int, err error) {
	title, outlet, author := cleanInline(x.Title), cleanInline(x.Outlet), cleanInline(x.Author)
	date, ok := parseDate(x.Date)
	if !ok {
		date = "" // a document's own metadata is not the user's to fix
	}
	var b strings.Builder
	for i, page := range x.Pages {
		t := ""
		if i == 0 {
			t = title
		}
		text := cleanBody(page, t)
		if !utf8.ValidString(text) {
			return doc, nil, fileError(source, "not valid UTF-8", nil)
		}
		if text != "" && b.Len() > 0 {
			if continues(b.String(), text) {
				first, rest, _ := strings.Cut(text, "\n\n")
				b.WriteString(" " + first)
				text = rest
			}
			if text != "" {
				b.WriteString("\n\n")
			}
		}
		pages = append(pages, b.Len())
		b.WriteString(text)
	}
	text := b.String()
	if text == "" {
		return doc, nil, fileError(source, "no text", nil)
	}
	if title == "" {
		title = fallbackTitle(id, text)
	}
	doc = retrieval.Document{ID: id, Title: title, Date: date, Outlet: outlet, Author: author, Source: source, Text: text}
	doc.Hash = documentHash(raw, doc)
	if !x.Paged {
		pages = nil
	}
	return doc, pages, nil
}

// continues reports whether next's first paragraph goes on with the last
// paragraph of prev: prev ends without closing punctuation and next starts
// with a lower-case letter.
func continues(prev, next string) bool {
	last, _ := utf8.DecodeLastRuneInString(prev)
	first, _ := utf8.DecodeRuneInString(next)
	return !strings.ContainsRune(".!?:;\"”’)]", last) && unicode.IsLower(first)
}

// pageAt returns the 1-based number of the page on which byte offset off
// lies, given where each page begins, or 0 without pages.
func pageAt(pages []int, off int) int {
	n := 0
	for i, start := range pages {
		if start <= off {
			n = i + 1
		}
	}
	return n
}
