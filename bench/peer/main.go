// Command peer loads the same synthetic chunks into coopbot's PostgreSQL
// store and into langchaingo's pgvector vector store
// (github.com/tmc/langchaingo/vectorstores/pgvector), runs the same
// questions against both, and prints both stacks' ingest throughput,
// index build time and query latency, and their ratios.
//
// It is a separate module so that coopbot itself does not depend on
// langchaingo. Usage (DATABASE_URL names a server where the role may
// create databases):
//
//	cd bench/peer && DATABASE_URL=postgres://postgres@localhost:5432/postgres go run . --chunks 100000
//
// At a million chunks loading coopbot's side again would double an hour's
// run: --ours FILE takes coopbot's figures from the JSON line of a
// `coopbot bench --json` run of the same size instead, and only
// langchaingo's side is loaded and measured.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tmc/langchaingo/schema"
	"github.com/tmc/langchaingo/vectorstores/pgvector"

	"github.com/coopbot/coopbot/bench"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// Databases the run creates (and drops first).
const (
	oursDB = "coopbot_peer_ours"
	peerDB = "coopbot_peer_langchaingo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv("DATABASE_URL"), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "peer: %v\n", err)
		os.Exit(1)
	}
}

// stack is one side's figures.
type stack struct {
	Name             string  `json:"name"`
	IngestChunksPerS float64 `json:"ingest_chunks_per_s"`
	IndexBuildS      float64 `json:"index_build_s"`
	QueryP50MS       float64 `json:"query_p50_ms"`
	QueryP95MS       float64 `json:"query_p95_ms"`
	RecallAt10       float64 `json:"recall_at_10"`
	Retrieval        string  `json:"retrieval"`
}

// output is the JSON line: both stacks and peer/ours ratios (above 1
// means coopbot is faster).
type output struct {
	Chunks  int                `json:"chunks"`
	Queries int                `json:"queries"`
	Ours    stack              `json:"ours"`
	Peer    stack              `json:"peer"`
	Ratios  map[string]float64 `json:"ratios"`
	Coopbot bench.Result       `json:"coopbot"`
}

