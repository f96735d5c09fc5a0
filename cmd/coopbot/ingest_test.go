package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
)

// storedDoc is what the database holds for one document, reduced to
// comparable values.
type storedDoc struct {
	Hash, Text, Updated string
	Chunks              int
	ChunkSum            string // SHA-256 of the chunks' ordinals, offsets and texts
}

// snapshot reads every stored document and a digest of its chunks.
func snapshot(t *testing.T, url string) map[string]storedDoc {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT d.id, d.hash, d.text, d.updated_at::text,
			count(c.ordinal),
			coalesce(string_agg(c.ordinal || ':' || c.start_off || '-' || c.end_off || ':' || c.text, E'\x1f' ORDER BY c.ordinal), '')
		FROM documents d LEFT JOIN chunks c ON c.document_id = d.id
		GROUP BY d.id ORDER BY d.id`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedDoc{}
	for rows.Next() {
		var id, chunks string
		var d storedDoc
		if err := rows.Scan(&id, &d.Hash, &d.Text, &d.Updated, &d.Chunks, &chunks); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(chunks))
		d.ChunkSum = hex.EncodeToString(sum[:])
		out[id] = d
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// documentCount returns how many documents with the given ID are stored
// (0 or 1), or all documents when id is "".
func documentCount(ctx context.Context, conn *pgx.Conn, id string) (int, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM documents WHERE $1 = '' OR id = $1`, id).Scan(&n)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // no table yet: coopbot is still migrating
		return 0, nil
	}
	return n, err
}

// expectedChunks loads a file as the pipeline does and returns its
// document and chunks with the default options.
func expectedChunks(t *testing.T, id, path string) (retrieval.Document, []retrieval.Chunk) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ingest.Parse(id, path, raw)
	if err != nil {
		t.Fatalf("expected %s to load: %v", path, err)
	}
	return doc, ingest.Chunk(doc, ingest.ChunkOptions{})
}

// hugeParagraph is size bytes or a little more of text without a line
// break, ending in white space.
func hugeParagraph(size int) []byte {
	sentence := "Britain and Japan agreed on Jan. 8 to study a new missile with the U.S. and Mr. Fallon said so. "
	return []byte(strings.Repeat(sentence, size/len(sentence)+1))
}

// checkStoredChunks asserts that the chunks stored for document id are
// whole and bounded: ordinals 0..n-1, each chunk's text is the document's
// text at its offsets, at most DefaultMaxChars bytes, and together they
// cover every character that is not white space. It returns their number.
func checkStoredChunks(t *testing.T, ctx context.Context, conn *pgx.Conn, id, wantText string) int {
	t.Helper()
	var text string
	if err := conn.QueryRow(ctx, `SELECT text FROM documents WHERE id = $1`, id).Scan(&text); err != nil {
		t.Fatalf("document %s: %v", id, err)
	}
	if text != wantText {
		t.Fatalf("document %s: stored text (%d bytes) differs from the file's (%d bytes)", id, len(text), len(wantText))
	}
	rows, err := conn.Query(ctx, `SELECT ordinal, start_off, end_off, text FROM chunks WHERE document_id = $1 ORDER BY ordinal`, id)
	if err != nil {
		t.Fatal(err)
	}
	type chunk struct {
		ord, start, end int
		text            string
	}
	chunks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chunk, error) {
		var c chunk
		err := r.Scan(&c.ord, &c.start, &c.end, &c.text)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	covered := 0
	for i, c := range chunks {
		switch {
		case c.ord != i:
			t.Fatalf("document %s: chunk %d has ordinal %d", id, i, c.ord)
		case c.start < 0 || c.end > len(text) || c.start >= c.end || text[c.start:c.end] != c.text:
			t.Fatalf("document %s: chunk %d is not the text at [%d:%d]", id, i, c.start, c.end)
		case len(c.text) > ingest.DefaultMaxChars:
			t.Fatalf("document %s: chunk %d has %d bytes", id, i, len(c.text))
		case c.start > covered && strings.TrimSpace(text[covered:c.start]) != "":
			t.Fatalf("document %s: text before chunk %d is in no chunk", id, i)
		}
		covered = max(covered, c.end)
	}
	if strings.TrimSpace(text[covered:]) != "" {
		t.Fatalf("document %s: its tail is in no chunk", id)
	}
	return len(chunks)
}

