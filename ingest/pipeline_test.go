package ingest

// These tests cover the pipeline's control flow only (hash skip, prune,
// bad files, batching) against an in-test fake store; the real stores are
// tested in their own packages.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/retrieval"
)

type fakeStore struct {
	docs     map[string]retrieval.Document
	chunks   map[string][]retrieval.Chunk
	embedder string
	dims     int
	puts     int
	putErr   map[string]error // document ID → error from PutDocument
}

func newFakeStore() *fakeStore {
	return &fakeStore{docs: map[string]retrieval.Document{}, chunks: map[string][]retrieval.Chunk{}}
}

func (s *fakeStore) Search(context.Context, retrieval.Query) ([]retrieval.Hit, error) {
	return nil, errors.New("not used")
}

func (s *fakeStore) PutDocument(_ context.Context, doc retrieval.Document, chunks []retrieval.Chunk, embedder string, dims int) error {
	if err := s.putErr[doc.ID]; err != nil {
		return err
	}
	if s.embedder != "" && s.embedder != embedder {
		return retrieval.Errorf(retrieval.EMISMATCH, "mismatch")
	}
	for _, c := range chunks {
		if len(c.Vector) != dims || c.DocumentID != doc.ID {
			return retrieval.Errorf(retrieval.EINVALID, "bad chunk")
		}
	}
	s.embedder, s.dims = embedder, dims
	s.docs[doc.ID], s.chunks[doc.ID] = doc, chunks
	s.puts++
	return nil
}

func (s *fakeStore) DocumentHash(_ context.Context, id string) (string, error) {
	d, ok := s.docs[id]
	if !ok {
		return "", retrieval.Errorf(retrieval.ENOTFOUND, "no document %s", id)
	}
	return d.Hash, nil
}

func (s *fakeStore) DocumentIDs(context.Context) ([]string, error) {
	var ids []string
	for id := range s.docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

func (s *fakeStore) DeleteDocument(_ context.Context, id string) error {
	if _, ok := s.docs[id]; !ok {
		return retrieval.Errorf(retrieval.ENOTFOUND, "no document %s", id)
	}
	delete(s.docs, id)
	delete(s.chunks, id)
	return nil
}

func (s *fakeStore) Stats(context.Context) (retrieval.Stats, error) {
	n := 0
	for _, c := range s.chunks {
		n += len(c)
	}
	return retrieval.Stats{Documents: len(s.docs), Chunks: n, Embedder: s.embedder, Dimensions: s.dims}, nil
}

type fakeEmbedder struct {
	batches []int
	err     error
}

func (e *fakeEmbedder) Name() string    { return "fake-v1-3" }
func (e *fakeEmbedder) Dimensions() int { return 3 }
func (e *fakeEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	if e.err != nil {
		return nil, e.err
	}
	e.batches = append(e.batches, len(texts))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t)), 1, 0}
	}
	return out, nil
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newPipeline(store retrieval.Store, emb retrieval.Embedder, logs *bytes.Buffer) *Pipeline {
	return &Pipeline{
		Store: store, Embedder: emb,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		Progress: logs, // not a terminal: no bar
	}
}

