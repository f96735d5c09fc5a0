package main

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/metrics"
)

// counter returns the value of metric name with label value label (the
// only label) from mt's registry, 0 when absent.
func counter(t *testing.T, mt *metrics.Metrics, name, label string) float64 {
	t.Helper()
	families, err := mt.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// chunkScans returns how many scans of the chunks table the server at
// dbURL has counted (each server counts its own).
func chunkScans(t *testing.T, dbURL string) int64 {
	t.Helper()
	var n int64
	err := connectTest(t, dbURL).QueryRow(context.Background(),
		`SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'chunks'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// With DATABASE_READ_URL a streaming replica serves the searches; once it
// is stopped they go to the primary, logged and counted, and every
// question is still answered.
func TestReadReplicaServesSearches(t *testing.T) {
	dbURL := pgtest.NewDB(t, "coopbot_read")
	u, _ := url.Parse(dbURL)
	readURL, replica := pgtest.ReadReplica(t, strings.TrimPrefix(u.Path, "/"))
	if code, _, errs := run(t, env("DATABASE_URL", dbURL), "ingest"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	ctx := context.Background()
	var want, got int
	if err := connectTest(t, dbURL).QueryRow(ctx, `SELECT count(*) FROM chunks`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); got != want; time.Sleep(100 * time.Millisecond) {
		// The database itself may not have been replayed yet.
		if conn, err := pgx.Connect(ctx, readURL); err == nil {
			_ = conn.QueryRow(ctx, `SELECT count(*) FROM chunks`).Scan(&got)
			conn.Close(ctx)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica has %d of %d chunks after 30s", got, want)
		}
	}

	cfg, err := LoadConfig(env("DATABASE_URL", dbURL, "DATABASE_READ_URL", readURL, "READ_MAX_LAG", "5s", "LOG_LEVEL", "info"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logtest.Buffer{}
	m := NewMain(cfg, &bytes.Buffer{}, logs)
	m.Metrics = metrics.New()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	front := m.newFront(m.Service)
	ask := func(when string) {
		t.Helper()
		for _, q := range []string{exampleQuestion, "When is the Kestrel drill at Misawa airbase?", "What did the defence ministers sign?"} {
			a, err := front.Ask(ctx, edge.Question{Surface: edge.SurfaceAPI, Text: q})
			if err != nil || len(a.Citations) == 0 && !a.Abstained {
				t.Errorf("%s: Ask(%q) = %d citations, %v; want an answer", when, q, len(a.Citations), err)
			}
		}
	}

	// untilReplica asks until the searches go to the replica (used) or
	// not.
	untilReplica := func(used bool) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			before := counter(t, m.Metrics, "coopbot_read_searches_total", "replica")
			ask("replica paused or resumed")
			if went := counter(t, m.Metrics, "coopbot_read_searches_total", "replica") > before; went == used {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after a minute searches going to the replica = %v; want %v (lag %s)", !used, used, m.Store.(interface{ Lag() time.Duration }).Lag())
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	// The rest of the suite writes to the same server: let the replica
	// catch up first.
	untilReplica(true)
	// Opening the store reads chunks on the primary (the BM25 terms
	// backfill); a pooled connection's statistics reach
	// pg_stat_user_tables only when it flushes them, at most
	// PGSTAT_IDLE_INTERVAL (10 s) later: wait for them before counting.
	time.Sleep(11 * time.Second)
	primaryScans, replicaScans := chunkScans(t, dbURL), chunkScans(t, readURL)
	toReplica, toPrimary := counter(t, m.Metrics, "coopbot_read_searches_total", "replica"), counter(t, m.Metrics, "coopbot_read_searches_total", "primary")
	ask("replica up")
	if n := counter(t, m.Metrics, "coopbot_read_searches_total", "replica") - toReplica; n < 3 {
		t.Errorf("coopbot_read_searches_total{target=replica} rose by %v over 3 questions; want at least 3", n)
	}
	if n := counter(t, m.Metrics, "coopbot_read_searches_total", "primary") - toPrimary; n != 0 {
		t.Errorf("coopbot_read_searches_total{target=primary} rose by %v with the replica up; want 0", n)
	}
	// Statistics reach pg_stat_user_tables within about a second.
	for deadline := time.Now().Add(5 * time.Second); chunkScans(t, readURL) == replicaScans && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
	if after := chunkScans(t, readURL); after == replicaScans {
		t.Errorf("the replica counted no scan of chunks (%d before and after); the searches did not reach it", after)
	}
	if after := chunkScans(t, dbURL); after != primaryScans {
		t.Errorf("the primary counted %d scans of chunks during the questions; want none", after-primaryScans)
	}

	// Replay paused while the primary writes: past READ_MAX_LAG searches
	// go to the primary; resumed, back to the replica.
	if _, err := connectTest(t, readURL).Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	if _, err := connectTest(t, dbURL).Exec(ctx, `INSERT INTO chat_claims (key) VALUES ('test:lag')`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	untilReplica(false)
	t.Logf("paused replay: searches left the replica after %s (READ_MAX_LAG 5s)", time.Since(start))
	if n := counter(t, m.Metrics, "coopbot_read_fallbacks_total", "lag"); n < 1 {
		t.Errorf("coopbot_read_fallbacks_total{reason=lag} = %v; want at least 1", n)
	}
	if _, err := connectTest(t, readURL).Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	untilReplica(true)
	t.Logf("resumed replay: searches back on the replica after %s", time.Since(start))

	replica.Stop(t)
	toPrimary = counter(t, m.Metrics, "coopbot_read_searches_total", "primary")
	ask("replica stopped")
	if n := counter(t, m.Metrics, "coopbot_read_searches_total", "primary") - toPrimary; n < 3 {
		t.Errorf("coopbot_read_searches_total{target=primary} = %v after 3 questions with the replica stopped; want at least 3", n)
	}
	if n := counter(t, m.Metrics, "coopbot_read_fallbacks_total", "error") + counter(t, m.Metrics, "coopbot_read_fallbacks_total", "down"); n < 3 {
		t.Errorf("coopbot_read_fallbacks_total = %v; want at least 3", n)
	}
	if !strings.Contains(logs.String(), "read replica skipped; searches go to the primary") {
		t.Errorf("no log line says the replica was skipped:\n%s", logs.String())
	}
}