// TestIngestHostileFolder is issue 6's "done when" for ingest: a folder of
// bad files plus good ones, ingested with the real CLI into PostgreSQL.
// Every bad file is named on stderr with its reason, the good ones become
// searchable, documents stored before are untouched, and the exit status
// is 1. The huge file is 6 MB (1 MB under -race; TestIngestBinary
// ingests 6 MB through the uninstrumented binary). Running as root, the
// test cannot make a file unreadable with chmod, so a FIFO, a symlink to
// /dev/zero, a dangling or looping symlink and a file deleted during the
// run stand in for files that vanish or cannot be read (TestIngestBinary
// covers chmod 000 by running the binary as nobody).
func TestIngestHostileFolder(t *testing.T) {
	url := pgtest.NewDB(t, "coopbot_hostile")
	getenv := env("DATABASE_URL", url)
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Stored before: the bundled corpus, and victim.txt, which the hostile
	// run finds turned into a binary file.
	if code, _, errs := run(t, getenv, "ingest"); code != 0 {
		t.Fatalf("ingest of the bundled corpus: exit %d: %s", code, errs)
	}
	write("victim.txt", []byte("The victim paragraph tells of a Kawasaki P-1 maritime patrol aircraft displayed at a London air show."))
	if code, _, errs := run(t, getenv, "ingest", dir); code != 0 {
		t.Fatalf("first ingest of %s: exit %d: %s", dir, code, errs)
	}
	before := snapshot(t, url)
	if len(before) != 3 {
		t.Fatalf("stored before the hostile run: %d documents, want 3 (corpus + victim)", len(before))
	}

	// The good files.
	write("00-first.md", []byte("---\ntitle: Quartermaster drill\ndate: 2016-02-03\n---\n"+
		"The Okinawa logistics depot will host a joint quartermaster drill with the frigate HMS Zephyrine next spring.\n\n"+
		"Officials said the drill tests fuel and food supply lines between the two navies."))
	write("good-two.html", []byte(`<!doctype html><html><head><title>Radar trial</title><script>var leak = "MARKER-SCRIPT";</script></head>
<body><nav>Home | World</nav><article><h1>Radar trial</h1><p>The Hokkaido radar trial measured the Glaswegian sensor array against low-flying drones.</p>
<p>Engineers from both countries shared the results in February.</p></article><footer>© Site</footer></body></html>`))
	// Hostile but valid text: it lands, in bounded chunks. Under -race the
	// in-process run gets 1 MB; TestIngestBinary ingests 6 MB.
	hugeSize := 6 << 20
	if raceBuild {
		hugeSize = 1 << 20
	}
	huge := hugeParagraph(hugeSize)
	write("huge.txt", huge)

	// The bad files and their expected reasons.
	type bad struct{ name, reason string }
	bads := []bad{
		{"empty.txt", "no text"},
		{"binary.txt", "binary file"},
		{"latin1.txt", "not valid UTF-8"},
		{"script.html", "no text"},
		{"badfront.md", "front matter: yaml:"},
		{"deep.html", "cannot parse HTML: html: open stack of elements exceeds 512 nodes"},
		{"victim.txt", "binary file"},
		{"fifo.txt", "not a regular file (a named pipe)"},
		{"zero.txt", "symbolic link to a file outside the folder being ingested (--follow-symlinks ingests it)"},
		{"secret.txt", "symbolic link to a file outside the folder being ingested (--follow-symlinks ingests it)"},
		{"dangling.txt", "cannot read: no such file or directory"},
		{"loop.txt", "cannot read: too many levels of symbolic links"},
		{"bad\xffname.txt", "file name is not valid UTF-8"},
		{"esc\x1b[2Jname.txt", "file name has control characters"},
		{"zz-vanish.txt", "cannot read: no such file or directory"},
	}
	write("empty.txt", nil)
	write("binary.txt", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"))
	write("latin1.txt", []byte("Caf\xe9 society: the ministers met in Tokyo on Jan. 8.\n"))
	write("script.html", []byte(`<html><head><script>var a = "MARKER-SCRIPT";</script><style>p { color: red }</style></head><body><script>document.write("MARKER-SCRIPT")</script><noscript>Enable JavaScript.</noscript></body></html>`))
	write("deep.html", []byte(strings.Repeat("<div>", 600)+"Nested too deep."))
	write("badfront.md", []byte("---\ntitle: [unclosed\ndate: 2016-01-08\n---\nBody text.\n"))
	write("victim.txt", []byte("\x00\x01\x02\x03 overwritten with binary garbage"))
	write("bad\xffname.txt", []byte("A fine text behind a bad name."))
	write("esc\x1b[2Jname.txt", []byte("A fine text behind a name with a terminal escape."))
	write("zz-vanish.txt", []byte("This file is deleted while the run is under way."))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	// secret.txt links to a readable file outside the folder, whose text
	// must never become a citation.
	outside := filepath.Join(t.TempDir(), "private.txt")
	if err := os.WriteFile(outside, []byte("PRIVATE-MARKER: a file outside the corpus folder, readable by coopbot."), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"zero.txt": "/dev/zero", "dangling.txt": "missing.txt", "loop.txt": "loop.txt", "secret.txt": outside} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// A directory named like a file is walked, not read; it holds nothing.
	if err := os.Mkdir(filepath.Join(dir, "folder.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		write("locked.txt", []byte("Unreadable."))
		if err := os.Chmod(filepath.Join(dir, "locked.txt"), 0); err != nil {
			t.Fatal(err)
		}
		bads = append(bads, bad{"locked.txt", "cannot read: permission denied"})
	}

	// Run in the background; once 00-first has landed the walk is done, so
	// deleting zz-vanish.txt makes it vanish between walk and load. The
	// 6 MB huge.txt sits between them in lexical order, so while it is not
	// stored, zz-vanish.txt has not been read yet.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Run(ctx, []string{"ingest", dir}, getenv, &stdout, &stderr) }()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		n, err := documentCount(ctx, conn, "00-first")
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("ingest ended (exit %d) before 00-first was stored: %s", code, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := os.Remove(filepath.Join(dir, "zz-vanish.txt")); err != nil {
		t.Fatal(err)
	}
	if n, err := documentCount(ctx, conn, "huge"); err != nil || n != 0 {
		t.Fatalf("huge.txt was already stored when zz-vanish.txt was deleted (%d, %v): the vanishing file was read too early", n, err)
	}
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		t.Fatal("ingest of the hostile folder did not finish in 5 minutes (a FIFO or device blocking?)")
	}
	errs := stderr.String()
	if code != 1 {
		t.Errorf("exit status %d; want 1 (files were skipped)\n%s", code, errs)
	}
	if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
		t.Fatalf("panic on stderr:\n%s", errs)
	}
	for _, b := range bads {
		want := "coopbot: skipped " + printable(filepath.Join(dir, b.name)) + ": " + b.reason
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not name %q with its reason; want a line starting %q", b.name, want)
		}
	}
	if got := strings.Count(errs, "coopbot: skipped "); got != len(bads) {
		t.Errorf("%d files named as skipped; want %d", got, len(bads))
	}

	// The good files landed, whole.
	after := snapshot(t, url)
	wantChunks := 0
	for _, g := range []struct{ id, file string }{{"00-first", "00-first.md"}, {"good-two", "good-two.html"}} {
		doc, chunks := expectedChunks(t, g.id, filepath.Join(dir, g.file))
		wantChunks += len(chunks)
		got, ok := after[g.id]
		if !ok {
			t.Errorf("%s was not stored", g.file)
			continue
		}
		if got.Hash != doc.Hash || got.Text != doc.Text || got.Chunks != len(chunks) {
			t.Errorf("%s stored with %d chunks (hash match %v, text match %v); want %d chunks", g.file, got.Chunks, got.Hash == doc.Hash, got.Text == doc.Text, len(chunks))
		}
		if strings.Contains(doc.Text, "MARKER-SCRIPT") {
			t.Errorf("%s: script text leaked into the document", g.file)
		}
	}
	for id, d := range after {
		if strings.Contains(d.Text, "PRIVATE-MARKER") {
			t.Errorf("document %s holds the text of a file outside the folder (through secret.txt)", id)
		}
	}
	n := checkStoredChunks(t, ctx, conn, "huge", strings.TrimSpace(string(huge)))
	wantChunks += n
	t.Logf("huge.txt: %d bytes in %d chunks", len(huge), n)
	wantSummary := fmt.Sprintf("coopbot: ingested 3, unchanged 0, pruned 0 documents (%d chunks written); skipped %d bad files (listed above)\n", wantChunks, len(bads))
	if !strings.HasSuffix(errs, wantSummary) {
		t.Errorf("stderr does not end with the summary %q:\n%s", wantSummary, tail(errs, 600))
	}
	if len(after) != len(before)+3 {
		var ids []string
		for id := range after {
			ids = append(ids, id)
		}
		t.Errorf("stored documents %q; want the 3 from before and the 3 good files", ids)
	}
	// Everything stored before is untouched, including victim.txt's old text.
	for id, b := range before {
		if a := after[id]; a != b {
			t.Errorf("document %s changed by the hostile run: before %+v, after %+v", id, b, a)
		}
	}

	// The good ones are searchable.
	res := searchJSON(t, getenv, "Okinawa quartermaster drill")
	if len(res.Citations) == 0 || res.Citations[0].DocumentID != "00-first" {
		t.Errorf("search for the first good file: %+v", res.Citations)
	}
	ans := askJSON(t, getenv, "What did the Hokkaido radar trial measure?")
	if ans.Abstained || len(ans.Citations) == 0 || ans.Citations[0].DocumentID != "good-two" {
		t.Errorf("ask about the second good file: %+v", ans)
	}

	// Again: the three good files are unchanged, the bad ones still named
	// (zz-vanish.txt is gone for good).
	code, _, errs = run(t, getenv, "ingest", dir)
	if code != 1 || !strings.Contains(errs, "coopbot: ingested 0, unchanged 3, pruned 0 documents (0 chunks written); skipped "+fmt.Sprint(len(bads)-1)+" bad files") {
		t.Errorf("second hostile run: exit %d\n%s", code, tail(errs, 600))
	}
}

