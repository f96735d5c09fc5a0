package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
)

// downSentence is what every surface says while the database is down.
const downSentence = "The document store is not answering right now; please try again in a minute"

// heldAnswerer is the real extractive answerer held until release is
// closed; entered receives once per answer started.
type heldAnswerer struct {
	entered chan struct{}
	release chan struct{}
}

func (h *heldAnswerer) Answer(ctx context.Context, q string, snips []retrieval.Snippet) (retrieval.Answer, error) {
	h.entered <- struct{}{}
	select {
	case <-h.release:
	case <-ctx.Done():
		return retrieval.Answer{}, ctx.Err()
	}
	return retrieval.Extractive{}.Answer(ctx, q, snips)
}

// TestServeBusy: with MAX_IN_FLIGHT=1 the core answers one question at a
// time and queues 4; further questions — on the API and in Slack — are
// refused at once with 429 / "busy, try again" rather than piling up, and
// the held ones are answered once the core frees up.
func TestServeBusy(t *testing.T) {
	cfg, err := LoadConfig(env("MAX_IN_FLIGHT", "1", "SLACK_SIGNING_SECRET", botsTestSecret, "RATE_PER_MINUTE", "6000", "RATE_BURST", "1000"))
	if err != nil {
		t.Fatal(err)
	}
	stderr := &logtest.Buffer{}
	m := NewMain(cfg, io.Discard, stderr)
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	h := &heldAnswerer{entered: make(chan struct{}, 10), release: make(chan struct{})}
	m.Service.Answerer = h
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, m, []string{"--addr", "127.0.0.1:0"}) }()
	defer func() { cancel(); <-done }()
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if i := strings.Index(stderr.String(), "coopbot: serving "); i >= 0 {
			base = strings.Fields(stderr.String()[i+len("coopbot: serving "):])[0]
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	c := &http.Client{Timeout: time.Minute}
	type result struct {
		code int
		body []byte
	}
	held := make(chan result, 5)
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ { // 1 running + 4 queued
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body, err := apiAsk(t, c, base, exampleQuestion)
			if err != nil {
				t.Errorf("held question: %v", err)
			}
			held <- result{code, body}
		}()
	}
	<-h.entered
	time.Sleep(300 * time.Millisecond) // let the other four queue
	start := time.Now()
	for i := 0; i < 3; i++ {
		code, body, err := apiAsk(t, c, base, exampleQuestion)
		if err != nil || code != http.StatusTooManyRequests || !strings.Contains(string(body), "busy") {
			t.Errorf("question beyond capacity = %d %s (%v); want 429 busy", code, body, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusals took %s; want them at once", d)
	}
	// Slack: the command is acknowledged, then told to try again.
	hookc := make(chan []byte, 1)
	hook := serveHTTP(t, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hookc <- b
	})})
	resp, err := c.Do(signedCommand(t, base, botsTestSecret, exampleQuestion, hook, time.Now()))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("slack command under load: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case msg := <-hookc:
		if !strings.Contains(string(msg), "try again") {
			t.Errorf("slack reply beyond capacity = %s; want busy, try again", msg)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("slack: nothing posted beyond capacity")
	}
	close(h.release)
	wg.Wait()
	close(held)
	for r := range held {
		if r.code != 200 {
			t.Errorf("held question = %d %s; want 200 once the core is free", r.code, r.body)
		}
	}
}

// TestServeDatabaseFaults runs serve against a throwaway PostgreSQL
// cluster of its own: down at start (healthz 200, readyz 503, questions
// 503 / the same sentence in chat and in coopbot ask, never the address;
// retries in the background until the database appears), then stopped
// while serving (the same) and started again (serve recovers by itself),
// and finally a statement held up by a lock fails with EUNAVAILABLE after
// STATEMENT_TIMEOUT.
func TestServeDatabaseFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster")
	}
	cluster := pgtest.NewCluster(t)
	p := newFaultProbe(t, cluster.URL("postgres"))
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatalf("timed out waiting for %s; serve stderr:\n%s", what, p.stderr.String())
	}

	// Down at start.
	if code, body := p.get("/healthz"); code != 200 {
		t.Errorf("healthz with the database down = %d %s; want 200", code, body)
	}
	if code, body := p.get("/readyz"); code != 503 {
		t.Errorf("readyz with the database down = %d %s; want 503", code, body)
	} else {
		p.checkPlain("readyz with the database down", []byte(body))
	}
	p.everySurfacePlain("database down at start")

	// The database appears: serve connects by itself (readyz stays 503
	// while the index is empty), ingest fills it, and questions are
	// answered.
	cluster.Start(t)
	waitFor("serve to connect", func() bool { return strings.Contains(p.stderr.String(), "coopbot: connected to the database") })
	if code, _ := p.get("/readyz"); code != 503 {
		t.Errorf("readyz with the index empty = %d; want 503", code)
	}
	if code, _, errs := run(t, env("DATABASE_URL", p.dbURL), "ingest"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	if code, body := p.get("/readyz"); code != 200 {
		t.Fatalf("readyz after ingest = %d %s; want 200", code, body)
	}
	if code, body, err := apiAsk(t, p.c, p.base, exampleQuestion); err != nil || code != 200 || !strings.Contains(string(body), `"citations": [`) {
		t.Fatalf("/api/ask once connected = %d %s (%v); want an answer", code, body, err)
	}

	// Dropped while serving, then back.
	cluster.Stop(t)
	p.everySurfacePlain("database stopped while serving")
	if code, _ := p.get("/readyz"); code != 503 {
		t.Errorf("readyz with the database stopped = %d; want 503", code)
	}
	cluster.Start(t)
	waitFor("answers after the database returns", func() bool {
		code, _, err := apiAsk(t, p.c, p.base, exampleQuestion)
		return err == nil && code == 200
	})
	if code, body := p.get("/readyz"); code != 200 {
		t.Errorf("readyz after the database returned = %d %s; want 200", code, body)
	}
	if code := p.stop(); code != 0 {
		t.Errorf("serve exited %d: %s", code, p.stderr.String())
	}
	if testing.Verbose() {
		t.Logf("serve stderr:\n%s", p.stderr.String())
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Errorf("serve logged a panic:\n%s", p.stderr.String())
	}
	checkLockTimeout(t, p.dbURL)
}

