package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
)

// feedSite serves an RSS feed whose items point at article pages, at a
// version the test sets; the feed's ETag is its version, and a matching
// If-None-Match gets a 304.
type feedSite struct {
	mu       sync.Mutex
	version  int
	fail     bool
	items    map[int][]string // version → item paths
	text     map[string]string
	feedHits int
	notMod   int
	pageHits int
}

func (s *feedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	etag := fmt.Sprintf(`"v%d"`, s.version)
	switch {
	case r.URL.Path == "/rss" && s.fail:
		http.Error(w, "down", http.StatusInternalServerError)
	case r.URL.Path == "/rss":
		s.feedHits++
		if r.Header.Get("If-None-Match") == etag {
			s.notMod++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Site</title>`)
		for _, p := range s.items[s.version] {
			fmt.Fprintf(w, "<item><title>%s</title><link>http://%s%s</link></item>", p, r.Host, p)
		}
		fmt.Fprint(w, `</channel></rss>`)
	case s.text[r.URL.Path] != "":
		s.pageHits++
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><article><p>%s</p></article></body></html>", r.URL.Path, s.text[r.URL.Path])
	default:
		http.NotFound(w, r)
	}
}

func (s *feedSite) set(f func(*feedSite)) { s.mu.Lock(); defer s.mu.Unlock(); f(s) }

// TestRefreshFeed refreshes a feed whose items change between refreshes
// (one added, one edited, one removed), checking the store after each,
// that an unchanged feed costs one 304 and no page, that a failing feed
// keeps its documents, and that a refresh waits its turn behind the lock.
func TestRefreshFeed(t *testing.T) {
	site := &feedSite{version: 1, items: map[int][]string{1: {"/a", "/b"}, 2: {"/a", "/c"}}, text: map[string]string{
		"/a": "The first article describes the joint radar study agreed in Tokyo.",
		"/b": "The second article reports a frigate visit to Yokosuka.",
		"/c": "The third article covers the new cyber dialogue.",
	}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := pgtest.NewDB(t, "coopbot_refresh")
	ctx := context.Background()
	cfg, err := LoadConfig(env("DATABASE_URL", url, "SOURCES", "feed:"+srv.URL+"/rss", "SOURCES_ALLOW_PRIVATE", "true"))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	defer m.Close()
	if err := m.OpenStore(ctx, false); err != nil {
		t.Fatal(err)
	}
	r := m.refresher()
	id := func(p string) string { return srv.URL + p }
	check := func(round string, want []string, status string) {
		t.Helper()
		if ran, err := r.Refresh(ctx); !ran || err != nil {
			t.Fatalf("%s: Refresh = %v, %v", round, ran, err)
		}
		ids, err := m.Store.DocumentIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: stored %v; want %v", round, ids, want)
		}
		code, out, errs := run(t, env("DATABASE_URL", url), "sources")
		if code != 0 || !strings.Contains(out, srv.URL+"/rss") || !strings.Contains(out, status) || !strings.Contains(out, fmt.Sprintf("  %d\n", len(want))) {
			t.Errorf("%s: coopbot sources = %d\n%s%s; want %q and %d documents", round, code, out, errs, status, len(want))
		}
	}

	check("first", []string{id("/a"), id("/b")}, "ok")
	hashA, _ := m.Store.DocumentHash(ctx, id("/a"))

	pages := site.pageHits
	check("unchanged", []string{id("/a"), id("/b")}, "not modified")
	if site.notMod != 1 || site.pageHits != pages {
		t.Errorf("unchanged feed: %d 304s, %d page fetches; want 1 and none", site.notMod, site.pageHits-pages)
	}

	site.set(func(s *feedSite) {
		s.version = 2
		s.text["/a"] = "The first article, corrected: the radar study was agreed in London."
	})
	check("changed", []string{id("/a"), id("/c")}, "ok")
	if h, _ := m.Store.DocumentHash(ctx, id("/a")); h == hashA {
		t.Errorf("edited item: hash unchanged")
	}

	site.set(func(s *feedSite) { s.fail = true })
	check("failing", []string{id("/a"), id("/c")}, "HTTP status 500")

	release, ok, err := m.Postgres.TryLock(ctx)
	if !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	if ran, err := r.Refresh(ctx); ran || err != nil {
		t.Errorf("Refresh with the lock held elsewhere = %v, %v; want not run", ran, err)
	}
	release()
}
