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
	elsewhere := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(elsewhere, []byte("A secret outside the corpus folder."), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"zero.txt": "/dev/zero", "dangling.txt": "missing.txt", "loop.txt": "loop.txt", "dirlink.txt": "sub",
		"outside.txt": elsewhere, "inside.txt": "good.txt", "up.txt": "../" + filepath.Base(dir) + "/good.txt"}
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
		{"zero.txt", "zero.txt: " + outsideRoot},
		{"outside.txt", "outside.txt: " + outsideRoot},
		{"dangling.txt", "dangling.txt: cannot read: no such file or directory"},
		{"loop.txt", "loop.txt: cannot read: too many levels of symbolic links"},
		{"bad\xffname.txt", "bad\xffname.txt: file name is not valid UTF-8"},
		{"new\nline.txt", "new\nline.txt: file name has control characters"},
		{"folder.txt", "folder.txt: not a regular file (a directory)"},
	}
	for _, tc := range tests {
		_, err := loadFile(filepath.Join(dir, tc.file))
		if err == nil || retrieval.ErrorCode(err) != retrieval.EINVALID || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("loadFile(%q) = %v; want EINVALID ending %q", tc.file, err, tc.want)
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
	if want := "bad\xffname.txt dangling.txt fifo.txt loop.txt new\nline.txt outside.txt zero.txt"; strings.Join(got, " ") != want {
		t.Errorf("skipped %q; want %q", got, want)
	}
	// Links that stay in the folder are read: inside.txt and up.txt (out
	// and back in) are good.txt again.
	if sum.Ingested != 5 || store.docs["good"].Text != "Good text." || store.docs["inside"].Text != "Good text." || store.docs["up"].Text != "Good text." ||
		store.docs["folder.txt/a"].ID == "" || store.docs["sub/b"].ID == "" {
		t.Errorf("summary %+v, stored %d documents", sum, len(store.docs))
	}

}

// TestFollowSymlinks: with FollowSymlinks the file outside the folder is
// read, and /dev/zero is refused as not a regular file.
func TestFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	elsewhere := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(elsewhere, []byte("A file outside the corpus folder."), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"zero.txt": "/dev/zero", "outside.txt": elsewhere} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	store := newFakeStore()
	var logs bytes.Buffer
	sum, err := newPipeline(store, &fakeEmbedder{}, &logs).Run(context.Background(), RunOptions{Paths: []string{dir}, FollowSymlinks: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	if store.docs["outside"].Text != "A file outside the corpus folder." {
		t.Errorf("with FollowSymlinks, outside.txt stored as %+v; want the linked file", store.docs["outside"])
	}
	if len(sum.Errors) != 1 || !strings.HasSuffix(sum.Errors[0].Error(), "zero.txt: not a regular file (a character device)") {
		t.Errorf("with FollowSymlinks, errors = %v; want zero.txt refused as not a regular file", sum.Errors)
	}
}

// TestSymlinkedRoot: a root that is itself a symlink (docs -> /data/docs)
// confines its files to where it points, and a file named directly must
// resolve within its own directory.
func TestSymlinkedRoot(t *testing.T) {
	real := t.TempDir()
	writeFiles(t, real, map[string]string{"a.txt": "Text of a."})
	link := filepath.Join(t.TempDir(), "docs")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(elsewhere, []byte("Secret."), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(real, "s.txt")); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{link}, {filepath.Join(real, "s.txt")}} {
		store := newFakeStore()
		var logs bytes.Buffer
		sum, err := newPipeline(store, &fakeEmbedder{}, &logs).Run(context.Background(), RunOptions{Paths: paths})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Errors) != 1 || !strings.HasSuffix(sum.Errors[0].Error(), "s.txt: "+outsideRoot) {
			t.Errorf("ingest %v: errors %v; want s.txt refused as outside the folder", paths, sum.Errors)
		}
		if paths[0] == link && store.docs["a"].Text != "Text of a." {
			t.Errorf("ingest %v: stored %v; want a.txt, inside the folder the link points to", paths, store.docs)
		}
	}
}
