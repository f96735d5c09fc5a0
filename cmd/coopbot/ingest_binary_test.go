package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/internal/pgtest"
)

// publicTempDir returns a fresh temporary directory that every user can
// enter, so that a child running as nobody reaches it.
func publicTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "coopbot-ingest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// coopbotCmd returns a command running the binary with only the given
// environment (plus LOG_LEVEL=warn to keep the output short).
func coopbotCmd(bin, databaseURL string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"DATABASE_URL=" + databaseURL, "LOG_LEVEL=warn", "PATH=/usr/bin:/bin"}
	return cmd
}

// generatedDocs writes n generated documents (report-000.txt …) into a
// new directory.
func generatedDocs(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("report-%03d.txt", i)), []byte(generatedDoc(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// connectTest connects to url for the test's own queries.
func connectTest(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// startCoopbot starts the binary with args; exited receives its end.
func startCoopbot(t *testing.T, bin, url string, args ...string) (cmd *exec.Cmd, stderr *bytes.Buffer, exited chan error) {
	t.Helper()
	cmd = coopbotCmd(bin, url, args...)
	stderr = &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return cmd, stderr, exited
}

// generatedDoc is the n-th of the documents the kill test ingests: one to
// seven paragraphs of a few sentences each, so chunk counts vary.
func generatedDoc(n int) string {
	var paras []string
	for p := range 1 + n%7 {
		var b strings.Builder
		for s := range 3 + (n+p)%9 {
			fmt.Fprintf(&b, "Report %d, paragraph %d, sentence %d: British and Japanese officials discussed the joint missile study, the Typhoon exercise and cyber research on Jan. %d. ", n, p+1, s+1, 1+(n+s)%28)
		}
		paras = append(paras, strings.TrimSpace(b.String()))
	}
	return strings.Join(paras, "\n\n")
}

// checkWhole asserts that every stored document is exactly what the
// loader and chunker make of its file, with all its chunks, and returns
// how many are stored.
func checkWhole(t *testing.T, url, dir string) int {
	t.Helper()
	stored := snapshot(t, url)
	for id, got := range stored {
		doc, chunks := expectedChunks(t, id, filepath.Join(dir, id+".txt"))
		if got.Chunks != len(chunks) || got.Hash != doc.Hash || got.Text != doc.Text {
			t.Errorf("document %s is half-written: %d chunks stored, want %d (hash match %v, text match %v)",
				id, got.Chunks, len(chunks), got.Hash == doc.Hash, got.Text == doc.Text)
		}
	}
	return len(stored)
}

// TestIngestBinary runs the real coopbot binary: an ingest killed with
// SIGKILL midway leaves only whole documents and the next run completes
// it; and, as an unprivileged user, unreadable files and directories are
// named and skipped.
func TestIngestBinary(t *testing.T) {
	bin := buildCoopbot(t)

	t.Run("SIGKILL", func(t *testing.T) {
		url := pgtest.NewDB(t, "coopbot_kill")
		const docs = 300
		dir := generatedDocs(t, docs)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		conn := connectTest(t, url)
		cmd, stderr, exited := startCoopbot(t, bin, url, "ingest", dir)
		// Kill once a few documents have landed, preferably while coopbot
		// has a write transaction open (it is, most of the time).
		const killAfter = 20
		inTx := false
		for tries := 0; ; {
			n, err := documentCount(ctx, conn, "")
			if err != nil {
				t.Fatal(err)
			}
			if n >= killAfter {
				err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)`).Scan(&inTx)
				if err != nil {
					t.Fatal(err)
				}
				if tries++; inTx || tries > 50 {
					break
				}
			}
			select {
			case err := <-exited:
				t.Fatalf("ingest ended (%v) before %d documents were stored: %s", err, killAfter, stderr.String())
			case <-time.After(2 * time.Millisecond):
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("ingest was not killed: %v", err)
		}
		stored := checkWhole(t, url, dir)
		t.Logf("killed after %d of %d documents were stored (a transaction was open: %v)", stored, docs, inTx)
		if stored >= docs {
			t.Fatalf("all %d documents were stored before the kill: the test did not interrupt the run", docs)
		}

		cmd = coopbotCmd(bin, url, "ingest", dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("second ingest: %v\n%s", err, out)
		}
		want := fmt.Sprintf("coopbot: ingested %d, unchanged %d, pruned 0 documents", docs-stored, stored)
		if !strings.Contains(string(out), want) {
			t.Errorf("second ingest does not report %q:\n%s", want, out)
		}
		if n := checkWhole(t, url, dir); n != docs {
			t.Errorf("after the second run %d documents are stored; want %d", n, docs)
		}
	})

	t.Run("SIGKILL during --reindex", func(t *testing.T) { testReindexKilled(t, bin) })

	t.Run("6MB", func(t *testing.T) {
		url := pgtest.NewDB(t, "coopbot_huge")
		dir := t.TempDir()
		huge := hugeParagraph(6 << 20)
		if err := os.WriteFile(filepath.Join(dir, "huge.txt"), huge, 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		out, err := coopbotCmd(bin, url, "ingest", dir).CombinedOutput()
		if err != nil {
			t.Fatalf("ingest of a 6 MB paragraph: %v\n%s", err, out)
		}
		elapsed := time.Since(start)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		n := checkStoredChunks(t, ctx, conn, "huge", strings.TrimSpace(string(huge)))
		want := fmt.Sprintf("coopbot: ingested 1, unchanged 0, pruned 0 documents (%d chunks written); skipped 0 bad files\n", n)
		if !strings.HasSuffix(string(out), want) {
			t.Errorf("output does not end with %q:\n%s", want, out)
		}
		t.Logf("6 MB single paragraph: %d chunks, ingested in %v", n, elapsed)
	})

	t.Run("unreadable", func(t *testing.T) {
		url := pgtest.NewDB(t, "coopbot_unreadable")
		dir := publicTempDir(t)
		write := func(name, text string, mode os.FileMode) {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
		}
		write("good.txt", "The readable report names the Typhoon exercise at Misawa.", 0o644)
		write("locked.txt", "Nobody may read this.", 0)
		write("sealed/inside.txt", "Nor this, inside a directory nobody may open.", 0o644)
		if err := os.Chmod(filepath.Join(dir, "sealed"), 0); err != nil {
			t.Fatal(err)
		}
		cmd := coopbotCmd(bin, url, "ingest", "--prune", dir)
		if os.Geteuid() == 0 {
			// root reads anything: run the binary as nobody.
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Fatalf("ingest: exit %d (%v); want 1\n%s", code, err, out)
		}
		for _, want := range []string{
			"coopbot: skipped " + filepath.Join(dir, "locked.txt") + ": cannot read: permission denied",
			"coopbot: skipped " + filepath.Join(dir, "sealed") + ": cannot read: permission denied",
			"not pruning",
			"coopbot: ingested 1, unchanged 0, pruned 0 documents (1 chunks written); skipped 2 bad files (listed above)",
		} {
			if !strings.Contains(string(out), want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if n := len(snapshot(t, url)); n != 1 {
			t.Errorf("%d documents stored; want 1", n)
		}
	})
}
