package main

import (
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/pgtest"
)

// coopbot ingest started before its database waits for it (the compose
// stack's one-shot container beside a database still initialising), and
// gives up after CONNECT_RETRY when it never comes.
func TestIngestWaitsForDatabase(t *testing.T) {
	c := pgtest.NewCluster(t)
	type result struct {
		code       int
		out, errs  string
		finishedAt time.Time
	}
	done := make(chan result, 1)
	go func() {
		code, out, errs := run(t, env("DATABASE_URL", c.URL("postgres"), "CONNECT_RETRY", "90s"), "ingest")
		done <- result{code, out, errs, time.Now()}
	}()
	time.Sleep(1500 * time.Millisecond)
	startedAt := time.Now()
	c.Start(t)
	select {
	case r := <-done:
		if r.code != 0 || !strings.Contains(r.errs, "retrying for up to 1m30s") || !strings.Contains(r.errs, "connected to the database (attempt") {
			t.Fatalf("ingest before the database started: exit %d; want 0 after retrying:\n%s", r.code, r.errs)
		}
		t.Logf("ingest connected %s after the database started", r.finishedAt.Sub(startedAt))
	case <-time.After(2 * time.Minute):
		t.Fatal("ingest did not finish within 2 minutes of the database starting")
	}

	start := time.Now()
	code, _, errs := run(t, env("DATABASE_URL", "postgres://postgres@127.0.0.1:"+closedPort(t)+"/postgres?connect_timeout=1", "CONNECT_RETRY", "2s"), "ingest")
	if elapsed := time.Since(start); code == 0 || elapsed > 15*time.Second || !strings.Contains(errs, "retrying for up to 2s") {
		t.Errorf("ingest with no database: exit %d after %s; want a failure after about 2s of retries:\n%s", code, elapsed, errs)
	}
}
