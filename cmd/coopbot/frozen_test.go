package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/pgtest"
)

// frozenTimeout is the STATEMENT_TIMEOUT of the frozen-database tests; a
// surface must answer within it plus one second.
const frozenTimeout = time.Second

// TestServeFrozenDatabase runs serve through a proxy to PostgreSQL that
// then stops forwarding (a database stopped with SIGSTOP: connections
// open, nothing answers). The page, its fragment, the API, Slack and
// /readyz each answer within STATEMENT_TIMEOUT + 1 s with a plain
// sentence naming no host or port; /metrics says coopbot_store_up 0 and
// leaves the index gauges out; when the proxy resumes, serve answers
// again by itself. (Before, every question waited for ANSWER_TIMEOUT.)
func TestServeFrozenDatabase(t *testing.T) {
	dbURL := pgtest.NewDB(t, "coopbot_frozen")
	if code, _, errs := run(t, env("DATABASE_URL", dbURL), "ingest"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.NewProxy(t, u.Host)
	hookc := make(chan []byte, 10)
	hook := serveHTTP(t, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hookc <- b
	})})
	base, stderr, stop := serveInProcess(t, "DATABASE_URL", proxy.URL(t, dbURL), "STATEMENT_TIMEOUT", frozenTimeout.String(),
		"SLACK_SIGNING_SECRET", botsTestSecret, "RATE_PER_MINUTE", "6000", "RATE_BURST", "1000")
	defer stop()
	c := &http.Client{Timeout: time.Minute}
	get := func(path string) (int, string) {
		resp, err := c.Get(base + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body, err := apiAsk(t, c, base, exampleQuestion); err != nil || code != 200 {
		t.Fatalf("/api/ask before freezing = %d %s (%v)", code, body, err)
	}
	_, dbPort, _ := net.SplitHostPort(u.Host)
	_, proxyPort, _ := net.SplitHostPort(proxy.Addr())
	plain := func(what, text string) {
		t.Helper()
		for _, leak := range []string{"127.0.0.1", "localhost", dbPort, proxyPort, "postgres", "SQLSTATE", "goroutine"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s with the database frozen shows %q: %s", what, leak, text)
			}
		}
	}

	proxy.Freeze()
	limit := frozenTimeout + time.Second
	q := url.QueryEscape(exampleQuestion)
	surfaces := map[string]func() (int, string){
		"page":     func() (int, string) { return get("/?q=" + q) },
		"fragment": func() (int, string) { return get("/answer?q=" + q) },
		"api": func() (int, string) {
			code, body, err := apiAsk(t, c, base, exampleQuestion)
			if err != nil {
				t.Errorf("/api/ask: %v", err)
			}
			return code, string(body)
		},
		"readyz": func() (int, string) { return get("/readyz") },
		"slack": func() (int, string) {
			resp, err := c.Do(signedCommand(t, base, botsTestSecret, exampleQuestion, hook, time.Now()))
			if err != nil {
				t.Errorf("slack command: %v", err)
				return 0, ""
			}
			resp.Body.Close()
			select {
			case msg := <-hookc:
				return resp.StatusCode, string(msg)
			case <-time.After(time.Minute):
				return resp.StatusCode, "(nothing posted to response_url)"
			}
		},
	}
	results := askAll(surfaces)
	for name, r := range results {
		t.Logf("%s with the database frozen: %d in %s", name, r.code, r.took.Round(time.Millisecond))
		if r.took > limit {
			t.Errorf("%s with the database frozen answered after %s; want within STATEMENT_TIMEOUT + 1s = %s", name, r.took, limit)
		}
		plain(name, r.body)
	}
	if r := results["api"]; r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, `"code": "unavailable"`) {
		t.Errorf("/api/ask with the database frozen = %d %s; want 503 unavailable", r.code, r.body)
	}
	for _, name := range []string{"page", "fragment", "readyz"} {
		if r := results[name]; r.code != http.StatusServiceUnavailable {
			t.Errorf("%s with the database frozen = %d; want 503", name, r.code)
		}
	}
	if r := results["slack"]; r.code != 200 || !strings.Contains(r.body, "text") || strings.Contains(r.body, "cite-") {
		t.Errorf("slack with the database frozen = %d %s; want the acknowledgement and an apology, no citations", r.code, r.body)
	}
	start := time.Now()
	code, metrics := get("/metrics")
	if took := time.Since(start); code != 200 || took > limit {
		t.Errorf("/metrics with the database frozen = %d after %s", code, took)
	}
	if !strings.Contains(metrics, "\ncoopbot_store_up 0\n") || strings.Contains(metrics, "\ncoopbot_index_chunks ") {
		t.Errorf("/metrics with the database frozen: want coopbot_store_up 0 and no coopbot_index_chunks sample:\n%s", grepLines(metrics, "coopbot_store_up", "coopbot_index_"))
	}

	thaw := func() {
		t.Helper()
		proxy.Thaw()
		thawed := time.Now()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			code, body, err := apiAsk(t, c, base, exampleQuestion)
			if err == nil && code == 200 && strings.Contains(string(body), `"citations": [`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after thawing, /api/ask = %d %s (%v); want answers again within 30s\n%s", code, body, err, stderr.String())
			}
		}
		t.Logf("answering again %s after the database resumed", time.Since(thawed).Round(time.Millisecond))
	}
	thaw()
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("readyz after thawing = %d %s; want 200", code, body)
	}
	if _, metrics := get("/metrics"); !strings.Contains(metrics, "\ncoopbot_store_up 1\n") || !strings.Contains(metrics, "\ncoopbot_index_chunks 31\n") {
		t.Errorf("/metrics after thawing: want coopbot_store_up 1 and coopbot_index_chunks 31:\n%s", grepLines(metrics, "coopbot_store_up", "coopbot_index_"))
	}

	// A crowd on the API the moment the database freezes: beyond
	// MAX_IN_FLIGHT (16) they queue, and must not each wait out a
	// deadline in turn; beyond the queue (64) they are turned away.
	proxy.Freeze()
	const crowd = 100
	asks := map[string]func() (int, string){}
	for i := range crowd {
		asks[fmt.Sprint(i)] = func() (int, string) {
			code, body, err := apiAsk(t, c, base, exampleQuestion)
			if err != nil {
				t.Errorf("/api/ask in the crowd: %v", err)
			}
			return code, string(body)
		}
	}
	codes := map[int]int{}
	var slowest time.Duration
	for _, r := range askAll(asks) {
		codes[r.code]++
		slowest = max(slowest, r.took)
		if r.code != http.StatusServiceUnavailable && r.code != http.StatusTooManyRequests {
			t.Errorf("/api/ask in the crowd with the database frozen = %d %s; want 503 or 429", r.code, r.body)
		}
		plain("/api/ask in the crowd", r.body)
	}
	t.Logf("%d concurrent /api/ask with the database frozen: status counts %v, the slowest in %s", crowd, codes, slowest.Round(time.Millisecond))
	if slowest > limit {
		t.Errorf("the slowest of %d concurrent /api/ask with the database frozen took %s; want within %s", crowd, slowest, limit)
	}
	thaw()
}

// result is one surface's answer and how long it took.
type result struct {
	code int
	body string
	took time.Duration
}

// askAll runs every ask at once and collects the results by name.
func askAll(asks map[string]func() (int, string)) map[string]result {
	results := map[string]result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, ask := range asks {
		wg.Go(func() {
			start := time.Now()
			code, body := ask()
			mu.Lock()
			results[name] = result{code, body, time.Since(start)}
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

// grepLines returns the lines of text that start with any of prefixes.
func grepLines(text string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