func TestPipelineRun(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.txt":         "Alpha paragraph.\n\nSecond alpha paragraph.",
		"sub/b.md":      "---\ntitle: Bee\ndate: 2015-01-21\n---\nBeta text.",
		"sub/c.html":    "<p>Gamma text.</p>",
		"bad.txt":       "\x00\x01\x02 binary",
		"latin1.txt":    "caf\xe9 text",
		"ignored.pdf":   "%PDF",
		".hidden/x.txt": "Hidden.",
	})
	store, emb := newFakeStore(), &fakeEmbedder{}
	var logs bytes.Buffer
	p := newPipeline(store, emb, &logs)
	ctx := context.Background()

	sum, err := p.Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ingested != 3 || sum.Unchanged != 0 || sum.Skipped != 2 || len(sum.Errors) != 2 || sum.Chunks != 3 {
		t.Fatalf("first run: %+v", sum)
	}
	ids, _ := store.DocumentIDs(ctx)
	if strings.Join(ids, " ") != "a sub/b sub/c" {
		t.Errorf("stored ids %v", ids)
	}
	if got := store.docs["sub/b"]; got.Title != "Bee" || got.Source != filepath.Join(dir, "sub", "b.md") {
		t.Errorf("stored doc %+v", got)
	}
	wantErrs := []string{filepath.Join(dir, "bad.txt") + ": binary file", filepath.Join(dir, "latin1.txt") + ": not valid UTF-8"}
	for i, w := range wantErrs {
		if sum.Errors[i].Error() != w || !strings.HasPrefix(w, sum.Errors[i].Path) {
			t.Errorf("error %d = %q (path %q), want %q", i, sum.Errors[i], sum.Errors[i].Path, w)
		}
	}
	out := logs.String()
	for _, w := range []string{"level=WARN msg=\"skipped file\"", "bad.txt", "binary file", "msg=ingested", "chunks=1"} {
		if !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "\r") || strings.Contains(out, "[#") {
		t.Errorf("progress bar drawn on a non-terminal:\n%s", out)
	}

	// Second run: nothing changed.
	puts := store.puts
	sum, err = p.Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil || sum.Ingested != 0 || sum.Unchanged != 3 || sum.Skipped != 2 || store.puts != puts {
		t.Fatalf("second run: %+v, %v (puts %d → %d)", sum, err, puts, store.puts)
	}

	// One file changed.
	writeFiles(t, dir, map[string]string{"a.txt": "Alpha, revised."})
	sum, err = p.Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil || sum.Ingested != 1 || sum.Unchanged != 2 {
		t.Fatalf("after an edit: %+v, %v", sum, err)
	}
	if store.docs["a"].Text != "Alpha, revised." {
		t.Errorf("a not replaced: %q", store.docs["a"].Text)
	}

	// Reindex treats everything as changed.
	sum, err = p.Run(ctx, RunOptions{Paths: []string{dir}, Reindex: true})
	if err != nil || sum.Ingested != 3 || sum.Unchanged != 0 {
		t.Fatalf("reindex: %+v, %v", sum, err)
	}

	// Other chunk sizes change the hash: everything is re-chunked.
	p.Chunking = ChunkOptions{MaxChars: 600}
	sum, err = p.Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil || sum.Ingested != 3 {
		t.Fatalf("new chunk sizes: %+v, %v", sum, err)
	}
}

func TestPipelinePrune(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "Alpha.", "b.txt": "Beta.", "c.txt": "Gamma."})
	store := newFakeStore()
	var logs bytes.Buffer
	p := newPipeline(store, &fakeEmbedder{}, &logs)
	ctx := context.Background()
	if _, err := p.Run(ctx, RunOptions{Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "a.txt"))
	writeFiles(t, dir, map[string]string{"c.txt": "\x00binary now"}) // bad, but still there

	// A single file as a source: no pruning.
	sum, err := p.Run(ctx, RunOptions{Paths: []string{filepath.Join(dir, "b.txt")}, Prune: true})
	if err != nil || sum.Pruned != 0 || sum.Unchanged != 1 || len(store.docs) != 3 {
		t.Fatalf("prune with a file source: %+v, %v", sum, err)
	}
	if !strings.Contains(logs.String(), "not pruning") {
		t.Errorf("no warning about pruning:\n%s", logs.String())
	}

	// The directory: a is pruned; c failed to load but is not pruned.
	sum, err = p.Run(ctx, RunOptions{Paths: []string{dir}, Prune: true})
	if err != nil || sum.Pruned != 1 || sum.Skipped != 1 {
		t.Fatalf("prune: %+v, %v", sum, err)
	}
	ids, _ := store.DocumentIDs(ctx)
	if strings.Join(ids, " ") != "b c" {
		t.Errorf("ids after prune: %v", ids)
	}

	// A missing root disables pruning.
	sum, err = p.Run(ctx, RunOptions{Paths: []string{filepath.Join(dir, "nope")}, Prune: true})
	if err != nil || sum.Skipped != 1 || sum.Pruned != 0 || !strings.Contains(sum.Errors[0].Error(), "nope: cannot read") {
		t.Fatalf("missing root: %+v, %v", sum, err)
	}
}

