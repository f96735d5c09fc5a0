package bench

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/coopbot/coopbot/retrieval/postgres"
)

// WriteTable prints the result as a human-readable table.
func (r Result) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server\t%s (GOMAXPROCS %d)\n", r.Server, r.GOMAXPROCS)
	fmt.Fprintf(tw, "corpus\t%d chunks in %d documents, embedder %s, database %.0f MB (HNSW indexes %.0f MB, %d shards)\n",
		r.Chunks, r.Documents, r.Embedder, r.DatabaseMB, r.HNSWIndexMB, postgres.Shards)
	if r.QueryOnly {
		fmt.Fprintf(tw, "ingest\t(skipped: --query-only)\n")
	} else {
		fmt.Fprintf(tw, "ingest\t%.1f s, %.0f chunks/s (generate, chunk, embed, COPY)\n", r.IngestS, r.IngestChunksPerS)
		fmt.Fprintf(tw, "index build\t%.1f s (HNSW + full-text, maintenance_work_mem %s)\n", r.IndexBuildS, r.MaintenanceMem)
	}
	fmt.Fprintf(tw, "hybrid search, 1 at a time\tp50 %.2f ms, p95 %.2f ms, p99 %.2f ms (%d queries, ef_search %d)\n",
		r.QueryP50MS, r.QueryP95MS, r.QueryP99MS, r.Queries, r.EfSearch)
	fmt.Fprintf(tw, "hybrid search, %d at a time\tp50 %.2f ms, p95 %.2f ms, p99 %.2f ms, %.0f queries/s\n",
		r.Concurrency, r.ConcurrentP50MS, r.ConcurrentP95MS, r.ConcurrentP99MS, r.ConcurrentQPS)
	fmt.Fprintf(tw, "store alone (no embed, no snippets)\thybrid p50 %.2f ms, p95 %.2f ms; dense arm p50 %.2f ms, p95 %.2f ms; lexical arm p50 %.2f ms, p95 %.2f ms\n",
		r.StoreHybridP50MS, r.StoreHybridP95MS, r.DenseOnlyP50MS, r.DenseOnlyP95MS, r.LexicalOnlyP50MS, r.LexicalOnlyP95MS)
	fmt.Fprintf(tw, "HNSW recall@10\t%.3f at ef_search %d (exact k-NN p50 %.1f ms)\n", r.HNSWRecallAt10, r.EfSearch, r.ExactP50MS)
	budget := "exact walk"
	if r.LexicalBudget > 0 {
		budget = fmt.Sprintf("budget %d postings", r.LexicalBudget)
	}
	if r.NoQuality {
		fmt.Fprintf(tw, "lexical and hybrid recall@10\tnot measured (--no-quality; %s)\n", budget)
	} else {
		fmt.Fprintf(tw, "lexical arm recall@10\t%.3f (%s) against exhaustive BM25 (p50 %.1f ms, p95 %.1f ms)\n", r.LexicalRecallAt10, budget, r.ExactLexicalP50MS, r.ExactLexicalP95MS)
		fmt.Fprintf(tw, "hybrid recall@10\t%.3f against exact k-NN + exhaustive BM25, fused\n", r.HybridRecallAt10)
	}
	fmt.Fprintf(tw, "RSS of this process\t%.0f MB while searching (peak %.0f MB during the load)\n", r.RSSMB, r.PeakRSSMB)
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ef_search\trecall@10\tdistance ratio\tk-NN p50 ms\tk-NN p95 ms\thybrid p50 ms\thybrid p95 ms\thybrid p99 ms\t")
	for _, p := range r.Sweep {
		fmt.Fprintf(tw, "%d\t%.3f\t%.4f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", p.EfSearch, p.RecallAt10, p.DistanceRatio, p.DenseP50MS, p.DenseP95MS, p.HybridP50MS, p.HybridP95MS, p.HybridP99MS)
	}
	tw.Flush()
}
