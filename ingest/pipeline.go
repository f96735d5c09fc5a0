package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/coopbot/coopbot/retrieval"
)

// DefaultBatchSize is how many chunk texts go to the embedder at once.
const DefaultBatchSize = 64

// Pipeline loads files, chunks and embeds them, and writes them to a store.
type Pipeline struct {
	Store    retrieval.Store
	Embedder retrieval.Embedder
	// Logger receives a line per file (unless Progress is a terminal) and
	// a warning per skipped file; nil means slog.Default().
	Logger *slog.Logger
	// Progress, when it is a terminal, shows a one-line progress bar.
	Progress  io.Writer
	BatchSize int // chunk texts per Embed call; 0 means DefaultBatchSize
	Chunking  ChunkOptions
	// Formats reads extensions beyond the built-in text loaders (.pdf,
	// .docx), each with its adapter.
	Formats Formats
	// OnSkip, when set, is told of each file that cannot be ingested, as
	// it is skipped, instead of the warning logged otherwise: a caller
	// that reports skipped files itself shows each of them once.
	OnSkip func(FileError)
}

// RunOptions says what a Run ingests.
type RunOptions struct {
	// Paths are files or directories; directories are walked recursively
	// for supported files, skipping hidden ones. A document's ID is its
	// path relative to the directory given (a file given directly: its
	// base name), without extension.
	Paths []string
	// FS is another source, walked from "." (for example corpus.FS).
	FS fs.FS
	// Docs are documents the caller loaded itself (fetched web pages),
	// stored after the files like any other. They make the run
	// incomplete for Prune, as single files do.
	Docs []Loaded
	// Prune deletes stored documents that no walked file produced. It is
	// done only when every source is a directory (or FS) walked without
	// error, so that a partial run never deletes what it did not look at.
	Prune bool
	// FollowSymlinks ingests files whose resolved path lies outside the
	// directory they were found in (or, for a file named directly, the
	// directory it was named in): a symbolic link to a file elsewhere.
	// Without it such a file is skipped with a reason, unread.
	FollowSymlinks bool
	// Reindex treats every document as changed and skips the embedder
	// check: the caller gives the pipeline an empty store to fill (coopbot
	// ingest --reindex: a postgres.Rebuild's, swapped in afterwards).
	Reindex bool
}

// Loaded is a document loaded outside the pipeline, with where its pages
// begin (see FromExtracted; nil without pages).
type Loaded struct {
	Doc   retrieval.Document
	Pages []int
}

// Summary counts what a Run did. Skipped files are listed in Errors; a
// caller should exit non-zero when Skipped > 0.
type Summary struct {
	Ingested  int // documents written
	Unchanged int // documents whose stored hash matched
	Skipped   int // files that could not be ingested
	Pruned    int // stored documents deleted by Prune
	Chunks    int // chunks written
	Errors    []FileError
	// Documents are the IDs of every document the run's sources hold,
	// sorted: ingested, unchanged, or present but failing to load.
	Documents []string
	// Unsupported names the files a walked directory holds that no
	// loader reads (their extension), in walk order. They are not
	// skipped files: nothing was wrong with them but their type.
	Unsupported []string
}

