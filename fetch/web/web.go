// Package web turns a fetched HTML page into a document: the article's
// main content as go-readability finds it, its title, author, site and
// publication date (article:published_time, JSON-LD), and its canonical
// URL as the document's ID and source, so every citation links to it.
package web

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"codeberg.org/readeck/go-readability/v2"
	xhtml "golang.org/x/net/html"

	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/retrieval"
)

// Accept lists the media types a page may have.
var Accept = []string{"text/html", "application/xhtml+xml"}

// Meta is what a caller knows of a page beforehand (a feed item's title,
// date and author); its fields fill in what the page does not say.
type Meta struct{ Title, Date, Author, Outlet string }

// Document extracts the article of the page raw fetched from pageURL.
func Document(raw []byte, pageURL string, known Meta) (retrieval.Document, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return retrieval.Document{}, fmt.Errorf("%s: not a URL", pageURL)
	}
	id := canonical(raw, u)
	art, err := readability.FromReader(bytes.NewReader(raw), u)
	if err != nil {
		return retrieval.Document{}, &retrieval.Error{Code: retrieval.EINVALID, Message: id + ": no article found in the page", Err: err}
	}
	var content bytes.Buffer
	if err := art.RenderHTML(&content); err != nil {
		return retrieval.Document{}, &retrieval.Error{Code: retrieval.EINVALID, Message: id + ": no article found in the page", Err: err}
	}
	m := Meta{Title: art.Title(), Author: art.Byline(), Outlet: art.SiteName()}
	if t, err := art.PublishedTime(); err == nil && !t.IsZero() {
		m.Date = t.UTC().Format(time.DateOnly)
	}
	return FromHTML(content.Bytes(), id, fill(m, known))
}

// FromHTML makes a document of an article's HTML (a page's main content,
// or a feed item's full text) with metadata m, normalized as ingest
// normalizes an HTML file. id is the article's URL: its ID and source.
func FromHTML(content []byte, id string, m Meta) (retrieval.Document, error) {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head>")
	for _, kv := range [][2]string{{"og:title", m.Title}, {"og:site_name", m.Outlet}, {"article:published_time", m.Date}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, `<meta property="%s" content="%s">`, kv[0], html.EscapeString(kv[1]))
		}
	}
	if m.Author != "" {
		fmt.Fprintf(&b, `<meta name="author" content="%s">`, html.EscapeString(m.Author))
	}
	b.WriteString("</head><body><article>")
	b.Write(content)
	b.WriteString("</article></body></html>")
	return ingest.ParseHTML(id, id, b.Bytes())
}

func fill(m, known Meta) Meta {
	for _, f := range []struct {
		dst *string
		src string
	}{{&m.Title, known.Title}, {&m.Date, known.Date}, {&m.Author, known.Author}, {&m.Outlet, known.Outlet}} {
		if strings.TrimSpace(*f.dst) == "" {
			*f.dst = f.src
		}
	}
	return m
}

// canonical is the page's <link rel="canonical"> when it is an http(s)
// URL on the page's own host (another host's would let a page pose as
// that host's document), else the page's URL; without a fragment.
func canonical(raw []byte, page *url.URL) string {
	out := *page
	z := xhtml.NewTokenizer(bytes.NewReader(raw))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		if t.Data == "body" {
			break
		}
		if t.Data != "link" || !strings.EqualFold(attr(t, "rel"), "canonical") {
			continue
		}
		if c, err := page.Parse(attr(t, "href")); err == nil && (c.Scheme == "http" || c.Scheme == "https") && c.Host == page.Host {
			out = *c
		}
		break
	}
	out.Fragment = ""
	return out.String()
}

func attr(t xhtml.Token, name string) string {
	for _, a := range t.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
