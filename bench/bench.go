package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// Defaults for Config's zero fields.
const (
	DefaultQueries     = 100
	DefaultConcurrency = 4
	DefaultBatchChunks = 5000
	DefaultWriters     = 2
	RecallK            = 10 // recall is measured at 10
	searchK            = 10 // snippets per Search
)

// DefaultSweep are the ef_search values measured by default.
var DefaultSweep = []int{40, 64, 100, 200}

// Config says what Run measures.
type Config struct {
	Chunks      int // synthetic chunks to load (ignored with QueryOnly)
	Queries     int // timed queries; 0 means DefaultQueries
	Concurrency int // the second latency run's parallel searches; 0 means DefaultConcurrency
	EfSearch    int // ef_search of the headline figures; 0 means postgres.DefaultEfSearch
	// LexicalBudget is the store's postgres.Options.LexicalBudget (0:
	// the exact lexical arm).
	LexicalBudget int
	Sweep         []int // ef_search values to measure; nil means DefaultSweep (EfSearch is always added)
	BatchChunks   int   // chunks per BulkLoad transaction; 0 means DefaultBatchChunks
	Writers       int   // concurrent BulkLoad transactions; 0 means DefaultWriters
	// Index tunes BuildIndex; MaintenanceWorkMem "" means sized for the
	// corpus (see IndexMemory).
	Index postgres.IndexOptions
	// QueryOnly skips loading and measures the corpus already in the
	// database (from an earlier run with the same Chunks).
	QueryOnly bool
	// NoQuality skips the lexical and hybrid recall (exhaustive BM25
	// takes seconds a question at a million chunks): latency only.
	NoQuality bool
	// Progress receives one line per phase and per loaded tenth; nil
	// discards.
	Progress io.Writer
}

// SweepPoint is the dense arm's recall and the hybrid search latency at
// one ef_search.
type SweepPoint struct {
	EfSearch   int     `json:"ef_search"`
	RecallAt10 float64 `json:"recall_at_10"`
	// DistanceRatio is the mean of DistanceRatio over the questions.
	DistanceRatio float64 `json:"distance_ratio"`
	DenseP50MS    float64 `json:"dense_p50_ms"`
	DenseP95MS    float64 `json:"dense_p95_ms"`
	HybridP50MS   float64 `json:"hybrid_p50_ms"`
	HybridP95MS   float64 `json:"hybrid_p95_ms"`
	HybridP99MS   float64 `json:"hybrid_p99_ms"`
}

