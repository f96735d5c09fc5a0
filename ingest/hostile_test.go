package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// TestLoadSpecialFiles checks that files which are not regular files, or
// whose names cannot become IDs, are refused with a clear reason and
// without being read: a FIFO would block the open, /dev/zero would never
// end.
func TestLoadSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"zero.txt": "/dev/zero", "dangling.txt": "missing.txt", "loop.txt": "loop.txt", "dirlink.txt": "sub"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles(t, dir, map[string]string{
		"good.txt":        "Good text.",
		"folder.txt/a.md": "Inside a directory named like a file.",
		"sub/b.txt":       "Reached through sub, not through dirlink.txt.",
		"bad\xffname.txt": "Text.",
		"new\nline.txt":   "Text.",
	})
	tests := []struct{ file, want string }{
		{"fifo.txt", "fifo.txt: not a regular file (a named pipe)"},
		{"zero.txt", "zero.txt: not a regular file (a character device)"},
		{"dangling.txt", "dangling.txt: cannot read: no such file or directory"},
		{"loop.txt", "loop.txt: cannot read: too many levels of symbolic links"},
		{"bad\xffname.txt", "bad\xffname.txt: file name is not valid UTF-8"},
		{"new\nline.txt", "new\nline.txt: file name has control characters"},
		{"folder.txt", "folder.txt: not a regular file (a directory)"},
	}
	for _, tc := range tests {
		_, err := LoadFile(filepath.Join(dir, tc.file))
		if err == nil || retrieval.ErrorCode(err) != retrieval.EINVALID || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("LoadFile(%q) = %v; want EINVALID ending %q", tc.file, err, tc.want)
		}
	}

	// The pipeline names the same files, in lexical order, and goes on.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store := newFakeStore()
	var logs bytes.Buffer
	sum, err := newPipeline(store, &fakeEmbedder{}, &logs).Run(ctx, RunOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	var got []string
	for _, e := range sum.Errors {
		rel, _ := filepath.Rel(dir, e.Path)
		got = append(got, rel)
	}
	if want := "bad\xffname.txt dangling.txt fifo.txt loop.txt new\nline.txt zero.txt"; strings.Join(got, " ") != want {
		t.Errorf("skipped %q; want %q", got, want)
	}
	if sum.Ingested != 3 || store.docs["good"].Text != "Good text." || store.docs["folder.txt/a"].ID == "" || store.docs["sub/b"].ID == "" {
		t.Errorf("summary %+v, stored %d documents", sum, len(store.docs))
	}
}

// TestReadLimit checks that at most MaxFileSize+1 bytes are read even when
// the size known at open time is small: the file grows while it is read.
func TestReadLimit(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "grow.txt")
	if err := os.WriteFile(name, []byte("small"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err := osFile(name)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ref.read()
	if err != nil || string(raw) != "small" {
		t.Fatalf("read = %q, %v", raw, err)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ref.read(); err == nil || !strings.Contains(err.Error(), "grow.txt: file too large") {
		t.Errorf("read of a file over the limit: %v", err)
	}
}
