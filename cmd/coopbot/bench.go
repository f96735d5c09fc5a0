package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/coopbot/coopbot/bench"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

func init() {
	register(command{name: "bench", summary: "load a synthetic corpus into DATABASE_URL and measure speed and recall", run: runBench})
}

func runBench(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	chunks := fs.Int("chunks", 100_000, "synthetic chunks to load")
	queries := fs.Int("queries", bench.DefaultQueries, "timed questions")
	conc := fs.Int("concurrency", bench.DefaultConcurrency, "searches in flight for the concurrent run")
	ef := fs.Int("ef-search", postgres.DefaultEfSearch, "hnsw.ef_search of the headline figures")
	budget := fs.Int("lexical-budget", m.Config.LexicalBudget, "postings a lexical search reads before it keeps the best it has read (0: exact; default LEXICAL_BUDGET)")
	sweep := fs.String("sweep", "40,64,100,200", "comma-separated ef_search values to measure besides --ef-search (\"\" for none)")
	batch := fs.Int("batch", bench.DefaultBatchChunks, "chunks per bulk-load transaction")
	writers := fs.Int("writers", bench.DefaultWriters, "concurrent bulk-load transactions")
	mem := fs.String("maintenance-work-mem", "", "memory for the index build, e.g. 2GB (default: sized for the corpus)")
	queryOnly := fs.Bool("query-only", false, "measure the corpus an earlier run loaded instead of loading one")
	noQuality := fs.Bool("no-quality", false, "skip the lexical and hybrid recall (exhaustive BM25: seconds a question at a million chunks); --min-lexical-recall and --min-hybrid-recall then fail")
	minRecall := fs.Float64("min-recall", 0, "exit 1 when HNSW recall@10 is below this (0-1; 0 = no check)")
	minLexical := fs.Float64("min-lexical-recall", 0, "exit 1 when the lexical arm's recall@10 against exhaustive BM25 is below this (0-1; 0 = no check)")
	minHybrid := fs.Float64("min-hybrid-recall", 0, "exit 1 when hybrid recall@10 against exact k-NN + exhaustive BM25, fused, is below this (0-1; 0 = no check)")
	asJSON := fs.Bool("json", false, "end with one JSON object on the last line")
	embName := fs.String("embedder", "semantic", "offline embedder of the synthetic corpus: semantic (the default's) or hash")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: coopbot bench [flags]\n\nLoads a deterministic synthetic corpus into an empty PostgreSQL database\n(DATABASE_URL), builds its indexes, and measures ingest throughput, index\nbuild time, hybrid search latency and HNSW recall@10 (hash embedder).")
		fs.PrintDefaults()
	}
	if err := parseFlags(m, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return retrieval.Errorf(retrieval.EINVALID, "bench takes no arguments, got %q", fs.Arg(0))
	}
	if m.Config.DatabaseURL == "" {
		return retrieval.Errorf(retrieval.EINVALID, "bench needs a PostgreSQL database: set DATABASE_URL to an empty one (the in-process store holds at most a few hundred thousand chunks)")
	}
	mins := []struct {
		flag, what string
		min        *float64
		got        func(bench.Result) float64
	}{
		{"min-recall", "HNSW recall@10", minRecall, func(r bench.Result) float64 { return r.HNSWRecallAt10 }},
		{"min-lexical-recall", "lexical recall@10", minLexical, func(r bench.Result) float64 { return r.LexicalRecallAt10 }},
		{"min-hybrid-recall", "hybrid recall@10", minHybrid, func(r bench.Result) float64 { return r.HybridRecallAt10 }},
	}
	for _, m := range mins {
		if *m.min < 0 || *m.min > 1 {
			return retrieval.Errorf(retrieval.EINVALID, "--%s must be between 0 and 1, got %g", m.flag, *m.min)
		}
	}
	efs := []int{} // empty: only --ef-search
	for _, f := range strings.Split(*sweep, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 1000 {
			return retrieval.Errorf(retrieval.EINVALID, "--sweep takes ef_search values between 1 and 1000, not %q", f)
		}
		efs = append(efs, n)
	}
	if *ef < 1 || *ef > 1000 {
		return retrieval.Errorf(retrieval.EINVALID, "--ef-search must be between 1 and 1000, not %d", *ef)
	}
	if !*queryOnly && *chunks <= 0 {
		return retrieval.Errorf(retrieval.EINVALID, "--chunks must be positive, not %d", *chunks)
	}
	// Always an offline embedder: loading a large synthetic corpus
	// through a paid embedding API would be slow and costly.
	a := snowball.New()
	var emb retrieval.Embedder = hash.New(hash.DefaultDims)
	switch *embName {
	case "semantic":
		b, err := semantic.Blend(emb, a)
		if err != nil {
			return err
		}
		emb = b
	case "hash":
	default:
		return retrieval.Errorf(retrieval.EINVALID, "--embedder takes semantic or hash, not %q", *embName)
	}
	res, err := bench.Run(ctx, m.Config.DatabaseURL, emb, a, bench.Config{
		Chunks: *chunks, Queries: *queries, Concurrency: *conc, EfSearch: *ef, LexicalBudget: *budget, Sweep: efs,
		BatchChunks: *batch, Writers: *writers, Index: postgres.IndexOptions{MaintenanceWorkMem: *mem},
		QueryOnly: *queryOnly, NoQuality: *noQuality, Progress: m.Stderr,
	})
	if err != nil {
		return err
	}
	res.WriteTable(m.Stdout)
	if *asJSON {
		if err := writeJSON(m.Stdout, res); err != nil {
			return err
		}
	}
	failed := false
	for _, c := range mins {
		if got := c.got(res); *c.min > 0 && got < *c.min {
			fmt.Fprintf(m.Stderr, "coopbot: bench: %s %.3f is below --%s %.3f\n", c.what, got, c.flag, *c.min)
			failed = true
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}
