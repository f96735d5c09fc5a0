package ingest

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"

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

// FuzzSplitSentences checks the sentence spans on arbitrary text: in
// order, within the text, not overlapping, trimmed, and covering every
// character that is not white space. Seeds: testdata/fuzz/FuzzSplitSentences.
func FuzzSplitSentences(f *testing.F) {
	f.Add("Mr. Fallon met Gen. Nakatani on Jan. 8. The U.S. agreed. 2. The second item")
	f.Add("“Quoted.” (Bracketed.) Dr. No. 5 p. 7 e.g. this… and that?! Yes.")
	f.Add("日本と英国。 Second sentence.\u2028Third\u00a0one.")
	f.Add(" \t\n")
	f.Fuzz(func(t *testing.T, text string) {
		checkSpans(t, text, SplitSentences(text))
	})
}

// scriptMarker is put inside a <script> and a <style> by FuzzParseHTML; it
// must never reach Document.Text.
const scriptMarker = "ZQXSCRIPTMARKERZQX"

// FuzzParseHTML parses arbitrary bytes as an .html file with a script and
// a style element spliced in: Parse never panics, and a document it
// returns is valid UTF-8 in NFC, made of trimmed one-line paragraphs
// separated by exactly "\n\n", without the script's or the style's text.
// Seeds: testdata/fuzz/FuzzParseHTML.
func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<html><head><title>T</title></head><body><article><h1>T</h1><p>Body one.</p><p>Body two.</p></article></body></html>`), uint16(70))
	f.Add([]byte(`<body><p>Text <br> more<pre>  kept
  lines</pre><table><tr><td>a<td>b</table>`), uint16(6))
	f.Add([]byte(`<p>Unclosed <script>var x = "</script><p>after`), uint16(3))
	f.Add([]byte("<html><body>\xff\xfe caf\xe9</body></html>"), uint16(12))
	f.Add([]byte(`<plaintext><script>`), uint16(11))
	f.Fuzz(func(t *testing.T, page []byte, at uint16) {
		if bytes.Contains(page, []byte(scriptMarker[:8])) {
			return
		}
		pos := int(at) % (len(page) + 1)
		inject := `<script>var m = "` + scriptMarker + `";</script><style>.` + scriptMarker + ` { color: red }</style>`
		raw := append(append(append([]byte{}, page[:pos]...), inject...), page[pos:]...)
		doc, err := Parse("fuzz", "fuzz.html", raw)
		if err != nil {
			if retrieval.ErrorCode(err) != retrieval.EINVALID || !strings.HasPrefix(err.Error(), "fuzz.html: ") {
				t.Fatalf("error %v: want EINVALID naming the file", err)
			}
			return
		}
		checkDocument(t, doc)
		if strings.Contains(doc.Text, scriptMarker) && onlyInScripts(t, raw) {
			t.Fatalf("script or style text leaked into %q", doc.Text)
		}
	})
}

// onlyInScripts reports whether every text node holding scriptMarker in
// the parsed page is inside a <script> or <style> element. Spliced into an
// attribute, a <textarea>, a <title> or after <plaintext>, the markup is
// not a script, and its text may be the page's.
func onlyInScripts(t *testing.T, raw []byte) bool {
	root, err := html.Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	found, only := false, true
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode && strings.Contains(n.Data, scriptMarker) {
			found = true
			if p := n.Parent; p == nil || (p.DataAtom != atom.Script && p.DataAtom != atom.Style) {
				only = false
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return found && only
}

// FuzzParseMarkdown parses arbitrary text as a .md file, front matter
// included: Parse never panics; an error is EINVALID and names the file;
// a document has a one-line title, a date that is "" or YYYY-MM-DD, and
// normalized text. Seeds: testdata/fuzz/FuzzParseMarkdown.
func FuzzParseMarkdown(f *testing.F) {
	f.Add("---\ntitle: \"UK ministers visit Tokyo\"\ndate: 2016-01-08\noutlet: Defense News\nauthor: Andrew Chuter\n---\n\nBody *text* with a [link](http://x).\n")
	f.Add("---\ndate: 2016-01-08T10:00:00Z\ntitle: [a, b]\n---\nBody.")
	f.Add("---\ntitle: x\n")
	f.Add("---\r\ntitle: |\n  multi\n  line\n...\n# Heading\n\n- item\n> quote\n```\ncode\n```")
	f.Add("---\n&a [*a]\n---\nBody.")
	f.Fuzz(func(t *testing.T, raw string) {
		doc, err := Parse("fuzz", "fuzz.md", []byte(raw))
		if err != nil {
			if retrieval.ErrorCode(err) != retrieval.EINVALID || !strings.HasPrefix(err.Error(), "fuzz.md: ") {
				t.Fatalf("error %v: want EINVALID naming the file", err)
			}
			return
		}
		checkDocument(t, doc)
		if doc.Title == "" || strings.ContainsAny(doc.Title, "\n\r") || !utf8.ValidString(doc.Title) {
			t.Fatalf("title %q", doc.Title)
		}
		if doc.Date != "" {
			if _, err := time.Parse(time.DateOnly, doc.Date); err != nil {
				t.Fatalf("date %q", doc.Date)
			}
		}
	})
}

// checkDocument asserts the Document.Text contract on a loaded document.
func checkDocument(t *testing.T, doc retrieval.Document) {
	t.Helper()
	if !utf8.ValidString(doc.Text) || !norm.NFC.IsNormalString(doc.Text) {
		t.Fatalf("text is not valid UTF-8 in NFC: %q", doc.Text)
	}
	if doc.Hash == "" || doc.ID != "fuzz" {
		t.Fatalf("document %q has hash %q", doc.ID, doc.Hash)
	}
	checkNormalized(t, doc.Text)
}