// Result is what Run measured. Latencies are of retrieval.Service.Search
// (embed the question, both arms and fusion in the store, snippets).
type Result struct {
	Chunks            int          `json:"chunks"`
	Documents         int          `json:"documents"`
	Embedder          string       `json:"embedder"`
	IngestS           float64      `json:"ingest_s"`
	IngestChunksPerS  float64      `json:"ingest_chunks_per_s"`
	IndexBuildS       float64      `json:"index_build_s"`
	MaintenanceMem    string       `json:"maintenance_work_mem"`
	Queries           int          `json:"queries"`
	EfSearch          int          `json:"ef_search"`
	LexicalBudget     int          `json:"lexical_budget,omitempty"`
	NoQuality         bool         `json:"no_quality,omitempty"`
	QueryP50MS        float64      `json:"query_p50_ms"`
	QueryP95MS        float64      `json:"query_p95_ms"`
	QueryP99MS        float64      `json:"query_p99_ms"`
	Concurrency       int          `json:"concurrency"`
	ConcurrentP50MS   float64      `json:"concurrent_p50_ms"`
	ConcurrentP95MS   float64      `json:"concurrent_p95_ms"`
	ConcurrentP99MS   float64      `json:"concurrent_p99_ms"`
	ConcurrentQPS     float64      `json:"concurrent_qps"`
	HNSWRecallAt10    float64      `json:"hnsw_recall_at_10"`
	LexicalRecallAt10 float64      `json:"lexical_recall_at_10"`
	HybridRecallAt10  float64      `json:"hybrid_recall_at_10"`
	ExactLexicalP50MS float64      `json:"exact_lexical_p50_ms"`
	ExactLexicalP95MS float64      `json:"exact_lexical_p95_ms"`
	ExactP50MS        float64      `json:"exact_p50_ms"`
	Sweep             []SweepPoint `json:"sweep"`
	RSSMB             float64      `json:"rss_mb"`
	PeakRSSMB         float64      `json:"peak_rss_mb"`
	DatabaseMB        float64      `json:"database_mb"`
	HNSWIndexMB       float64      `json:"hnsw_index_mb"`
	Server            string       `json:"server"`
	GOMAXPROCS        int          `json:"gomaxprocs"`
	QueryOnly         bool         `json:"query_only,omitempty"`
	IndexesWereBuilt  bool         `json:"indexes_built"`
	QueriesWithHits   int          `json:"queries_with_hits"`
	WarmupQueries     int          `json:"warmup_queries"`
	LexicalOnlyP50MS  float64      `json:"lexical_p50_ms"`
	LexicalOnlyP95MS  float64      `json:"lexical_p95_ms"`
	DenseOnlyP50MS    float64      `json:"dense_p50_ms"`
	DenseOnlyP95MS    float64      `json:"dense_p95_ms"`
	StoreHybridP50MS  float64      `json:"store_hybrid_p50_ms"`
	StoreHybridP95MS  float64      `json:"store_hybrid_p95_ms"`
	StartedAt         string       `json:"started_at"`
	DurationS         float64      `json:"duration_s"`
	ConcurrentQueries int          `json:"concurrent_queries"`
}

