package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/web"
	"github.com/coopbot/coopbot/web/webtest"
)

// failingAsker fails every question with err.
type failingAsker struct{ err error }

func (f failingAsker) Ask(context.Context, string) (retrieval.Answer, error) {
	return retrieval.Answer{}, f.err
}

func (f failingAsker) AskFollowUp(context.Context, []retrieval.Turn, string) (retrieval.Answer, error) {
	return retrieval.Answer{}, f.err
}

func (f failingAsker) Search(context.Context, string, int) ([]retrieval.Snippet, error) {
	return nil, f.err
}

// panickingAsker panics, as a bug would.
type panickingAsker struct{}

func (panickingAsker) Ask(context.Context, string) (retrieval.Answer, error) { panic("boom") }
func (panickingAsker) AskFollowUp(context.Context, []retrieval.Turn, string) (retrieval.Answer, error) {
	panic("boom")
}
func (panickingAsker) Search(context.Context, string, int) ([]retrieval.Snippet, error) {
	panic("boom")
}

func TestErrorsReachUsersSafely(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.5:5432: password=hunter2 refused")
	tests := []struct {
		name       string
		asker      edge.Core
		wantStatus int
		wantMsg    string
	}{
		{"unavailable, detail", failingAsker{retrieval.Detailf(retrieval.EUNAVAILABLE, secret, "cannot reach the database at 10.0.0.5:5432")}, 503, "The document store is not answering right now"},
		{"unavailable, operator text as message", failingAsker{retrieval.WrapError(retrieval.EUNAVAILABLE, secret, "cannot reach the database at 10.0.0.5:5432")}, 503, "The document store is not answering right now"},
		{"mismatch", failingAsker{retrieval.Errorf(retrieval.EMISMATCH, "store built by hash-v1-512 at 10.0.0.5: run coopbot ingest --reindex")}, 503, "needs maintenance"},
		{"rate limit", failingAsker{retrieval.Errorf(retrieval.ERATELIMIT, "Slow down.")}, 429, "Slow down."},
		{"internal", failingAsker{secret}, 500, "request id"},
		{"panic", panickingAsker{}, 500, "request id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServerOver(t, tt.asker, edge.Options{}, web.Options{})
			for _, r := range []struct {
				method, path, body string
			}{
				{"POST", "/api/ask", `{"question": "Typhoon?"}`},
				{"GET", "/api/search?q=Typhoon", ""},
				{"GET", "/?q=Typhoon", ""},
			} {
				req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
				req.Header.Set("Content-Type", "application/json")
				resp, body := do(t, req)
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("%s %s = %d; want %d", r.method, r.path, resp.StatusCode, tt.wantStatus)
				}
				if strings.Contains(body, "hunter2") || strings.Contains(body, "10.0.0.5") || strings.Contains(body, "goroutine") || strings.Contains(body, "coopbot ingest") || strings.Contains(body, "boom") {
					t.Errorf("%s %s leaks internals: %s", r.method, r.path, body)
				}
				if !strings.Contains(body, tt.wantMsg) {
					t.Errorf("%s %s body %s; want %q", r.method, r.path, body, tt.wantMsg)
				}
				if resp.Header.Get("X-Request-Id") == "" {
					t.Errorf("%s %s has no X-Request-Id", r.method, r.path)
				}
			}
		})
	}
}

// TestStaticNoListing: /static/ serves its files and no directory
// listing (http.FileServer lists a directory without index.html).
func TestStaticNoListing(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	for _, p := range []string{"/static/", "/static/.", "/static/%2e/"} {
		resp, body := get(t, srv.URL+p)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "app.js") || strings.Contains(body, "style.css") {
			t.Errorf("GET %s = %d %q; want 404 and no listing", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/static/app.js", "/static/style.css"} {
		if resp, body := get(t, srv.URL+p); resp.StatusCode != http.StatusOK || body == "" {
			t.Errorf("GET %s = %d; want 200 with the file", p, resp.StatusCode)
		}
	}
}

// TestDatabaseDown: with the real core over a PostgreSQL store whose
// database has gone away, the page, its fragment, the API and the search
// answer 503 with the plain sentence, never the database's address.
func TestDatabaseDown(t *testing.T) {
	srv, _ := newServerOver(t, testcore.DatabaseDown(t), edge.Options{}, web.Options{})
	q := url.QueryEscape(webtest.ExampleQuestion)
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/ask", `{"question": "` + webtest.ExampleQuestion + `"}`},
		{"GET", "/api/search?q=" + q, ""},
		{"GET", "/?q=" + q, ""},
		{"GET", "/answer?q=" + q, ""},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
		resp, body := do(t, req)
		const want = "The document store is not answering right now; please try again in a minute"
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, want) || !strings.Contains(body, resp.Header.Get("X-Request-Id")) {
			t.Errorf("%s %s with the database down = %d %s; want 503, %q and the request id", r.method, r.path, resp.StatusCode, body, want)
		}
		for _, leak := range []string{"127.0.0.1", "database at", "dial", "connection", "postgres", "EOF"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s %s with the database down leaks %q: %s", r.method, r.path, leak, body)
			}
		}
	}
}