func TestPipelineBatches(t *testing.T) {
	var paras []string
	for range 7 {
		paras = append(paras, strings.Repeat("A sentence of moderate length for the batching test. ", 5))
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"long.txt": strings.Join(paras, "\n\n")})
	emb := &fakeEmbedder{}
	var logs bytes.Buffer
	p := newPipeline(newFakeStore(), emb, &logs)
	p.BatchSize = 3
	sum, err := p.Run(context.Background(), RunOptions{Paths: []string{dir}})
	if err != nil || sum.Chunks != 7 {
		t.Fatalf("%+v, %v", sum, err)
	}
	if !slices.Equal(emb.batches, []int{3, 3, 1}) {
		t.Errorf("batches %v", emb.batches)
	}
}

func TestPipelineFailures(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "Alpha.", "a.md": "Alpha again.", "b.txt": "Beta."})
	ctx := context.Background()
	var logs bytes.Buffer

	// Duplicate IDs: the second file is skipped.
	store := newFakeStore()
	sum, err := newPipeline(store, &fakeEmbedder{}, &logs).Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil || sum.Ingested != 2 || sum.Skipped != 1 || !strings.Contains(sum.Errors[0].Error(), `duplicate document ID "a"`) {
		t.Fatalf("duplicates: %+v, %v", sum, err)
	}

	// The store was built by another embedder.
	store = newFakeStore()
	store.embedder = "other-v1-8"
	_, err = newPipeline(store, &fakeEmbedder{}, &logs).Run(ctx, RunOptions{Paths: []string{dir}})
	if retrieval.ErrorCode(err) != retrieval.EMISMATCH {
		t.Errorf("mismatch: %v", err)
	}

	// The embedder is down: the run stops.
	down := retrieval.Errorf(retrieval.EUNAVAILABLE, "model unreachable")
	_, err = newPipeline(newFakeStore(), &fakeEmbedder{err: down}, &logs).Run(ctx, RunOptions{Paths: []string{dir}})
	if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("embedder down: %v", err)
	}

	// The store rejects one document as invalid: skipped, the rest go on.
	store = newFakeStore()
	store.putErr = map[string]error{"a": retrieval.Errorf(retrieval.EINVALID, "malformed")}
	sum, err = newPipeline(store, &fakeEmbedder{}, &logs).Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil || sum.Ingested != 1 || sum.Skipped != 2 {
		t.Errorf("invalid put: %+v, %v", sum, err)
	}

	// A cancelled context stops the run.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := newPipeline(newFakeStore(), &fakeEmbedder{}, &logs).Run(cctx, RunOptions{Paths: []string{dir}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// Nothing to ingest.
	if _, err := newPipeline(newFakeStore(), &fakeEmbedder{}, &logs).Run(ctx, RunOptions{}); retrieval.ErrorCode(err) != retrieval.EINVALID {
		t.Errorf("no sources: %v", err)
	}
}

func TestPipelineCorpusFS(t *testing.T) {
	store := newFakeStore()
	var logs bytes.Buffer
	sum, err := newPipeline(store, &fakeEmbedder{}, &logs).Run(context.Background(), RunOptions{FS: corpus.FS, Prune: true})
	if err != nil || sum.Ingested != 2 || sum.Chunks != 31 || sum.Skipped != 0 {
		t.Fatalf("%+v, %v", sum, err)
	}
	// With default chunking the stored hash is the loader's.
	for _, d := range corpusDocs(t) {
		if store.docs[d.ID].Hash != d.Hash {
			t.Errorf("%s: stored hash differs from LoadFS's", d.ID)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	pr := &progress{w: &buf, tty: true, width: 60, total: 4}
	pr.show(1, "dir/000_36fd46dc1482b52a.md")
	pr.clear()
	pr.show(4, strings.Repeat("x", 100))
	pr.finish()
	want := "\r\x1b[K[######..................] 1/4 dir/000_36fd46dc1482b52a.md" +
		"\r\x1b[K" +
		"\r\x1b[K[########################] 4/4 " + strings.Repeat("x", 27) + "…\n" // 59 columns of 60
	if buf.String() != want {
		t.Errorf("bar output\n got %q\nwant %q", buf.String(), want)
	}
	// Not a terminal: nothing is drawn.
	buf.Reset()
	pr = newProgress(&buf)
	pr.show(1, "x")
	pr.finish()
	if pr.tty || buf.Len() != 0 {
		t.Errorf("non-terminal progress wrote %q", buf.String())
	}
}