func (c *Config) defaults() {
	if c.Queries <= 0 {
		c.Queries = DefaultQueries
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.EfSearch <= 0 {
		c.EfSearch = postgres.DefaultEfSearch
	}
	if c.Sweep == nil {
		c.Sweep = DefaultSweep
	}
	if !slices.Contains(c.Sweep, c.EfSearch) {
		c.Sweep = append(slices.Clone(c.Sweep), c.EfSearch)
	}
	slices.Sort(c.Sweep)
	if c.BatchChunks <= 0 {
		c.BatchChunks = DefaultBatchChunks
	}
	if c.Writers <= 0 {
		c.Writers = DefaultWriters
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// IndexMemory is the maintenance_work_mem that lets an HNSW build over
// chunks vectors of dims dimensions keep its whole graph in memory (about
// 4·dims + 200 bytes per vector, plus a quarter), at least 64MB.
func IndexMemory(chunks, dims int) string {
	b := int64(chunks) * int64(4*dims+200) * 5 / 4
	return strconv.FormatInt(max(b>>20, 64), 10) + "MB"
}

// Run loads Config.Chunks synthetic chunks into an empty PostgreSQL store
// at databaseURL (unless QueryOnly), builds its indexes and measures it.
// The embedder embeds chunks and questions; the analyzer builds snippets.
// Errors: EINVALID when the database already holds chunks and QueryOnly is
// false, or holds none and it is true; store and embedder errors as they
// come.
func Run(ctx context.Context, databaseURL string, emb retrieval.Embedder, an retrieval.Analyzer, cfg Config) (Result, error) {
	cfg.defaults()
	start := time.Now()
	res := Result{Embedder: emb.Name(), Queries: cfg.Queries, Concurrency: cfg.Concurrency, EfSearch: cfg.EfSearch, LexicalBudget: cfg.LexicalBudget, NoQuality: cfg.NoQuality,
		GOMAXPROCS: runtime.GOMAXPROCS(0), QueryOnly: cfg.QueryOnly, StartedAt: start.UTC().Format(time.RFC3339)}
	store, err := postgres.Open(ctx, databaseURL, postgres.Options{Analyzer: an, EfSearch: cfg.EfSearch, LexicalBudget: cfg.LexicalBudget, MaxConns: int32(max((postgres.Shards+1)*cfg.Concurrency, cfg.Writers) + 2)})
	if err != nil {
		return res, err
	}
	defer store.Close()
	bn := postgres.NewBench(store)
	st, err := store.Stats(ctx)
	if err != nil {
		return res, err
	}
	switch {
	case !cfg.QueryOnly && st.Chunks > 0:
		return res, retrieval.Errorf(retrieval.EINVALID,
			"the database already holds %d chunks: bench loads its synthetic corpus into an empty database (create one), or pass --query-only to measure what an earlier run loaded", st.Chunks)
	case cfg.QueryOnly && st.Chunks == 0:
		return res, retrieval.Errorf(retrieval.EINVALID, "the database holds no chunks: run bench without --query-only first")
	case cfg.QueryOnly && st.Embedder != emb.Name():
		return res, retrieval.Errorf(retrieval.EMISMATCH, "the database was built with %q, bench uses %q", st.Embedder, emb.Name())
	}
	if !cfg.QueryOnly {
		if cfg.Chunks <= 0 {
			return res, retrieval.Errorf(retrieval.EINVALID, "--chunks must be positive, not %d", cfg.Chunks)
		}
		if err := load(ctx, bn, emb, an, cfg, &res); err != nil {
			return res, err
		}
		if cfg.Index.MaintenanceWorkMem == "" {
			cfg.Index.MaintenanceWorkMem = IndexMemory(res.Chunks, emb.Dimensions())
		}
		res.MaintenanceMem = cfg.Index.MaintenanceWorkMem
		fmt.Fprintf(cfg.Progress, "bench: building indexes (maintenance_work_mem %s)\n", cfg.Index.MaintenanceWorkMem)
		t := time.Now()
		if err := bn.BuildIndex(ctx, cfg.Index); err != nil {
			return res, fmt.Errorf("build index: %w", err)
		}
		res.IndexBuildS = time.Since(t).Seconds()
		res.IndexesWereBuilt = true
		fmt.Fprintf(cfg.Progress, "bench: indexes built in %.1fs\n", res.IndexBuildS)
	} else {
		hnsw, gin, err := bn.HasIndexes(ctx)
		if err != nil {
			return res, err
		}
		if !hnsw || !gin {
			return res, retrieval.Errorf(retrieval.EINVALID, "the database lacks its indexes (an interrupted bench run?): start again with an empty database")
		}
		st, err = store.Stats(ctx)
		if err != nil {
			return res, err
		}
		res.Chunks, res.Documents = st.Chunks, st.Documents
	}
	// What remains of the load is garbage; give it back so rss_mb shows
	// what searching needs.
	runtime.GC()
	debug.FreeOSMemory()

	if err := measure(ctx, databaseURL, store, emb, an, cfg, &res); err != nil {
		return res, err
	}
	if err := describeServer(ctx, databaseURL, &res); err != nil {
		return res, err
	}
	res.RSSMB, res.PeakRSSMB = rss()
	res.DurationS = time.Since(start).Seconds()
	return res, nil
}

// load streams cfg.Chunks synthetic chunks into the store with BulkLoad.
func load(ctx context.Context, bn *postgres.Bench, emb retrieval.Embedder, an retrieval.Analyzer, cfg Config, res *Result) error {
	fmt.Fprintf(cfg.Progress, "bench: loading %d synthetic chunks (about %d per transaction, %d writers)\n", cfg.Chunks, cfg.BatchChunks, cfg.Writers)
	st, err := Stream(ctx, StreamOptions{Chunks: cfg.Chunks, BatchChunks: cfg.BatchChunks, Writers: cfg.Writers, Embedder: emb, Analyzer: an, Progress: cfg.Progress},
		func(ctx context.Context, docs []postgres.BulkDocument) error {
			return bn.BulkLoad(ctx, docs, emb.Name(), emb.Dimensions())
		})
	if err != nil {
		return err
	}
	res.Chunks, res.Documents = st.Chunks, st.Documents
	res.IngestS = st.Seconds
	res.IngestChunksPerS = float64(st.Chunks) / st.Seconds
	return nil
}
