package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/fetch/web"
	"github.com/coopbot/coopbot/internal/pgtest"
)

// article is a news page: navigation and a footer around the article,
// metadata in meta tags, and a canonical URL without the tracking query.
func article(canonical, title, date, body string) string {
	return fmt.Sprintf(`<!doctype html><html><head><title>%s | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="%sT08:00:00Z">
<link rel="canonical" href="%s">
<script type="application/ld+json">{"@type":"NewsArticle","headline":%q,"author":{"@type":"Person","name":"Kim Reporter"}}</script>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>%s</h1>%s</article><footer>Copyright Example News</footer></body></html>`, title, date, canonical, title, title, body)
}

// TestIngestWeb ingests a web page, an RSS feed (one item with its full
// text, one pointing at its page, one at a file that is no page) and an
// Atom feed from test servers, then answers from them with the page's
// URL on the citation.
func TestIngestWeb(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	para := func(s string) string { return "<p>" + s + "</p>" }
	pages := map[string]string{
		"/news/radar": article(srv.URL+"/news/radar", "Radar deal signed", "2024-02-01",
			para("Britain and Japan signed a radar research agreement in Tokyo on Thursday.")+para("The agreement covers joint testing of a new coastal radar over three years.")),
		"/news/ship": article(srv.URL+"/news/ship", "Ship visit", "2024-02-03",
			para("A Royal Navy frigate visited Yokosuka for a week of joint drills with the Japanese navy.")),
	}
	for path, body := range pages {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		})
	}
	mux.HandleFunc("/files/report.zip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Write([]byte("PK"))
	})
	full := strings.Repeat("<p>The exercise tested air defence coordination between the two air forces over the Sea of Japan, with tankers and early-warning aircraft.</p>", 8)
	mux.HandleFunc("/rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Example News</title>
<item><title>Air exercise ends</title><link>%[1]s/news/air</link><pubDate>Mon, 05 Feb 2024 10:00:00 GMT</pubDate><content:encoded><![CDATA[%[2]s]]></content:encoded></item>
<item><title>Ship visit</title><link>%[1]s/news/ship</link><description>A frigate visited.</description></item>
<item><title>Report</title><link>%[1]s/files/report.zip</link></item>
</channel></rss>`, srv.URL, full)
	})
	mux.HandleFunc("/atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Example Atom</title>
<entry><title>Radar deal signed</title><link href="%s/news/radar"/><updated>2024-02-01T08:00:00Z</updated><summary>Radar.</summary></entry></feed>`, srv.URL)
	})

	url := pgtest.NewDB(t, "coopbot_web")
	guarded := env("DATABASE_URL", url)
	code, _, errs := run(t, guarded, "ingest", srv.URL+"/news/radar")
	if code != 1 || !strings.Contains(errs, "coopbot: skipped "+srv.URL+"/news/radar: refused: it resolves to a loopback or private address (SOURCES_ALLOW_PRIVATE=true allows it)\n") ||
		!strings.Contains(errs, "ingested 0,") {
		t.Errorf("ingest of a loopback URL with the guard on: exit %d, stderr:\n%s", code, errs)
	}

	getenv := env("DATABASE_URL", url, "SOURCES_ALLOW_PRIVATE", "true")
	code, _, errs = run(t, getenv, "ingest", "--feed", srv.URL+"/rss", "--feed", srv.URL+"/atom", srv.URL+"/news/radar?utm_source=x")
	if code != 1 {
		t.Errorf("ingest: exit %d; want 1 for the zip item; stderr:\n%s", code, errs)
	}
	for _, want := range []string{
		"coopbot: skipped " + srv.URL + `/files/report.zip: content type "application/zip" is not one coopbot reads here (want text/html, application/xhtml+xml)` + "\n",
		// The page named directly and the Atom entry are one document,
		// by its canonical URL.
		`duplicate document ID "` + srv.URL + `/news/radar"`,
		"coopbot: ingested 3, unchanged 0, pruned 0 documents",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}

	for _, tc := range []struct{ q, url, quote, date string }{
		{"Where was the radar research agreement signed?", srv.URL + "/news/radar", "signed a radar research agreement in Tokyo", "2024-02-01"},
		{"What did the Royal Navy frigate visit?", srv.URL + "/news/ship", "visited Yokosuka", "2024-02-03"},
		{"What did the air exercise over the Sea of Japan test?", srv.URL + "/news/air", "air defence coordination", "2024-02-05"},
	} {
		ans := askJSON(t, getenv, tc.q)
		if ans.Abstained || len(ans.Citations) == 0 {
			t.Errorf("ask(%q) abstained: %q", tc.q, ans.Text)
			continue
		}
		c := ans.Citations[0]
		if c.URL != tc.url || c.DocumentID != tc.url || c.Date != tc.date || !strings.Contains(c.Text, tc.quote) {
			t.Errorf("ask(%q) cites %s (url %q, %s) %q; want %s, %s, quoting %q", tc.q, c.DocumentID, c.URL, c.Date, c.Text, tc.url, tc.date, tc.quote)
		}
		if raw, ok := pages[strings.TrimPrefix(tc.url, srv.URL)]; ok {
			doc, err := web.Document([]byte(raw), tc.url, web.Meta{})
			if err != nil || !strings.Contains(doc.Text, c.Text) || strings.Contains(doc.Text, "Copyright") || strings.Contains(doc.Text, "World") {
				t.Errorf("page %s = %q, %v; want the article alone, holding the citation %q verbatim", tc.url, doc.Text, err, c.Text)
			}
		}
	}
}