func run(ctx context.Context, args []string, adminURL string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("peer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	chunks := fs.Int("chunks", 100_000, "synthetic chunks to load into each store")
	queries := fs.Int("queries", bench.DefaultQueries, "timed questions")
	batch := fs.Int("batch", bench.DefaultBatchChunks, "chunks per write")
	writers := fs.Int("writers", bench.DefaultWriters, "concurrent writes")
	keep := fs.Bool("keep", false, "keep the two databases afterwards")
	embName := fs.String("embedder", "semantic", "offline embedder of both stacks: semantic (coopbot's default) or hash")
	warmup := fs.Int("warmup", 0, "questions langchaingo answers before the timed ones (0: as many as timed, up to 50; each is a scan of the whole table at scale)")
	oursFile := fs.String("ours", "", "take coopbot's figures from this `file`, the output of coopbot bench --json with the same --chunks, instead of loading coopbot's side")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if adminURL == "" {
		return fmt.Errorf("set DATABASE_URL to a PostgreSQL server with pgvector where the role may create databases")
	}
	emb, err := embedder(*embName)
	if err != nil {
		return err
	}
	mem := bench.IndexMemory(*chunks, emb.Dimensions())
	var res bench.Result
	if *oursFile != "" {
		if res, err = readResult(*oursFile, *chunks, emb.Name()); err != nil {
			return err
		}
	} else if res, err = runOurs(ctx, adminURL, emb, mem, *chunks, *queries, *batch, *writers, *keep, stderr); err != nil {
		return err
	}
	ours := stack{Name: "coopbot", IngestChunksPerS: res.IngestChunksPerS, IndexBuildS: res.IndexBuildS,
		QueryP50MS: res.QueryP50MS, QueryP95MS: res.QueryP95MS, RecallAt10: res.HNSWRecallAt10,
		Retrieval: "hybrid: HNSW k-NN + BM25, RRF, snippets"}
	peerURL, err := withDatabase(adminURL, peerDB)
	if err != nil {
		return err
	}
	if err := recreate(ctx, adminURL, peerDB); err != nil {
		return err
	}
	if !*keep {
		defer func() { _ = drop(context.Background(), adminURL, peerDB) }()
	}

	fmt.Fprintf(stderr, "peer: langchaingo pgvector (%s)\n", peerDB)
	warm := *warmup
	if warm <= 0 {
		warm = min(*queries, 50)
	}
	peer, err := runPeer(ctx, peerURL, emb, mem, *chunks, *queries, warm, *batch, *writers, stderr)
	if err != nil {
		return fmt.Errorf("langchaingo: %w", err)
	}
	out := output{Chunks: res.Chunks, Queries: *queries, Ours: ours, Peer: peer, Coopbot: res, Ratios: map[string]float64{
		"ingest_throughput_ours_over_peer": ratio(ours.IngestChunksPerS, peer.IngestChunksPerS),
		"index_build_peer_over_ours":       ratio(peer.IndexBuildS, ours.IndexBuildS),
		"query_p50_peer_over_ours":         ratio(peer.QueryP50MS, ours.QueryP50MS),
		"query_p95_peer_over_ours":         ratio(peer.QueryP95MS, ours.QueryP95MS),
	}}
	writeTable(stdout, out)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// embedder is the offline embedder named name.
func embedder(name string) (retrieval.Embedder, error) {
	switch name {
	case "semantic":
		return semantic.Blend(hash.New(hash.DefaultDims), snowball.New())
	case "hash":
		return hash.New(hash.DefaultDims), nil
	}
	return nil, fmt.Errorf("--embedder takes semantic or hash, not %q", name)
}

// runOurs loads and measures coopbot's side in a fresh database.
func runOurs(ctx context.Context, adminURL string, emb retrieval.Embedder, mem string, chunks, queries, batch, writers int, keep bool, stderr io.Writer) (bench.Result, error) {
	oursURL, err := withDatabase(adminURL, oursDB)
	if err != nil {
		return bench.Result{}, err
	}
	if err := recreate(ctx, adminURL, oursDB); err != nil {
		return bench.Result{}, err
	}
	if !keep {
		defer func() { _ = drop(context.Background(), adminURL, oursDB) }()
	}
	fmt.Fprintf(stderr, "peer: coopbot (%s)\n", oursDB)
	res, err := bench.Run(ctx, oursURL, emb, snowball.New(), bench.Config{
		Chunks: chunks, Queries: queries, Sweep: []int{postgres.DefaultEfSearch},
		BatchChunks: batch, Writers: writers, Index: postgres.IndexOptions{MaintenanceWorkMem: mem}, Progress: stderr,
	})
	if err != nil {
		return res, fmt.Errorf("coopbot: %w", err)
	}
	return res, nil
}

// readResult reads coopbot's figures from the last line of file, the
// output of coopbot bench --json, which must have loaded chunks chunks
// with the embedder named emb.
func readResult(file string, chunks int, emb string) (bench.Result, error) {
	var res bench.Result
	data, err := os.ReadFile(file)
	if err != nil {
		return res, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return res, fmt.Errorf("%s: its last line is not coopbot bench's JSON (run it with --json): %w", file, err)
	}
	switch {
	case res.Chunks != chunks:
		return res, fmt.Errorf("%s measured %d chunks, not --chunks %d", file, res.Chunks, chunks)
	case res.Embedder != emb:
		return res, fmt.Errorf("%s was measured with %q, not %q (--embedder)", file, res.Embedder, emb)
	case res.QueryOnly:
		return res, fmt.Errorf("%s is a --query-only run: it has no ingest or index build figures", file)
	}
	return res, nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// lcEmbedder adapts coopbot's embedder to langchaingo's interface, so both
// stacks store the same vectors.
type lcEmbedder struct{ e retrieval.Embedder }

func (l lcEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	return l.e.Embed(ctx, texts)
}

func (l lcEmbedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	v, err := l.e.Embed(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

// runPeer loads the chunks with AddDocuments (which embeds them), builds
// the HNSW index the way langchaingo does (WithHNSWIndex, at store
// creation, here after the load so that both stacks build it once), and
// times SimilaritySearch over the same questions.
func runPeer(ctx context.Context, databaseURL string, emb retrieval.Embedder, mem string, chunks, queries, warm, batch, writers int, progress io.Writer) (stack, error) {
	st := stack{Name: "langchaingo " + lcVersion, Retrieval: "dense only: SimilaritySearch"}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return st, err
	}
	cfg.ConnConfig.RuntimeParams["maintenance_work_mem"] = mem
	cfg.MaxConns = int32(writers + 2)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return st, err
	}
	defer pool.Close()
	opts := []pgvector.Option{pgvector.WithConn(pool), pgvector.WithEmbedder(lcEmbedder{emb}),
		pgvector.WithVectorDimensions(emb.Dimensions()), pgvector.WithCollectionName("bench")}
	store, err := pgvector.New(ctx, opts...)
	if err != nil {
		return st, err
	}
	stats, err := bench.Stream(ctx, bench.StreamOptions{Chunks: chunks, BatchChunks: batch, Writers: writers, Progress: progress},
		func(ctx context.Context, docs []postgres.BulkDocument) error {
			var lc []schema.Document
			for _, d := range docs {
				for _, c := range d.Chunks {
					lc = append(lc, schema.Document{PageContent: c.Text,
						Metadata: map[string]any{"document_id": d.Document.ID, "ordinal": c.Ordinal, "title": d.Document.Title}})
				}
			}
			_, err := store.AddDocuments(ctx, lc)
			return err
		})
	if err != nil {
		return st, err
	}
	st.IngestChunksPerS = float64(stats.Chunks) / stats.Seconds
	fmt.Fprintf(progress, "peer: langchaingo loaded %d chunks in %.1fs (%.0f chunks/s); building its HNSW index\n", stats.Chunks, stats.Seconds, st.IngestChunksPerS)
	t := time.Now()
	store, err = pgvector.New(ctx, append(opts, pgvector.WithHNSWIndex(16, 64, "vector_cosine_ops"))...)
	if err != nil {
		return st, fmt.Errorf("build index: %w", err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE langchain_pg_embedding`); err != nil {
		return st, err
	}
	st.IndexBuildS = time.Since(t).Seconds()

	qs, err := bench.Queries(queries + warm)
	if err != nil {
		return st, err
	}
	for _, q := range qs[queries:] {
		if _, err := store.SimilaritySearch(ctx, q, bench.RecallK); err != nil {
			return st, err
		}
	}
	var lat []time.Duration
	for _, q := range qs[:queries] {
		t := time.Now()
		if _, err := store.SimilaritySearch(ctx, q, bench.RecallK); err != nil {
			return st, err
		}
		lat = append(lat, time.Since(t))
	}
	st.QueryP50MS, st.QueryP95MS = pct(lat, 50), pct(lat, 95)
	st.RecallAt10 = 1 // its query scans every row: exact
	return st, nil
}

// lcVersion is the langchaingo version in go.mod.
const lcVersion = "v0.1.14"

func pct(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(max(int(float64(len(s))*p/100+0.999999)-1, 0), len(s)-1)
	return float64(s[i].Microseconds()) / 1000
}

func writeTable(w io.Writer, o output) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%d chunks, %d questions\tcoopbot\t%s\tratio\n", o.Chunks, o.Queries, o.Peer.Name)
	fmt.Fprintf(tw, "ingest (chunks/s)\t%.0f\t%.0f\t%.2f× faster\n", o.Ours.IngestChunksPerS, o.Peer.IngestChunksPerS, o.Ratios["ingest_throughput_ours_over_peer"])
	fmt.Fprintf(tw, "HNSW index build (s)\t%.1f\t%.1f\t%.2f×\n", o.Ours.IndexBuildS, o.Peer.IndexBuildS, o.Ratios["index_build_peer_over_ours"])
	fmt.Fprintf(tw, "query p50 (ms)\t%.2f\t%.2f\t%.1f× faster\n", o.Ours.QueryP50MS, o.Peer.QueryP50MS, o.Ratios["query_p50_peer_over_ours"])
	fmt.Fprintf(tw, "query p95 (ms)\t%.2f\t%.2f\t%.1f× faster\n", o.Ours.QueryP95MS, o.Peer.QueryP95MS, o.Ratios["query_p95_peer_over_ours"])
	fmt.Fprintf(tw, "recall@10 of the k-NN\t%.3f\t%.3f (exact scan)\t\n", o.Ours.RecallAt10, o.Peer.RecallAt10)
	fmt.Fprintf(tw, "what a query does\t%s\t%s\t\n", o.Ours.Retrieval, o.Peer.Retrieval)
	tw.Flush()
}

// withDatabase returns databaseURL with its database replaced by name.
func withDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

// recreate drops database name if it exists and creates it empty.
func recreate(ctx context.Context, adminURL, name string) error {
	if err := drop(ctx, adminURL, name); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	return err
}

// drop drops database name, disconnecting its sessions.
func drop(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return nil
	}
	return err
}
