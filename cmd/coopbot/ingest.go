package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

func init() {
	register(command{name: "ingest", summary: "load, chunk, embed and store documents (needs DATABASE_URL)", run: runIngest})
}

// runIngest runs the ingest pipeline. It prints one line per file that
// could not be ingested ("coopbot: skipped PATH: REASON") and a summary
// line, and exits 1 when any file was skipped; documents already stored
// are never touched by a skipped file.
func runIngest(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	prune := fs.Bool("prune", false, "remove stored documents whose files are gone")
	reindex := fs.Bool("reindex", false, "rebuild the whole index beside the one in use and swap it in at the end (needed after changing EMBEDDER)")
	batch := fs.Int("batch", 64, "chunks embedded per batch")
	follow := fs.Bool("follow-symlinks", false, "also ingest symbolic links to files outside the folders given (refused by default)")
	feeds := feedFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: coopbot ingest [--prune] [--reindex] [--follow-symlinks] [--feed URL]... [PATH|URL...]\n\nPATHs are files (.txt, .md, .html, .pdf, .docx) or directories, walked recursively;\nURLs are web pages, whose article is ingested. Without any, the bundled corpus is ingested.")
		fs.PrintDefaults()
	}
	if err := parseFlags(m, fs, args); err != nil {
		return err
	}
	if *batch < 1 {
		return retrieval.Errorf(retrieval.EINVALID, "--batch must be at least 1")
	}
	paths, pages, err := splitArgs(fs.Args())
	if err != nil {
		return err
	}
	if err := m.openStoreRetrying(ctx); err != nil {
		return err
	}
	// --reindex builds the new index beside the one in use and swaps it
	// in at the end, in one transaction: until then questions are
	// answered from the old index, and an ingest that fails or is killed
	// midway leaves it untouched.
	store := m.Store
	var rb *postgres.Rebuild
	if *reindex {
		var err error
		if rb, err = m.Postgres.BeginRebuild(ctx); err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		defer rb.Abort(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit; a failed cleanup is redone by the next reindex
		store = rb.Store()
		fmt.Fprintln(m.Stderr, "coopbot: reindex: building a new index beside the one in use")
	}
	opts := ingest.RunOptions{Paths: paths, Prune: *prune, Reindex: *reindex, FollowSymlinks: *follow}
	failed := 0
	if len(pages)+len(*feeds) > 0 {
		opts.Docs = fetchDocs(ctx, m.fetcher(), pages, *feeds, m.fetchReporter(&failed))
	} else if len(paths) == 0 {
		opts.FS = corpus.FS
	}
	p := ingest.Pipeline{
		Store:     store,
		Embedder:  m.Embedder,
		Logger:    m.Logger,
		Progress:  m.Stderr,
		BatchSize: *batch,
		Formats:   m.formats(),
		// One line per bad file, as it is skipped, instead of a log
		// warning and a line at the end.
		OnSkip: func(e ingest.FileError) { fmt.Fprintf(m.Stderr, "coopbot: skipped %s\n", printable(e.Error())) },
	}
	var sum ingest.Summary
	if len(opts.Paths) > 0 || opts.FS != nil || len(opts.Docs) > 0 {
		sum, err = p.Run(ctx, opts)
	}
	sum.Skipped += failed
	fmt.Fprintln(m.Stderr, summaryLine(sum))
	if err != nil {
		return err
	}
	if rb != nil {
		if err := rb.Commit(ctx); err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		fmt.Fprintln(m.Stderr, "coopbot: reindex: the new index is in use")
	}
	if sum.Skipped > 0 {
		return exitError{1}
	}
	return nil
}

// feedFlag defines --feed URL, repeatable, on fs.
func feedFlag(fs *flag.FlagSet) *[]string {
	var feeds []string
	fs.Func("feed", "an RSS or Atom feed `URL` whose items' articles are ingested (repeatable)", func(u string) error {
		if !isURL(u) {
			return fmt.Errorf("want an http or https URL, got %q", u)
		}
		feeds = append(feeds, u)
		return nil
	})
	return &feeds
}

// splitArgs splits ingest's arguments into paths, which must exist, and
// web pages.
func splitArgs(args []string) (paths, pages []string, err error) {
	for _, p := range args {
		if isURL(p) {
			pages = append(pages, p)
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, nil, retrieval.Errorf(retrieval.EINVALID, "cannot read %s: no such file or directory", printable(p))
		}
		paths = append(paths, p)
	}
	return paths, pages, nil
}

// summaryLine counts what an ingest run did: documents ingested, unchanged
// (same hash, not rewritten) and pruned, chunks written, files skipped
// because they could not be ingested, and the files of types no loader
// reads, by name.
func summaryLine(sum ingest.Summary) string {
	files := "files"
	if sum.Skipped == 1 {
		files = "file"
	}
	line := fmt.Sprintf("coopbot: ingested %d, unchanged %d, pruned %d documents (%d chunks written); skipped %d bad %s",
		sum.Ingested, sum.Unchanged, sum.Pruned, sum.Chunks, sum.Skipped, files)
	if sum.Skipped > 0 {
		line += " (listed above)"
	}
	return line + unsupportedNote(sum)
}

// printable makes s safe to print on one line of a terminal: control
// characters (a newline or an escape sequence in a file name) and invalid
// UTF-8 are shown as Go escapes.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r == unicode.ReplacementChar || !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}
