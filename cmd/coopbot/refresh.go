package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/coopbot/coopbot/fetch"
	"github.com/coopbot/coopbot/fetch/feed"
	"github.com/coopbot/coopbot/fetch/web"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/sources"
)

func init() {
	register(command{name: "sources", summary: "list the SOURCES refreshed by serve: last fetch, status, documents (needs DATABASE_URL)", run: runSources})
}

// webFetcher fetches SOURCES' pages and feeds with the guarded client.
type webFetcher struct{ c *fetch.Client }

// Fetch implements sources.Fetcher: the page or feed itself is fetched
// conditionally; a feed's item pages are read again each time it changed
// (their content hash spares the unchanged ones from re-indexing).
func (f webFetcher) Fetch(ctx context.Context, src sources.Source, prev sources.State) (sources.Fetched, error) {
	accept := web.Accept
	if src.Kind == sources.Feed {
		accept = feed.Accept
	}
	resp, err := f.c.Get(ctx, src.Location, prev.ETag, prev.LastModified, accept...)
	if err != nil {
		return sources.Fetched{}, err
	}
	out := sources.Fetched{NotModified: resp.NotModified, ETag: resp.ETag, LastModified: resp.LastModified}
	if resp.NotModified {
		return out, nil
	}
	if src.Kind == sources.Page {
		doc, err := web.Document(resp.Body, resp.URL, web.Meta{})
		if err != nil {
			return sources.Fetched{}, err
		}
		out.Docs = []ingest.Loaded{{Doc: doc}}
		return out, nil
	}
	outlet, items, err := feed.Parse(resp.Body)
	if err != nil {
		return sources.Fetched{}, err
	}
	for _, it := range items {
		d, err := feedItem(ctx, f.c, it, outlet)
		if err != nil {
			out.Failed = append(out.Failed, ingest.FileError{Path: it.Link, Err: err})
			continue
		}
		out.Docs = append(out.Docs, d)
	}
	return out, nil
}

// refresher returns the refresher of SOURCES into the PostgreSQL store.
func (m *Main) refresher() *sources.Refresher {
	return &sources.Refresher{
		Sources: m.Config.Sources,
		Pipeline: &ingest.Pipeline{
			Store: m.Store, Embedder: m.Embedder, Logger: m.Logger.With("component", "sources"), Formats: m.formats(),
		},
		States:  m.Postgres,
		Lock:    m.Postgres,
		Fetcher: webFetcher{m.fetcher()},
		Logger:  m.Logger.With("component", "sources"),
	}
}

// startRefresher refreshes SOURCES in the background, every
// SOURCES_EVERY, until ctx ends or m closes (which waits for it, before
// the store closes).
func (m *Main) startRefresher(ctx context.Context) {
	if len(m.Config.Sources) == 0 || m.Postgres == nil {
		return
	}
	r := m.refresher()
	m.Logger.Info("refreshing sources", "sources", len(m.Config.Sources), "every", m.Config.SourcesEvery)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, m.Config.SourcesEvery) }()
	m.closers = append(m.closers, func() { cancel(); <-done })
}

// runSources lists every source's last refresh.
func runSources(ctx context.Context, m *Main, args []string) error {
	if err := m.OpenStore(ctx, false); err != nil {
		return err
	}
	states, err := m.Postgres.SourceStates(ctx)
	if err != nil {
		return err
	}
	if len(states) == 0 {
		fmt.Fprintln(m.Stdout, "No source refreshed yet: set SOURCES and run coopbot serve.")
		return nil
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SOURCE\tKIND\tLAST FETCH\tSTATUS\tDOCUMENTS")
	for _, st := range states {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", printable(st.Location), st.Kind, st.FetchedAt.UTC().Format("2006-01-02 15:04:05Z"), printable(st.Status), len(st.Documents))
	}
	return w.Flush()
}