// faultProbe is coopbot serve (in process, with Slack) over dbURL, and the
// means to ask it on every surface.
type faultProbe struct {
	t           *testing.T
	dbURL, port string
	base, hook  string
	hookc       chan []byte
	stderr      *logtest.Buffer
	stop        func() int
	c           *http.Client
}

func newFaultProbe(t *testing.T, dbURL string) *faultProbe {
	p := &faultProbe{t: t, dbURL: dbURL, hookc: make(chan []byte, 10), c: &http.Client{Timeout: time.Minute}}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p.port = u.Port()
	p.hook = serveHTTP(t, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.hookc <- b
	})})
	p.base, p.stderr, p.stop = serveInProcess(t, "DATABASE_URL", dbURL, "SLACK_SIGNING_SECRET", botsTestSecret, "RATE_PER_MINUTE", "6000", "RATE_BURST", "1000")
	return p
}

func (p *faultProbe) get(path string) (int, string) {
	resp, err := p.c.Get(p.base + path)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkPlain fails unless body has the plain sentence and neither the
// address (127.0.0.1 and the cluster's port) nor driver text.
func (p *faultProbe) checkPlain(what string, body []byte) {
	p.t.Helper()
	if !strings.Contains(string(body), downSentence) {
		p.t.Errorf("%s = %s; want %q", what, body, downSentence)
	}
	for _, leak := range []string{"127.0.0.1", p.port, "database at", "dial", "connection refused", "pgx", "SQLSTATE"} {
		if strings.Contains(string(body), leak) {
			p.t.Errorf("%s leaks %q: %s", what, leak, body)
		}
	}
}

// everySurfacePlain asks on the API, the page, its fragment, Slack and
// coopbot ask, and checks each says the database is down plainly.
func (p *faultProbe) everySurfacePlain(when string) {
	t := p.t
	t.Helper()
	code, body, err := apiAsk(t, p.c, p.base, exampleQuestion)
	if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"code": "unavailable"`) {
		t.Errorf("%s: /api/ask = %d %s (%v); want 503 unavailable", when, code, body, err)
	}
	p.checkPlain(when+": /api/ask", body)
	for _, path := range []string{"/?q=", "/answer?q="} {
		code, page := p.get(path + url.QueryEscape(exampleQuestion))
		if code != http.StatusServiceUnavailable {
			t.Errorf("%s: GET %s = %d; want 503", when, path, code)
		}
		p.checkPlain(when+": GET "+path, []byte(page))
	}
	resp, err := p.c.Do(signedCommand(t, p.base, botsTestSecret, exampleQuestion, p.hook, time.Now()))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: slack command: %v %v", when, resp, err)
	}
	resp.Body.Close()
	select {
	case msg := <-p.hookc:
		p.checkPlain(when+": slack reply", msg)
	case <-time.After(30 * time.Second):
		t.Errorf("%s: slack: nothing posted", when)
	}
	code, _, errs := run(t, env("DATABASE_URL", p.dbURL, "STATEMENT_TIMEOUT", "2s"), "ask", exampleQuestion)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != 1 {
		t.Errorf("%s: coopbot ask exit %d; want 1", when, code)
	}
	p.checkPlain(when+": coopbot ask's last line", []byte(lines[len(lines)-1]))
}

// checkLockTimeout: a statement held up by a lock fails after
// STATEMENT_TIMEOUT with EUNAVAILABLE, and the store answers once the lock
// is released.
func checkLockTimeout(t *testing.T, dbURL string) {
	cfg, err := LoadConfig(env("DATABASE_URL", dbURL, "STATEMENT_TIMEOUT", "300ms"))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if _, err := tx.Exec(t.Context(), `LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = m.Service.Ask(t.Context(), exampleQuestion)
	if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || !strings.Contains(retrieval.ErrorDetail(err), "took too long") {
		t.Errorf("Ask with chunks locked: err = %v; want EUNAVAILABLE \"took too long\"", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Ask with chunks locked returned after %s; want about the 300ms statement timeout", d)
	}
	_ = tx.Rollback(t.Context())
	// On a loaded machine under -race one search can itself outlast
	// 300ms; the store must answer again, not necessarily at the first try.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, err := m.Service.Ask(t.Context(), exampleQuestion)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("Ask after the lock is released: %v", err)
			break
		}
	}
}
