package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/retrieval"
)

func init() {
	register(command{name: "ingest", summary: "load, chunk, embed and store documents (needs DATABASE_URL)", run: runIngest})
}

func runIngest(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	prune := fs.Bool("prune", false, "remove stored documents whose files are gone")
	reindex := fs.Bool("reindex", false, "drop everything stored and rebuild (needed after changing EMBEDDER)")
	batch := fs.Int("batch", 64, "chunks embedded per batch")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "Usage: coopbot ingest [--prune] [--reindex] [PATH...]\n\nPATHs are files (.txt, .md, .html) or directories, walked recursively.\nWithout PATH, the bundled corpus is ingested.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if *batch < 1 {
		return retrieval.Errorf(retrieval.EINVALID, "--batch must be at least 1")
	}
	for _, p := range fs.Args() {
		if _, err := os.Stat(p); err != nil {
			return retrieval.Errorf(retrieval.EINVALID, "cannot read %s: no such file or directory", p)
		}
	}
	if err := m.OpenStore(ctx, false); err != nil {
		return err
	}
	if *reindex {
		if err := m.Postgres.Reset(ctx); err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		fmt.Fprintln(m.Stderr, "coopbot: reindex: dropped all stored documents")
	}
	opts := ingest.RunOptions{Paths: fs.Args(), Prune: *prune, Reindex: *reindex}
	if len(opts.Paths) == 0 {
		opts.FS = corpus.FS
	}
	p := ingest.Pipeline{
		Store:     m.Store,
		Embedder:  m.Embedder,
		Logger:    m.Logger,
		Progress:  m.Stderr,
		BatchSize: *batch,
	}
	sum, err := p.Run(ctx, opts)
	fmt.Fprintf(m.Stderr, "coopbot: ingested %d, unchanged %d, skipped %d, pruned %d documents (%d chunks written)\n",
		sum.Ingested, sum.Unchanged, sum.Skipped, sum.Pruned, sum.Chunks)
	if err != nil {
		return err
	}
	if sum.Skipped > 0 {
		return exitError{1}
	}
	return nil
}