func searchJSON(t *testing.T, getenv func(string) string, q string) retrieval.Answer {
	t.Helper()
	code, out, errs := run(t, getenv, "search", "--json", q)
	if code != 0 {
		t.Fatalf("coopbot search --json %q: exit %d, stderr %s", q, code, errs)
	}
	var res retrieval.Answer
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json output is not JSON: %v\n%s", err, out)
	}
	return res
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		sum  ingest.Summary
		want string
	}{
		{ingest.Summary{Ingested: 2, Chunks: 31}, "coopbot: ingested 2, unchanged 0, pruned 0 documents (31 chunks written); skipped 0 bad files"},
		{ingest.Summary{Unchanged: 2, Skipped: 1}, "coopbot: ingested 0, unchanged 2, pruned 0 documents (0 chunks written); skipped 1 bad file (listed above)"},
		{ingest.Summary{Ingested: 1, Pruned: 3, Chunks: 4, Skipped: 2}, "coopbot: ingested 1, unchanged 0, pruned 3 documents (4 chunks written); skipped 2 bad files (listed above)"},
	}
	for _, tc := range tests {
		if got := summaryLine(tc.sum); got != tc.want {
			t.Errorf("summaryLine(%+v) = %q; want %q", tc.sum, got, tc.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"docs/report.txt: binary file", "docs/report.txt: binary file"},
		{"日本/報告.md: no text", "日本/報告.md: no text"},
		{"a\nb.txt", `a\nb.txt`},
		{"esc\x1b[2J.txt", `esc\x1b[2J.txt`},
		{"bad\xff.txt", `bad\xff.txt`},
	}
	for _, tc := range tests {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
