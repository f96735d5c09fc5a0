package fetch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopbot/coopbot/fetch"
)

// server starts a test server and a client whose guard lets it (and only
// it) through.
func server(t *testing.T, h http.Handler, opts fetch.Options) (*httptest.Server, *fetch.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.AllowAddrs = append(opts.AllowAddrs, srv.Listener.Addr().String())
	if opts.Delay == 0 {
		opts.Delay = -1
	}
	return srv, fetch.New(opts)
}

func TestRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>internal secret</p>"))
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte(strings.Repeat("<p>spam</p>", 1000))
		for r.Context().Err() == nil { // an endless body: the cap must cut it
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Write([]byte("PK"))
	})
	mux.HandleFunc("/to-private", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/", http.StatusFound) })
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
	})
	srv, c := server(t, mux, fetch.Options{Timeout: 500 * time.Millisecond, MaxBytes: 1 << 20})
	for _, tc := range []struct{ url, want string }{
		{srv.URL + "/huge", "too large (over 1048576 bytes)"},
		{srv.URL + "/slow", "timed out (limit 500ms)"},
		{srv.URL + "/loop", "too many redirects (limit 5)"},
		{srv.URL + "/pdf", `content type "application/zip" is not one coopbot reads here`},
		{srv.URL + "/to-private", "loopback or private address"},
		{srv.URL + "/to-file", "redirected to file:///etc/passwd: not an http or https URL"},
		{srv.URL + "/private/x", "disallowed by the site's robots.txt"},
		{other.URL + "/", "loopback or private address"},
		{strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/", "loopback or private address"},
		{"ftp://example.com/x", "not an http or https URL"},
	} {
		start := time.Now()
		got, err := c.Get(context.Background(), tc.url, "", "", "text/html")
		if err == nil || !strings.Contains(err.Error(), tc.want) || got.Body != nil {
			t.Errorf("Get(%q) = %d bytes, %v; want nothing and %q", tc.url, len(got.Body), err, tc.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Get(%q) took %v", tc.url, d)
		}
	}
}

func TestConditional(t *testing.T) {
	var mu sync.Mutex
	var active, most int
	var times []time.Time
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		active++
		most = max(most, active)
		times = append(times, time.Now())
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		defer func() { mu.Lock(); active--; mu.Unlock() }()
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>hello</p>"))
	})
	srv, c := server(t, h, fetch.Options{Delay: 100 * time.Millisecond})
	first, err := c.Get(context.Background(), srv.URL+"/a", "", "", "text/html")
	if err != nil || string(first.Body) != "<p>hello</p>" || first.ETag != `"v1"` || first.ContentType != "text/html" {
		t.Fatalf("Get = %+v, %v", first, err)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			again, err := c.Get(context.Background(), srv.URL+"/a", first.ETag, "", "text/html")
			if err != nil || !again.NotModified || again.Body != nil {
				t.Errorf("conditional Get = %+v, %v; want NotModified", again, err)
			}
		})
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d requests to one host at once; want 1", most)
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 100*time.Millisecond {
			t.Errorf("request %d came %v after the one before; want at least the 100ms delay", i, gap)
		}
	}
}
