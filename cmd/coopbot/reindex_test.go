package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/coopbot/coopbot/internal/pgtest"
)

// rebuildCount counts the documents a running --reindex has written into
// its new index so far (0 before its schema exists).
func rebuildCount(ctx context.Context, conn *pgx.Conn) (int, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM coopbot_rebuild.documents`).Scan(&n)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "3F000") {
		return 0, nil
	}
	return n, err
}

// testReindexKilled: `ingest --reindex` killed with SIGKILL midway leaves
// the index in use exactly as it was — documents, chunks and timestamps —
// still answering and still ready; the next --reindex completes and swaps
// the new index in. (It used to truncate first: a kill left part of the
// new corpus and none of the old, with /readyz saying ready.)
func testReindexKilled(t *testing.T, bin string) {
	url := pgtest.NewDB(t, "coopbot_reindex_kill")
	if code, _, errs := run(t, env("DATABASE_URL", url), "ingest"); code != 0 {
		t.Fatalf("ingest of the bundled corpus: exit %d: %s", code, errs)
	}
	before := snapshot(t, url)
	const docs = 300
	dir := generatedDocs(t, docs)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conn := connectTest(t, url)
	cfg, err := LoadConfig(env("DATABASE_URL", url))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	serving := func(when string) { t.Helper(); checkServing(t, m, url, before, when) }

	cmd, stderr, exited := startCoopbot(t, bin, url, "ingest", "--reindex", dir)
	const killAfter = 20
	for {
		n, err := rebuildCount(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if n >= killAfter {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("ingest --reindex ended (%v) before %d documents were written: %s", err, killAfter, stderr.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
	serving("during the reindex")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("ingest --reindex was not killed: %v", err)
	}
	serving("after the kill")

	out, err := coopbotCmd(bin, url, "ingest", "--reindex", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "the new index is in use") {
		t.Fatalf("second ingest --reindex: %v\n%s", err, out)
	}
	if n := checkWhole(t, url, dir); n != docs {
		t.Errorf("after the second reindex %d documents are stored; want %d (and none of the old corpus)", n, docs)
	}
	if n, err := rebuildCount(ctx, conn); err != nil || n != 0 {
		t.Errorf("the rebuild schema after the swap: %d documents, %v; want it gone", n, err)
	}
}

// checkServing checks that the index in use at url is still before,
// exactly, and that m is ready and answers from it.
func checkServing(t *testing.T, m *Main, url string, before map[string]storedDoc, when string) {
	t.Helper()
	ctx := context.Background()
	if got := snapshot(t, url); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("%s: the index in use changed:\n got %v\nwant %v", when, got, before)
	}
	if err := m.ready(ctx); err != nil {
		t.Errorf("%s: ready = %v; want ready (the old index serves)", when, err)
	}
	if ans, err := m.Service.Ask(ctx, exampleQuestion); err != nil || len(ans.Citations) == 0 {
		t.Errorf("%s: Ask = %+v, %v; want an answer from the old index", when, ans, err)
	}
}
