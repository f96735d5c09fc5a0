// Package feed reads RSS and Atom feeds (github.com/mmcdole/gofeed) for
// ingest: each item's link, title, date, author and, when the feed carries
// it, the full text.
package feed

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Accept lists the media types a feed may have.
var Accept = []string{"application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml"}

// Item is one entry of a feed.
type Item struct {
	Link, Title, Date, Author string // Date as YYYY-MM-DD, or ""
	// Content is the item's HTML: the full text when the feed carries it
	// (content:encoded, Atom content), else its summary.
	Content string
}

// Parse reads a feed's items, in feed order. Items without an http(s)
// link are left out: a link is what a citation opens.
func Parse(raw []byte) (title string, items []Item, err error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(raw))
	if err != nil {
		return "", nil, fmt.Errorf("not an RSS or Atom feed: %w", err)
	}
	for _, it := range f.Items {
		link := strings.TrimSpace(it.Link)
		if !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") {
			continue
		}
		item := Item{Link: link, Title: it.Title, Content: it.Content}
		if item.Content == "" {
			item.Content = it.Description
		}
		if it.Author != nil {
			item.Author = it.Author.Name
		}
		if t := it.PublishedParsed; t != nil {
			item.Date = t.UTC().Format(time.DateOnly)
		} else if t := it.UpdatedParsed; t != nil {
			item.Date = t.UTC().Format(time.DateOnly)
		}
		items = append(items, item)
	}
	return f.Title, items, nil
}