// Run ingests opts' sources: for each supported file it loads and
// normalizes the document, skips it when the store holds the same hash
// (unless Reindex), chunks it, embeds the chunks in batches, and writes
// the document with PutDocument (one transaction per document). A bad
// file is logged, counted in Summary.Skipped and skipped; the run goes on.
// Run returns an error, with the summary so far, only when it cannot go
// on: the context ends, the embedder or the store fails (EUNAVAILABLE), or
// the store was built by another embedder (EMISMATCH).
func (p *Pipeline) Run(ctx context.Context, opts RunOptions) (Summary, error) {
	var sum Summary
	if p.Store == nil || p.Embedder == nil {
		return sum, retrieval.Errorf(retrieval.EINTERNAL, "ingest: the pipeline needs a store and an embedder")
	}
	if len(opts.Paths) == 0 && opts.FS == nil && len(opts.Docs) == 0 {
		return sum, retrieval.Errorf(retrieval.EINVALID, "Nothing to ingest: name files or directories.")
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	if !opts.Reindex {
		st, err := p.Store.Stats(ctx)
		if err != nil {
			return sum, err
		}
		if st.Embedder != "" && st.Embedder != p.Embedder.Name() {
			return sum, retrieval.Errorf(retrieval.EMISMATCH,
				"The index was built with embedder %s, not %s; re-index to switch embedders.", st.Embedder, p.Embedder.Name())
		}
	}

	r := run{p: p, log: log, sum: &sum, chunking: p.Chunking.withDefaults(), prog: newProgress(p.Progress)}
	refs, complete := r.collect(opts)
	r.prog.total = len(refs)
	seen := make(map[string]string, len(refs)) // document ID → source
	for i, ref := range refs {
		if err := ctx.Err(); err != nil {
			r.prog.finish()
			return sum, err
		}
		r.prog.show(i, ref.source)
		if other, dup := seen[ref.id]; dup {
			r.skip(ref.source, fileError(ref.source, fmt.Sprintf("duplicate document ID %q (also %s)", ref.id, other), nil))
			continue
		}
		seen[ref.id] = ref.source
		if err := r.ingest(ctx, ref, opts.Reindex); err != nil {
			r.prog.finish()
			return sum, err
		}
	}
	for _, l := range opts.Docs {
		complete = false
		if err := ctx.Err(); err != nil {
			r.prog.finish()
			return sum, err
		}
		if other, dup := seen[l.Doc.ID]; dup {
			r.skip(l.Doc.Source, fileError(l.Doc.Source, fmt.Sprintf("duplicate document ID %q (also %s)", l.Doc.ID, other), nil))
			continue
		}
		seen[l.Doc.ID] = l.Doc.Source
		if err := r.put(ctx, l.Doc, l.Pages, l.Doc.Source, opts.Reindex); err != nil {
			r.prog.finish()
			return sum, err
		}
	}
	r.prog.show(len(refs), "")
	r.prog.finish()
	sum.Documents = slices.Sorted(maps.Keys(seen))

	if opts.Prune {
		if !complete {
			log.Warn("not pruning: some sources were single files or could not be read completely")
		} else if err := r.prune(ctx, seen); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// run is the state of one Pipeline.Run.
type run struct {
	p        *Pipeline
	log      *slog.Logger
	sum      *Summary
	prog     *progress
	chunking ChunkOptions
}

// collect lists the files of every source. complete is false when a
// source is a single file or could not be walked completely.
func (r *run) collect(opts RunOptions) (refs []fileRef, complete bool) {
	complete = true
	addWalk := func(w walk) {
		refs = append(refs, w.refs...)
		r.sum.Unsupported = append(r.sum.Unsupported, w.unsupported...)
		for _, e := range w.errs {
			r.skip(e.Path, e.Err)
			complete = false
		}
	}
	for _, root := range opts.Paths {
		info, err := os.Stat(root)
		switch {
		case err != nil:
			r.skip(root, readError(root, err))
			complete = false
		case info.IsDir():
			w := walkFS(os.DirFS(root), ".", func(p string) string {
				return filepath.Join(root, filepath.FromSlash(p))
			}, true, r.p.Formats)
			within, err := confinement(root, opts.FollowSymlinks)
			if err != nil {
				r.skip(root, err)
				complete = false
				continue
			}
			for i := range w.refs {
				w.refs[i].root = within
			}
			addWalk(w)
		default:
			complete = false
			ref, err := osFile(root, r.p.Formats)
			if err == nil {
				ref.root, err = confinement(filepath.Dir(root), opts.FollowSymlinks)
			}
			if err != nil {
				r.skip(root, err)
				continue
			}
			refs = append(refs, ref)
		}
	}
	if opts.FS != nil {
		addWalk(walkFS(opts.FS, ".", func(p string) string { return p }, false, r.p.Formats))
	}
	return refs, complete
}

// confinement returns the directory the files found in dir must resolve
// within (dir itself, absolute and without symlinks), or "" when follow
// lets them resolve anywhere.
func confinement(dir string, follow bool) (string, error) {
	if follow {
		return "", nil
	}
	root, err := realDir(dir)
	if err != nil {
		return "", readError(dir, err)
	}
	return root, nil
}

// skip records and logs a file that cannot be ingested.
func (r *run) skip(source string, err error) {
	r.sum.Skipped++
	fe := FileError{Path: source, Err: err}
	r.sum.Errors = append(r.sum.Errors, fe)
	r.prog.clear()
	if r.p.OnSkip != nil {
		r.p.OnSkip(fe)
		return
	}
	r.log.Warn("skipped file", "file", source, "reason", err.Error())
}

// info logs a per-file line: at Info level, or Debug under a progress bar.
func (r *run) info(msg string, args ...any) {
	level := slog.LevelInfo
	if r.prog.tty {
		level = slog.LevelDebug
	}
	r.log.Log(context.Background(), level, msg, args...)
}

// ingest loads, chunks, embeds and stores one file. Bad files are skipped;
// the error returned stops the run.
func (r *run) ingest(ctx context.Context, ref fileRef, reindex bool) error {
	doc, pages, err := ref.load(ctx, r.p.Formats)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.skip(ref.source, err)
		return nil
	}
	return r.put(ctx, doc, pages, ref.source, reindex)
}

// put stores one loaded document, unless its stored hash is the same.
func (r *run) put(ctx context.Context, doc retrieval.Document, pages []int, source string, reindex bool) error {
	doc.Hash = chunkingHash(doc.Hash, r.chunking)
	if !reindex {
		stored, err := r.p.Store.DocumentHash(ctx, doc.ID)
		switch {
		case err == nil && stored == doc.Hash:
			r.sum.Unchanged++
			r.info("unchanged", "file", source, "id", doc.ID)
			return nil
		case err != nil && retrieval.ErrorCode(err) != retrieval.ENOTFOUND:
			return err
		}
	}
	chunks := ChunkPages(doc, pages, r.chunking)
	dims, err := r.embed(ctx, chunks)
	if err != nil {
		return err
	}
	if err := r.p.Store.PutDocument(ctx, doc, chunks, r.p.Embedder.Name(), dims); err != nil {
		if retrieval.ErrorCode(err) == retrieval.EINVALID {
			r.skip(source, err)
			return nil
		}
		return err
	}
	r.sum.Ingested++
	r.sum.Chunks += len(chunks)
	r.info("ingested", "file", source, "id", doc.ID, "chunks", len(chunks))
	return nil
}

// embed fills in the chunks' vectors, BatchSize texts per call, and
// returns their dimension.
func (r *run) embed(ctx context.Context, chunks []retrieval.Chunk) (int, error) {
	size := r.p.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	dims := r.p.Embedder.Dimensions()
	for lo := 0; lo < len(chunks); lo += size {
		batch := chunks[lo:min(lo+size, len(chunks))]
		texts := make([]string, len(batch))
		for i, c := range batch {
			texts[i] = c.Text
		}
		vecs, err := r.p.Embedder.Embed(ctx, texts)
		if err != nil {
			return 0, err
		}
		if len(vecs) != len(batch) {
			return 0, retrieval.Errorf(retrieval.EINTERNAL, "embedder %s returned %d vectors for %d texts", r.p.Embedder.Name(), len(vecs), len(batch))
		}
		for i, v := range vecs {
			if dims <= 0 {
				dims = len(v)
			}
			if len(v) == 0 || len(v) != dims {
				return 0, retrieval.Errorf(retrieval.EINTERNAL, "embedder %s returned a vector of %d dimensions, want %d", r.p.Embedder.Name(), len(v), dims)
			}
			batch[i].Vector = v
		}
	}
	return dims, nil
}

// prune deletes stored documents whose IDs no source produced.
func (r *run) prune(ctx context.Context, seen map[string]string) error {
	ids, err := r.p.Store.DocumentIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := seen[id]; ok {
			continue
		}
		if err := r.p.Store.DeleteDocument(ctx, id); err != nil && retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
			return err
		}
		r.sum.Pruned++
		r.info("pruned", "id", id)
	}
	return nil
}

// chunkingHash folds non-default chunk sizes into a document hash, so that
// changing them re-chunks every document on the next run. With the
// defaults the hash is the loader's, as LoadFS returns it.
func chunkingHash(hash string, o ChunkOptions) string {
	if o == DefaultChunkOptions() {
		return hash
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00chunking %d %d %d", hash, o.MinChars, o.TargetChars, o.MaxChars))
	return hex.EncodeToString(sum[:])
}
