package ingest

import (
	"testing"

	"github.com/coopbot/coopbot/retrieval"
)

// FuzzChunk checks the chunk invariants on arbitrary text and sizes, both
// raw and after the loaders' normalization. Seeds: testdata/fuzz/FuzzChunk.
func FuzzChunk(f *testing.F) {
	f.Add("Mr. Fallon met Gen. Nakatani on Jan. 8. The U.S. agreed.\n\nShort.\n\nEnd.", uint16(0))
	f.Add("a\n\n\n\nb", uint16(1))
	f.Fuzz(func(t *testing.T, text string, maxChars uint16) {
		opts := ChunkOptions{MaxChars: int(maxChars)}
		if maxChars > 0 {
			opts.TargetChars = int(maxChars) * 2 / 3
			opts.MinChars = int(maxChars) / 4
		}
		doc := retrieval.Document{ID: "fuzz", Text: text}
		checkChunks(t, doc, Chunk(doc, opts), opts, false)
		if norm := cleanBody(text, ""); norm != "" {
			doc.Text = norm
			checkChunks(t, doc, Chunk(doc, opts), opts, true)
		}
	})
}
