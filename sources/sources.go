// Package sources keeps the documents of the SOURCES setting — folders,
// web pages and feeds — fresh: a Refresher re-reads each source every so
// often, through the ingest pipeline (unchanged documents cost a hash
// comparison), asks the web only for what changed (conditional requests),
// removes the documents a source no longer holds, and records each
// source's last fetch, status and documents. Only one refresher runs at a
// time across replicas (Locker).
package sources

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/retrieval"
)

// DefaultEvery is how often sources are refreshed (SOURCES_EVERY).
const DefaultEvery = time.Hour

// Kind is what a source is.
type Kind string

// The kinds of source.
const (
	Folder Kind = "folder"
	Page   Kind = "page"
	Feed   Kind = "feed"
)

// Source is one entry of SOURCES.
type Source struct {
	Kind     Kind
	Location string // a folder's path, or a URL
}

// Parse reads SOURCES: entries separated by commas or white space; a URL
// is a page, "feed:URL" a feed, anything else a folder.
func Parse(setting string) ([]Source, error) {
	var out []Source
	for _, f := range strings.FieldsFunc(setting, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		switch {
		case strings.HasPrefix(f, "feed:"):
			u := strings.TrimPrefix(f, "feed:")
			if !isURL(u) {
				return nil, fmt.Errorf("%s: want feed:https://…", f)
			}
			out = append(out, Source{Feed, u})
		case isURL(f):
			out = append(out, Source{Page, f})
		case strings.Contains(f, "://"):
			return nil, fmt.Errorf("%s: only http and https URLs can be fetched", f)
		default:
			out = append(out, Source{Folder, f})
		}
	}
	return out, nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// State is what the last refresh of a source found.
type State struct {
	Source
	ETag, LastModified string // of the last full fetch, for the next conditional one
	FetchedAt          time.Time
	Status             string   // "ok", "not modified", or why it failed
	Documents          []string // the IDs of the documents it holds
}

// StateStore keeps the sources' states (PostgreSQL's sources table).
type StateStore interface {
	SourceStates(ctx context.Context) ([]State, error)
	PutSourceState(ctx context.Context, st State) error
}

// Locker makes sure one refresher runs at a time across replicas.
// TryLock returns ok false, without waiting, when another holds the lock.
type Locker interface {
	TryLock(ctx context.Context) (release func(), ok bool, err error)
}

// Fetched is a web source's documents, or NotModified.
type Fetched struct {
	NotModified        bool
	ETag, LastModified string
	Docs               []ingest.Loaded
	// Failed are the feed items that could not be fetched or read. Their
	// documents are kept until a refresh reads them.
	Failed []ingest.FileError
}

// Fetcher fetches a page or feed, conditionally on prev's ETag and
// Last-Modified.
type Fetcher interface {
	Fetch(ctx context.Context, src Source, prev State) (Fetched, error)
}

// Refresher refreshes Sources. Pipeline's store is where documents go.
type Refresher struct {
	Sources  []Source
	Pipeline *ingest.Pipeline
	States   StateStore
	Lock     Locker
	Fetcher  Fetcher
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Refresh refreshes every source once, unless another replica holds the
// lock (ran is false then). A source that fails keeps its documents and
// records why; the others go on. It returns an error only when it cannot
// go on (the store or the embedder is unreachable, the context ends).
func (r *Refresher) Refresh(ctx context.Context) (ran bool, err error) {
	release, ok, err := r.Lock.TryLock(ctx)
	if err != nil || !ok {
		return false, err
	}
	defer release()
	states, err := r.States.SourceStates(ctx)
	if err != nil {
		return true, fmt.Errorf("sources: read states: %w", err)
	}
	prev := map[Source]State{}
	before := map[string]bool{}
	for _, st := range states {
		prev[st.Source] = st
		for _, id := range st.Documents {
			before[id] = true
		}
	}
	after := map[string]bool{}
	for _, src := range r.Sources {
		st, err := r.refreshOne(ctx, src, prev[src])
		if err != nil {
			return true, err
		}
		for _, id := range st.Documents {
			after[id] = true
		}
		if err := r.States.PutSourceState(ctx, st); err != nil {
			return true, fmt.Errorf("sources: save state of %s: %w", src.Location, err)
		}
	}
	// Only documents a source held before and none holds now go: a
	// document ingested by hand is no source's to remove.
	for _, id := range slices.Sorted(maps.Keys(before)) {
		if after[id] {
			continue
		}
		if err := r.Pipeline.Store.DeleteDocument(ctx, id); err != nil && !notFound(err) {
			return true, fmt.Errorf("sources: remove %s: %w", id, err)
		}
		r.logger().Info("removed document its source no longer holds", "id", id)
	}
	return true, nil
}

// refreshOne refreshes one source and returns its new state.
func (r *Refresher) refreshOne(ctx context.Context, src Source, prev State) (State, error) {
	st := State{Source: src, ETag: prev.ETag, LastModified: prev.LastModified, FetchedAt: r.now(), Status: "ok"}
	var opts ingest.RunOptions
	keep := false
	if src.Kind == Folder {
		opts.Paths = []string{src.Location}
	} else {
		f, err := r.Fetcher.Fetch(ctx, src, prev)
		switch {
		case ctx.Err() != nil:
			return st, ctx.Err()
		case err != nil:
			st.Status, st.Documents = err.Error(), prev.Documents
			r.logger().Warn("source refresh failed", "source", src.Location, "reason", err.Error())
			return st, nil
		case f.NotModified:
			st.Status, st.Documents = "not modified", prev.Documents
			return st, nil
		}
		st.ETag, st.LastModified = f.ETag, f.LastModified
		opts.Docs = f.Docs
		if len(f.Failed) > 0 {
			keep = true
			st.Status = fmt.Sprintf("%d items failed, first %s", len(f.Failed), f.Failed[0].Error())
		}
	}
	sum, err := r.Pipeline.Run(ctx, opts)
	if err != nil && !(len(opts.Paths) == 0 && len(opts.Docs) == 0) {
		return st, fmt.Errorf("sources: %s: %w", src.Location, err)
	}
	st.Documents = sum.Documents
	if sum.Skipped > 0 {
		keep = true
		st.Status = fmt.Sprintf("%d skipped, first %s", sum.Skipped, sum.Errors[0].Error())
	}
	if keep { // a file or item that failed now must not lose its document
		st.Documents = slices.Compact(slices.Sorted(slices.Values(append(st.Documents, prev.Documents...))))
	}
	return st, nil
}

// Run refreshes at once and then every every, until ctx ends. Failures
// are logged; the next round tries again.
func (r *Refresher) Run(ctx context.Context, every time.Duration) {
	for {
		if ran, err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
			r.logger().Error("sources refresh failed", "err", err)
		} else if !ran {
			r.logger().Debug("sources refresh skipped: another replica holds the lock")
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

func (r *Refresher) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Refresher) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func notFound(err error) bool { return retrieval.ErrorCode(err) == retrieval.ENOTFOUND }
