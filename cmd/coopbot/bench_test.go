package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/bench"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

func TestBenchErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		getenv  func(string) string
		args    []string
		wantErr string
	}{
		{"no database", env(), []string{"bench", "--chunks", "10"}, "set DATABASE_URL"},
		{"bad sweep", env("DATABASE_URL", "postgres://u@127.0.0.1:1/x"), []string{"bench", "--sweep", "40,abc"}, "--sweep"},
		{"bad min recall", env("DATABASE_URL", "postgres://u@127.0.0.1:1/x"), []string{"bench", "--min-recall", "1.5"}, "--min-recall"},
		{"bad chunks", env("DATABASE_URL", "postgres://u@127.0.0.1:1/x"), []string{"bench", "--chunks", "0"}, "--chunks"},
		{"argument", env("DATABASE_URL", "postgres://u@127.0.0.1:1/x"), []string{"bench", "extra"}, "no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, tc.getenv, tc.args...)
			if code != 1 || !strings.Contains(errs, tc.wantErr) || strings.Count(errs, "\n") != 1 {
				t.Errorf("coopbot %v = exit %d, stderr %q; want exit 1 and one line containing %q", tc.args, code, errs, tc.wantErr)
			}
		})
	}
}

// lastJSON decodes the last line of out.
func lastJSON(t *testing.T, out string) bench.Result {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var r bench.Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line %q is not a JSON result: %v", lines[len(lines)-1], err)
	}
	return r
}

func TestBenchPostgres(t *testing.T) {
	url := pgtest.NewDB(t, "coopbot_bench")
	getenv := env("DATABASE_URL", url)
	code, out, errs := run(t, getenv, "bench", "--chunks", "1000", "--queries", "10", "--concurrency", "2", "--sweep", "40", "--json")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errs)
	}
	r := lastJSON(t, out)
	if r.Chunks != 1000 || r.Documents == 0 || r.IngestChunksPerS <= 0 || r.IndexBuildS <= 0 || !r.IndexesWereBuilt {
		t.Errorf("bench load = %d chunks, %d documents, %v chunks/s, index %vs; want 1000 chunks loaded and indexed", r.Chunks, r.Documents, r.IngestChunksPerS, r.IndexBuildS)
	}
	if r.QueryP50MS <= 0 || r.QueryP95MS < r.QueryP50MS || r.QueryP99MS < r.QueryP95MS || r.ConcurrentQPS <= 0 {
		t.Errorf("bench latency p50 %v p95 %v p99 %v, %v qps; want ordered positive figures", r.QueryP50MS, r.QueryP95MS, r.QueryP99MS, r.ConcurrentQPS)
	}
	if r.HNSWRecallAt10 < 0.5 || r.HNSWRecallAt10 > 1 || r.EfSearch != postgres.DefaultEfSearch || len(r.Sweep) != 2 || r.QueriesWithHits == 0 {
		t.Errorf("bench recall %v at ef %d, sweep %+v; want a recall near 1 at ef %d and two sweep points", r.HNSWRecallAt10, r.EfSearch, r.Sweep, postgres.DefaultEfSearch)
	}
	if r.RSSMB <= 0 || !strings.Contains(out, "HNSW recall@10") {
		t.Errorf("bench rss %v MB, table %q; want both", r.RSSMB, out)
	}

	// A second load into the same database is refused; --query-only
	// measures what is there.
	code, _, errs = run(t, getenv, "bench", "--chunks", "1000")
	if code != 1 || !strings.Contains(errs, "already holds 1000 chunks") {
		t.Errorf("second bench = exit %d, %q; want refusal naming the 1000 chunks", code, errs)
	}
	code, out, errs = run(t, getenv, "bench", "--query-only", "--queries", "10", "--sweep", "", "--ef-search", "1", "--min-recall", "1", "--json")
	r = lastJSON(t, out)
	if r.Chunks != 1000 || !r.QueryOnly || r.EfSearch != 1 {
		t.Errorf("query-only bench = %d chunks, query only %v, ef %d; want 1000, true, 1", r.Chunks, r.QueryOnly, r.EfSearch)
	}
	if failed := r.HNSWRecallAt10 < 1; failed != (code == 1) || (failed && !strings.Contains(errs, "below --min-recall")) {
		t.Errorf("--min-recall 1 with recall %v = exit %d, %q; want exit 1 exactly when recall < 1", r.HNSWRecallAt10, code, errs)
	}
}
