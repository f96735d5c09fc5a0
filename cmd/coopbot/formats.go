package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/ingest/docx"
	"github.com/coopbot/coopbot/ingest/pdf"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/memory"
)

// formats returns the readers of the formats beyond the built-in text
// loaders: PDF (its engine starts on the first PDF and stops with m) and
// Word.
func (m *Main) formats() ingest.Formats {
	if m.pdf == nil {
		m.pdf = &pdf.Extractor{}
		// The engine's compiled code is kept between runs in the user's
		// cache (seconds to start without it, a fraction with it).
		if dir, err := os.UserCacheDir(); err == nil {
			m.pdf.CacheDir = filepath.Join(dir, "coopbot", "pdfium")
		}
		x := m.pdf
		m.closers = append(m.closers, func() { x.Close() })
	}
	return ingest.Formats{".pdf": m.pdf, ".docx": docx.Extractor{}}
}

// openCorpusDir indexes CORPUS_DIR into an in-process store: the way to
// try coopbot on a team's own documents with nothing to set up. Each file
// that cannot be read is named on stderr, and the folder's files of other
// types are listed; a folder with no readable document is an error.
func (m *Main) openCorpusDir(ctx context.Context) error {
	dir := m.Config.CorpusDir
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return retrieval.Errorf(retrieval.EINVALID, "CORPUS_DIR: %s is not a folder; set it to a folder of documents", printable(dir))
	}
	mem := memory.New(m.Analyzer)
	p := ingest.Pipeline{
		Store: mem, Embedder: m.Embedder, Logger: slog.New(slog.DiscardHandler), Formats: m.formats(),
		OnSkip: func(e ingest.FileError) { fmt.Fprintf(m.Stderr, "coopbot: skipped %s\n", printable(e.Error())) },
	}
	sum, err := p.Run(ctx, ingest.RunOptions{Paths: []string{dir}})
	if err != nil {
		return fmt.Errorf("index CORPUS_DIR: %w", err)
	}
	if sum.Ingested == 0 {
		return retrieval.Errorf(retrieval.EINVALID, "CORPUS_DIR: %s holds no document coopbot can read (%s)%s",
			printable(dir), strings.Join(p.Formats.Extensions(), ", "), unsupportedNote(sum))
	}
	m.Store = mem
	m.About = describeFolder(dir, sum)
	fmt.Fprintf(m.Stderr, "coopbot: using the in-process store over CORPUS_DIR=%s (%d documents, %d chunks)%s%s\n",
		printable(dir), sum.Ingested, sum.Chunks, skippedNote(sum), unsupportedNote(sum))
	return nil
}

// suggestions are the example questions the page offers: none for
// CORPUS_DIR, whose documents coopbot knows nothing of beforehand (nil: the
// bundled corpus's).
func (m *Main) suggestions() []string {
	if m.Config.CorpusDir != "" {
		return []string{}
	}
	return nil
}

// describeFolder says what the page offers to answer from.
func describeFolder(dir string, sum ingest.Summary) string {
	docs := "documents"
	if sum.Ingested == 1 {
		docs = "document"
	}
	return fmt.Sprintf("Ask about the %d %s in %s.", sum.Ingested, docs, filepath.Base(filepath.Clean(dir)))
}

func skippedNote(sum ingest.Summary) string {
	switch sum.Skipped {
	case 0:
		return ""
	case 1:
		return "; skipped 1 bad file (listed above)"
	}
	return fmt.Sprintf("; skipped %d bad files (listed above)", sum.Skipped)
}

// maxNamed is how many unsupported files a summary names.
const maxNamed = 10

// unsupportedNote names the files whose type no loader reads:
// "; skipped 2 unsupported files: a.key, b.xlsx".
func unsupportedNote(sum ingest.Summary) string {
	n := len(sum.Unsupported)
	if n == 0 {
		return ""
	}
	files := "files"
	if n == 1 {
		files = "file"
	}
	names := make([]string, 0, min(n, maxNamed))
	for _, u := range sum.Unsupported[:min(n, maxNamed)] {
		names = append(names, printable(u))
	}
	list := strings.Join(names, ", ")
	if n > maxNamed {
		list += fmt.Sprintf(" and %d more", n-maxNamed)
	}
	return fmt.Sprintf("; skipped %d unsupported %s: %s", n, files, list)
}
