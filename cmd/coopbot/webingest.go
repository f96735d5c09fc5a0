package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/coopbot/coopbot/fetch"
	"github.com/coopbot/coopbot/fetch/feed"
	"github.com/coopbot/coopbot/fetch/web"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/sources"
)

// fullText is the least text, in bytes, a feed item's content must have to
// be taken as the article itself rather than a summary of its page.
const fullText = 1000

// isURL reports whether a command-line argument names a web page.
func isURL(arg string) bool {
	return strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://")
}

// fetcher returns the guarded client of web sources.
func (m *Main) fetcher() *fetch.Client {
	return fetch.New(fetch.Options{AllowPrivate: m.Config.SourcesAllowPrivate})
}

// fetchDocs fetches pages and the items of feeds. Each source (or feed
// item) that cannot be fetched or read is reported with report and left
// out, and the run goes on.
func fetchDocs(ctx context.Context, c *fetch.Client, pages, feeds []string, report func(source string, err error)) []ingest.Loaded {
	var srcs []sources.Source
	for _, u := range pages {
		srcs = append(srcs, sources.Source{Kind: sources.Page, Location: u})
	}
	for _, u := range feeds {
		srcs = append(srcs, sources.Source{Kind: sources.Feed, Location: u})
	}
	var docs []ingest.Loaded
	for _, src := range srcs {
		f, err := webFetcher{c}.Fetch(ctx, src, sources.State{})
		if err != nil {
			report(src.Location, err)
			continue
		}
		for _, e := range f.Failed {
			report(e.Path, e.Err)
		}
		docs = append(docs, f.Docs...)
	}
	return docs
}

// feedItem is an item's document: its own content when the feed carries
// the full text, else its article page.
func feedItem(ctx context.Context, c *fetch.Client, it feed.Item, outlet string) (ingest.Loaded, error) {
	meta := web.Meta{Title: it.Title, Date: it.Date, Author: it.Author, Outlet: outlet}
	if doc, err := web.FromHTML([]byte(it.Content), it.Link, meta); err == nil && len(doc.Text) >= fullText {
		return ingest.Loaded{Doc: doc}, nil
	}
	return fetchPage(ctx, c, it.Link, meta)
}

func fetchPage(ctx context.Context, c *fetch.Client, u string, known web.Meta) (ingest.Loaded, error) {
	resp, err := c.Get(ctx, u, "", "", web.Accept...)
	if err != nil {
		return ingest.Loaded{}, err
	}
	doc, err := web.Document(resp.Body, resp.URL, known)
	if err != nil {
		return ingest.Loaded{}, err
	}
	return ingest.Loaded{Doc: doc}, nil
}

// fetchReporter prints one line per source that could not be fetched
// and counts them.
func (m *Main) fetchReporter(n *int) func(string, error) {
	return func(source string, err error) {
		*n++
		msg := err.Error()
		if !strings.HasPrefix(msg, source) {
			msg = source + ": " + msg
		}
		fmt.Fprintf(m.Stderr, "coopbot: skipped %s\n", printable(msg))
	}
}
