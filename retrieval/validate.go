package retrieval

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// ValidateDocument checks a document and its chunks the way every Store's
// PutDocument must before writing anything, so that the stores refuse the
// same input with the same code. It returns EINVALID when:
//   - doc.ID is empty, or any text field of doc is invalid UTF-8 or holds
//     a NUL byte (PostgreSQL text cannot hold one);
//   - embedder is empty or dims is not positive;
//   - a chunk belongs to another document, has a negative or repeated
//     ordinal, a paragraph range that does not run forwards, offsets whose
//     length differs from its text's, text that is not doc.Text at its
//     offsets (when doc.Text is set), invalid UTF-8 or a NUL byte, a
//     sentence span outside its text, or a vector that is not dims long or
//     holds NaN or ±Inf.
//
// A chunk with an empty DocumentID is taken to belong to doc.
func ValidateDocument(doc Document, chunks []Chunk, embedder string, dims int) error {
	if doc.ID == "" {
		return Errorf(EINVALID, "document has no ID")
	}
	for _, s := range []string{doc.ID, doc.Title, doc.Date, doc.Outlet, doc.Author, doc.Source, doc.Hash, doc.Text} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return Errorf(EINVALID, "document %q has invalid UTF-8 or a NUL byte", doc.ID)
		}
	}
	if embedder == "" || dims <= 0 {
		return Errorf(EINVALID, "document %q: embedder name and dimensions are required (got %q, %d)", doc.ID, embedder, dims)
	}
	seen := make(map[int]bool, len(chunks))
	for i, c := range chunks {
		if err := validateChunk(doc, c, dims, seen); err != nil {
			return Errorf(EINVALID, "chunk %d of document %q: %s", i, doc.ID, err)
		}
	}
	return nil
}

// validateChunk returns why c is malformed, or nil.
func validateChunk(doc Document, c Chunk, dims int, seen map[int]bool) error {
	switch {
	case c.DocumentID != "" && c.DocumentID != doc.ID:
		return fmt.Errorf("belongs to document %q", c.DocumentID)
	case c.Ordinal < 0:
		return fmt.Errorf("negative ordinal %d", c.Ordinal)
	case seen[c.Ordinal]:
		return fmt.Errorf("duplicate ordinal %d", c.Ordinal)
	case len(c.Vector) != dims:
		return fmt.Errorf("vector has %d dimensions; want %d", len(c.Vector), dims)
	case !utf8.ValidString(c.Text) || strings.ContainsRune(c.Text, 0):
		return fmt.Errorf("text has invalid UTF-8 or a NUL byte")
	case c.Start < 0 || c.End-c.Start != len(c.Text):
		return fmt.Errorf("offsets [%d, %d) do not fit its %d bytes of text", c.Start, c.End, len(c.Text))
	case doc.Text != "" && (c.End > len(doc.Text) || doc.Text[c.Start:c.End] != c.Text):
		return fmt.Errorf("text is not the document's text at [%d, %d)", c.Start, c.End)
	case c.ParaStart < 0 || c.ParaEnd < c.ParaStart:
		return fmt.Errorf("bad paragraph range %d–%d", c.ParaStart, c.ParaEnd)
	}
	seen[c.Ordinal] = true
	for _, x := range c.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("vector holds %v", x)
		}
	}
	for _, sp := range c.Sentences {
		if sp.Start < 0 || sp.End < sp.Start || sp.End > len(c.Text) {
			return fmt.Errorf("sentence [%d, %d) is outside its %d bytes of text", sp.Start, sp.End, len(c.Text))
		}
	}
	return nil
}
