package ingest

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/retrieval"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		source  string
		raw     string
		wantErr string // substring of the error; "" means success
		text    string // expected Document.Text, when set
		check   func(t *testing.T, d retrieval.Document)
	}{
		{
			name:   "plain text normalized",
			source: "notes/plain.txt",
			raw:    "\ufeffFirst  paragraph\u00a0here.  \r\nwrapped\tline.\r\n\r\n\r\n\r\nSecond\u200b one.   \n\n\n",
			text:   "First paragraph here. wrapped line.\n\nSecond one.",
		},
		{
			name:   "NFC",
			source: "nfc.txt",
			raw:    "Cafe\u0301 society.",
			text:   "Caf\u00e9 society.",
		},
		{
			name:   "boilerplate lines and trailing navigation removed",
			source: "b.txt",
			raw:    "Advertisement\nThe ministers met.\nShare\n\nThey agreed.\n\nADVERTISEMENT\n\nMore In Home",
			text:   "The ministers met.\n\nThey agreed.",
		},
		{
			name:   "several trailing navigation lines",
			source: "b.txt",
			raw:    "Body text.\n\nMore In World News\n\n\nMore In Interviews\n",
			text:   "Body text.",
		},
		{
			name:   "More In only removed at the end",
			source: "b.txt",
			raw:    "More In Home\n\nBody text.",
			text:   "More In Home\n\nBody text.",
		},
		{
			name:   "sentence starting with More in kept",
			source: "b.txt",
			raw:    "Body text.\n\nMore in sorrow than in anger, he left.",
			text:   "Body text.\n\nMore in sorrow than in anger, he left.",
		},
		{name: "empty file", source: "empty.txt", raw: "", wantErr: "empty.txt: no text"},
		{name: "blank file", source: "blank.txt", raw: " \n\t\r\n\u00a0\n", wantErr: "blank.txt: no text"},
		{name: "only boilerplate", source: "nav.txt", raw: "Advertisement\n\nMore In Home\n", wantErr: "nav.txt: no text"},
		{name: "binary with NUL", source: "image.txt", raw: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", wantErr: "image.txt: binary file"},
		{name: "binary control bytes", source: "ctl.txt", raw: strings.Repeat("\x01\x02\x03abc", 50), wantErr: "ctl.txt: binary file"},
		{name: "binary without NUL", source: "blob.txt", raw: strings.Repeat("\x80\xfe\x91\xc3(\xa0\xe2\x28", 40), wantErr: "blob.txt: binary file"},
		{name: "invalid UTF-8", source: "dir/latin1.txt", raw: "Caf\xe9 au lait, cr\xe8me br\xfbl\xe9e and more text.", wantErr: "dir/latin1.txt: not valid UTF-8"},
		{
			name:   "title from file name",
			source: "uk-japan_talks.txt",
			raw:    "Some text.",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Title != "Uk japan talks" {
					t.Errorf("title = %q", d.Title)
				}
			},
		},
		{
			name:   "title from first words when the file name is a hash",
			source: "000_36fd46dc1482b52a.txt",
			raw:    "Britain and Japan are to take further steps to broaden their defense and security cooperation.\n\nMore.",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Title != "Britain and Japan are to take further steps to broaden their defense…" {
					t.Errorf("title = %q", d.Title)
				}
			},
		},
		{
			name:   "markdown front matter",
			source: "a.md",
			raw:    "---\ntitle: \"UK ministers visit Tokyo\"\ndate: 2016-01-08\noutlet: Defense News\nauthor: Andrew Chuter\nextra: ignored\n---\nBody *text* here.\n",
			text:   "Body text here.",
			check: func(t *testing.T, d retrieval.Document) {
				want := retrieval.Document{Title: "UK ministers visit Tokyo", Date: "2016-01-08", Outlet: "Defense News", Author: "Andrew Chuter"}
				if d.Title != want.Title || d.Date != want.Date || d.Outlet != want.Outlet || d.Author != want.Author {
					t.Errorf("metadata = %+v", d)
				}
			},
		},
		{
			name:   "markdown timestamp date",
			source: "a.md",
			raw:    "---\ndate: 2015-01-21T10:30:00Z\n---\nBody.",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Date != "2015-01-21" {
					t.Errorf("date = %q", d.Date)
				}
			},
		},
		{name: "markdown bad date", source: "a.md", raw: "---\ndate: January 2015\n---\nBody.", wantErr: `a.md: front matter: date "January 2015" is not YYYY-MM-DD`},
		{name: "markdown impossible date", source: "a.md", raw: "---\ndate: 2015-02-30\n---\nBody.", wantErr: "is not YYYY-MM-DD"},
		{name: "markdown unclosed front matter", source: "a.md", raw: "---\ntitle: x\nBody.", wantErr: "a.md: front matter: no closing ---"},
		{name: "markdown bad YAML", source: "a.md", raw: "---\ntitle: [unclosed\n---\nBody.", wantErr: "a.md: front matter:"},
		{name: "markdown title of wrong type", source: "a.md", raw: "---\ntitle:\n  a: 1\n---\nBody.", wantErr: "a.md: front matter:"},
		{name: "markdown front matter only", source: "a.md", raw: "---\ntitle: x\n---\n", wantErr: "a.md: no text"},
		{
			name:   "markdown without front matter: title from the first heading, dropped from the body",
			source: "b.md",
			raw:    "# The *Title*\n\nIntro with a [link](http://x.example/a) and ![an image](i.png).\n\n## Section ##\n\n- first item\n- second **bold** item\n\n1. numbered\n\n> quoted\n> text\n\n---\n\nSome `code` and \\*not emphasis\\* and snake_case_name and _em_.\n\n```\nfenced code\n```\n[ref]: http://x.example\n",
			text:   "Intro with a link and an image.\n\nSection\n\nfirst item\n\nsecond bold item\n\nnumbered\n\nquoted text\n\nSome code and *not emphasis* and snake_case_name and em.\n\nfenced code",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Title != "The Title" {
					t.Errorf("title = %q", d.Title)
				}
			},
		},
		{
			name:   "markdown with front matter keeps a heading that differs from the title",
			source: "c.md",
			raw:    "---\ntitle: Front\n---\n# Other\n\nText.",
			text:   "Other\n\nText.",
		},
		{
			name:   "HTML: chrome dropped, article preferred, metadata",
			source: "page.html",
			raw: `<!DOCTYPE html><html><head><title>Page title | Site</title>
<meta property="og:title" content="UK and Japan &amp; allies">
<meta property="article:published_time" content="2016-01-08T09:00:00Z">
<meta property="og:site_name" content="Defense News"><meta name="author" content="Andrew Chuter">
<style>p{color:red}</style><script>var x = "script text";</script></head>
<body><header><h1>Site banner</h1></header><nav><a href="/">Home</a> <a href="/w">World</a></nav>
<div class="teaser">Teaser outside the article.</div>
<article><header><h1>UK and Japan &amp; allies</h1><time datetime="2016-01-07">Jan 7</time></header>
<p>First   paragraph
 with <b>bold</b> and <a href="#">a link</a>.</p>
<script>document.write("injected")</script><noscript>Enable JS</noscript>
<aside>Related stories</aside><div>Second<br>line<br><br>Third</div>
<form><input value="x"><button>Subscribe</button></form>
<ul><li>One</li><li>Two</li></ul><div hidden>Hidden text</div><div aria-hidden="true">Also hidden</div>
<table><tr><td>a</td><td>b</td></tr></table><svg><text>svg text</text></svg><template><p>tpl</p></template>
</article><footer>Copyright</footer></body></html>`,
			text: "First paragraph with bold and a link.\n\nSecond line\n\nThird\n\nOne\n\nTwo\n\na b",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Title != "UK and Japan & allies" || d.Date != "2016-01-08" || d.Outlet != "Defense News" || d.Author != "Andrew Chuter" {
					t.Errorf("metadata = %+v", d)
				}
			},
		},
		{
			name:   "HTML: main, title tag, time element, entities",
			source: "page.htm",
			raw:    `<html><head><title>A &lt;quiet&gt; page</title></head><body><nav>Menu</nav><main><h1>Heading</h1><p>Caf&eacute; text &#8212; here.</p><time datetime="2015-01-21T12:00:00Z">x</time></main><div role="contentinfo">Footer</div></body></html>`,
			text:   "Heading\n\nCafé text — here.\n\nx",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Title != "A <quiet> page" || d.Date != "2015-01-21" {
					t.Errorf("metadata = %+v", d)
				}
			},
		},
		{
			name:   "HTML: body only, title from h1 and dropped from the body",
			source: "page.html",
			raw: `<body><h1>Only heading</h1><p>Text one.</p><p>Text two.</p><pre>keep
  this</pre></body>`,
			text: "Text one.\n\nText two.\n\nkeep this",
			check: func(t *testing.T, d retrieval.Document) {
				if d.Title != "Only heading" || d.Date != "" {
					t.Errorf("metadata = %+v", d)
				}
			},
		},
		{
			name:   "HTML: invalid dates ignored",
			source: "page.html",
			raw:    `<meta property="article:published_time" content="yesterday"><p>Text.</p><time datetime="soon">x</time>`,
			check: func(t *testing.T, d retrieval.Document) {
				if d.Date != "" {
					t.Errorf("date = %q", d.Date)
				}
			},
		},
		{name: "HTML all script", source: "s.html", raw: `<html><head><script>alert("x")</script></head><body><script>var a = 1;</script><style>p{}</style><nav>Home</nav></body></html>`, wantErr: "s.html: no text"},
		{name: "HTML empty", source: "e.html", raw: "", wantErr: "e.html: no text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := docID(tc.source)
			d, err := Parse(id, tc.source, []byte(tc.raw))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error, want %q; text %q", tc.wantErr, d.Text)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q, want %q", err, tc.wantErr)
				}
				if retrieval.ErrorCode(err) != retrieval.EINVALID {
					t.Errorf("code %q, want %q", retrieval.ErrorCode(err), retrieval.EINVALID)
				}
				if !strings.Contains(retrieval.ErrorMessage(err), tc.source) {
					t.Errorf("user message %q does not name the file", retrieval.ErrorMessage(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.text != "" && d.Text != tc.text {
				t.Errorf("text\n got %q\nwant %q", d.Text, tc.text)
			}
			if d.ID != id || d.Source != tc.source || d.Title == "" || len(d.Hash) != 64 {
				t.Errorf("document = %+v", d)
			}
			checkNormalized(t, d.Text)
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

// checkNormalized asserts the Document.Text contract.
func checkNormalized(t *testing.T, text string) {
	t.Helper()
	if text == "" {
		t.Fatal("empty text")
	}
	for i, p := range strings.Split(text, "\n\n") {
		if p == "" || strings.Contains(p, "\n") || strings.TrimSpace(p) != p || strings.Contains(p, "  ") || strings.ContainsRune(p, '\u00a0') {
			t.Errorf("paragraph %d not normalized: %q", i+1, p)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	raw := bytes.Repeat([]byte("a "), MaxFileSize/2+1)
	if _, err := Parse("big", "big.txt", raw); err == nil || !strings.Contains(err.Error(), "big.txt: file too large") {
		t.Fatalf("err = %v", err)
	}
}

func TestHash(t *testing.T) {
	raw := []byte("---\ntitle: A\n---\nBody.")
	a, _ := Parse("a", "a.md", raw)
	a2, _ := Parse("a", "a.md", raw)
	b, _ := Parse("b", "b.md", raw)
	c, _ := Parse("a", "a.md", []byte("---\ntitle: B\n---\nBody."))
	if a.Hash != a2.Hash {
		t.Error("hash not deterministic")
	}
	if a.Hash == b.Hash || a.Hash == c.Hash {
		t.Error("hash ignores metadata")
	}
}

// corpusDocs loads the bundled corpus.
func corpusDocs(t testing.TB) []retrieval.Document {
	t.Helper()
	docs, errs := LoadFS(corpus.FS, ".")
	if len(errs) > 0 {
		t.Fatalf("corpus errors: %v", errs)
	}
	if len(docs) != 2 {
		t.Fatalf("corpus has %d documents, want 2", len(docs))
	}
	return docs
}

func TestCorpus(t *testing.T) {
	docs := corpusDocs(t)
	type want struct {
		id, title, date, author string
		paras                   int
		first, last             string
	}
	wants := []want{
		{
			id: "000_36fd46dc1482b52a", title: "UK ministers visit Tokyo: missile study, Typhoon exercise and cyber research",
			date: "2016-01-08", author: "Andrew Chuter", paras: 22,
			first: "Britain and Japan are to take further steps to broaden their defense and security cooperation, including investigating the development of an existing air-to-air missile and joint combat jet exercise, senior UK ministers announced during a visit to Tokyo on Jan. 8.",
			last:  "Andrew Chuter is the United Kingdom correspondent for Defense News.",
		},
		{
			id: "001_daedb0dc26058390", date: "2015-01-21", paras: 13,
			title: `First UK–Japan "2+2" meeting of foreign and defence ministers, London: missile study, P-1 aircraft and cyber dialogue`,
			first: "LONDON — Britain and Japan have pledged to increase cooperation in military training, weapons development, cybersecurity and other areas following a meeting in London of the nations' foreign and defense ministers on Wednesday.",
			last:  `Fallon said the meeting was not "just hugely symbolic, it also clearly affirms our resolve to deepen and broaden our defence relationship."`,
		},
	}
	for i, w := range wants {
		d := docs[i]
		if d.ID != w.id || d.Title != w.title || d.Date != w.date || d.Author != w.author || d.Outlet != "Defense News" {
			t.Errorf("doc %d metadata = %+v", i, d)
		}
		if d.Source != w.id+".md" {
			t.Errorf("source = %q", d.Source)
		}
		checkNormalized(t, d.Text)
		paras := strings.Split(d.Text, "\n\n")
		if len(paras) != w.paras {
			t.Errorf("%s: %d paragraphs, want %d", d.ID, len(paras), w.paras)
		}
		if paras[0] != w.first {
			t.Errorf("%s: first paragraph %q", d.ID, paras[0])
		}
		if paras[len(paras)-1] != w.last {
			t.Errorf("%s: last paragraph %q", d.ID, paras[len(paras)-1])
		}
		if strings.Contains(d.Text, "More In") {
			t.Errorf("%s: navigation line kept", d.ID)
		}
		// The body is the original text: ingesting it as .txt gives the
		// same Document.Text.
		raw, err := corpus.FS.ReadFile(d.Source)
		if err != nil {
			t.Fatal(err)
		}
		_, body, _, _ := splitFrontMatter(string(raw))
		plain, err := Parse(d.ID, d.ID+".txt", []byte(body))
		if err != nil || plain.Text != d.Text {
			t.Errorf("%s: the .txt body gives different text (%v)", d.ID, err)
		}
	}
	// The original slips stay.
	for _, s := range []string{"Micheal Fallon", "closet security partner", "Kawaski's"} {
		if !strings.Contains(docs[0].Text, s) {
			t.Errorf("000 lost %q", s)
		}
	}
	if !strings.Contains(docs[1].Text, "Michael Fallon") {
		t.Error(`001 lost "Michael Fallon"`)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"a.txt":             {Data: []byte("Alpha text.")},
		"sub/b.md":          {Data: []byte("---\ntitle: Bee\n---\nBeta text.")},
		"sub/deep/c.html":   {Data: []byte("<p>Gamma text.</p>")},
		"sub/deep/d.HTM":    {Data: []byte("<p>Delta text.</p>")},
		"bad.txt":           {Data: []byte("\x00\x01binary")},
		"empty.md":          {Data: []byte("")},
		"notes.pdf":         {Data: []byte("%PDF")},
		".hidden.txt":       {Data: []byte("Hidden.")},
		".git/config.txt":   {Data: []byte("Hidden dir.")},
		"sub/.cache/x.txt":  {Data: []byte("Hidden dir.")},
		"sub/README":        {Data: []byte("No extension.")},
		"sub/deep/more.txt": {Data: []byte("More text.")},
	}
	docs, errs := LoadFS(fsys, ".")
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	if got, want := strings.Join(ids, " "), "a sub/b sub/deep/c sub/deep/d sub/deep/more"; got != want {
		t.Errorf("ids = %q, want %q", got, want)
	}
	if len(errs) != 2 || errs[0].Path != "bad.txt" || errs[1].Path != "empty.md" {
		t.Fatalf("errors = %v", errs)
	}
	if !strings.Contains(errs[0].Error(), "bad.txt: binary file") || !strings.Contains(errs[1].Error(), "empty.md: no text") {
		t.Errorf("errors = %v", errs)
	}
	// A sub-root: IDs are relative to it.
	docs, _ = LoadFS(fsys, "sub")
	if len(docs) != 4 || docs[0].ID != "b" || docs[0].Source != "sub/b.md" || docs[0].Title != "Bee" {
		t.Errorf("sub docs = %+v", docs)
	}
}

// loadFile loads one file the way the pipeline loads a file named
// directly: its ID is its base name, and it must resolve within its
// directory.
func loadFile(name string) (retrieval.Document, error) {
	ref, err := osFile(name, nil)
	if err == nil {
		ref.root, err = confinement(filepath.Dir(name), false)
	}
	if err != nil {
		return retrieval.Document{}, err
	}
	doc, _, err := ref.load(context.Background(), nil)
	return doc, err
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "report.txt")
	if err := os.WriteFile(name, []byte("Report text."), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := loadFile(name)
	if err != nil || d.ID != "report" || d.Source != name || d.Text != "Report text." {
		t.Fatalf("loadFile = %+v, %v", d, err)
	}
	if _, err := loadFile(filepath.Join(dir, "missing.txt")); err == nil || !strings.Contains(err.Error(), "missing.txt: cannot read") {
		t.Errorf("missing: %v", err)
	}
	if _, err := loadFile(filepath.Join(dir, "x.pdf")); err == nil || !strings.Contains(err.Error(), "unsupported file type") {
		t.Errorf("pdf: %v", err)
	}
}

// TestImports keeps ingest independent of the store and embedder adapters.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if strings.HasPrefix(p, "github.com/coopbot/coopbot/retrieval/") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
