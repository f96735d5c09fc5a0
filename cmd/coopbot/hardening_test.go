package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/internal/hostile"
	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/retrieval"
)

// serveInProcess runs `coopbot serve` in this process (Run, as main does)
// with exactly the given environment plus HTTP_ADDR=127.0.0.1:0 and
// returns its base URL, its stderr, and stop, which cancels it (as
// SIGTERM does) and returns its exit code.
func serveInProcess(t *testing.T, pairs ...string) (base string, stderr *logtest.Buffer, stop func() int) {
	t.Helper()
	stderr = &logtest.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	getenv := env(append([]string{"HTTP_ADDR", "127.0.0.1:0"}, pairs...)...)
	go func() { done <- Run(ctx, []string{"serve"}, getenv, io.Discard, stderr) }()
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(60 * time.Second):
				t.Errorf("serve did not stop within 60s")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if i := strings.Index(stderr.String(), "coopbot: serving "); i >= 0 {
			return strings.Fields(stderr.String()[i+len("coopbot: serving "):])[0], stderr, stop
		}
		select {
		case c := <-done:
			t.Fatalf("serve exited %d before listening: %s", c, stderr.String())
		default:
		}
	}
	t.Fatalf("serve did not start listening: %s", stderr.String())
	return "", nil, nil
}

// apiAsk posts a question to /api/ask and returns the status and body.
func apiAsk(t *testing.T, c *http.Client, base, q string) (int, []byte, error) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"question": q})
	resp, err := c.Post(base+"/api/ask", "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// TestCLIHostileQuestions: `coopbot ask` with each hostile question either
// answers (exit 0) or prints exactly one plain error line and exits 1; a
// 20,000-character question and an unreachable database each get one
// line too. Never a panic or a stack trace.
func TestCLIHostileQuestions(t *testing.T) {
	type tc struct {
		name, q string
		getenv  func(string) string
		want    hostile.Want
	}
	var tests []tc
	for _, c := range hostile.Cases() {
		tests = append(tests, tc{c.Name, c.Question, env(), c.Web})
	}
	tests = append(tests,
		tc{"20,000 characters", strings.Repeat("abcdefghi ", 2000), env(), hostile.Refused},
		tc{"unreachable database", hostile.Real, env("DATABASE_URL", "postgres://coopbot:pw-hidden@127.0.0.1:1/coopbot?connect_timeout=2"), hostile.Refused},
	)
	for _, tt := range tests {
		code, out, errs := run(t, tt.getenv, "ask", tt.q)
		if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") || strings.Contains(errs, "pw-hidden") {
			t.Errorf("ask(%s): stderr leaks internals: %q", tt.name, errs)
		}
		refused := code != 0
		if refused {
			if code != 1 || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "coopbot: ") {
				t.Errorf("ask(%s): exit %d, stderr %q; want exit 1 and one coopbot: line", tt.name, code, errs)
			}
		}
		switch {
		case tt.want == hostile.Refused && !refused:
			t.Errorf("ask(%s) answered %q; want a refusal", tt.name, out)
		case tt.want == hostile.Answered && (refused || !strings.Contains(out, "Sources:")):
			t.Errorf("ask(%s): exit %d, stdout %q; want an answer with sources", tt.name, code, out)
		}
	}
}

// TestWebHostileQuestions: through the real serve mux, POST /api/ask and
// the page (GET /?q=) answer each hostile question with 200 or a clear
// 400, never a 5xx, and the page escapes whatever the question holds.
func TestWebHostileQuestions(t *testing.T) {
	base, _, _ := serveInProcess(t)
	c := &http.Client{Timeout: time.Minute}
	for _, tc := range hostile.Cases() {
		code, body, err := apiAsk(t, c, base, tc.Question)
		if err != nil {
			t.Fatalf("/api/ask(%s): %v", tc.Name, err)
		}
		var a struct {
			retrieval.Answer
			Error string `json:"error"`
		}
		if err := json.Unmarshal(body, &a); err != nil {
			t.Errorf("/api/ask(%s): body is not JSON: %q", tc.Name, body)
		}
		switch {
		case code != 200 && code != 400:
			t.Errorf("/api/ask(%s) = %d %s; want 200 or 400", tc.Name, code, body)
		case code == 400 && (a.Error == "" || strings.Contains(a.Error, "\n")):
			t.Errorf("/api/ask(%s) = 400 with error %q; want one clear line", tc.Name, a.Error)
		case tc.Web == hostile.Refused && code != 400:
			t.Errorf("/api/ask(%s) = %d; want 400", tc.Name, code)
		case tc.Web == hostile.Answered && (code != 200 || len(a.Citations) == 0):
			t.Errorf("/api/ask(%s) = %d with %d citations; want an answer", tc.Name, code, len(a.Citations))
		}

		if len(tc.Question) > 8000 {
			continue // URLs that long are refused by proxies before coopbot
		}
		resp, err := c.Get(base + "/?q=" + url.QueryEscape(tc.Question))
		if err != nil {
			t.Fatalf("page(%s): %v", tc.Name, err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Errorf("page(%s) = %d; want 200 or 400", tc.Name, resp.StatusCode)
		}
		for _, raw := range []string{"<script>alert(1)", "<img src=x", "<source n=", "</question>"} {
			if bytes.Contains(page, []byte(raw)) {
				t.Errorf("page(%s) contains %q unescaped", tc.Name, raw)
			}
		}
	}
}

// loadQuestions are what the load tests ask, in turn.
var loadQuestions = []string{
	"Which minister announced the Typhoon exercise plan?",
	"What did Britain and Japan agree about a new air-to-air missile?",
	"When did the first UK–Japan 2+2 meeting take place?",
	"Who won the 2015 Rugby World Cup?",
}

// TestServeLoad: 40 concurrent clients × 25 requests each on POST
// /api/ask, then on the Slack /ask command (each client waiting for its
// answer at response_url before asking again), against the real serve mux
// on a loopback listener with the in-process store: zero 5xx, zero
// dropped connections, every request answered. The throughput is logged
// (docs/hardening.md quotes it).
func TestServeLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 questions on each surface")
	}
	const clients, perClient = 40, 25
	hooks := make([]chan []byte, clients)
	for i := range hooks {
		hooks[i] = make(chan []byte, 1)
	}
	hook := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/hook/%d", &i)
		b, _ := io.ReadAll(r.Body)
		hooks[i] <- b
	})}
	hookURL := serveHTTP(t, hook)
	base, stderr, stop := serveInProcess(t, "SLACK_SIGNING_SECRET", botsTestSecret, "RATE_PER_MINUTE", "60000", "RATE_BURST", "1000")
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}

	var fiveXX, dropped, other, unanswered atomic.Int64
	measure := func(name string, one func(client, n int)) {
		start := time.Now()
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; n < perClient; n++ {
					one(c, n)
				}
			}()
		}
		wg.Wait()
		el := time.Since(start)
		t.Logf("%s: %d clients × %d requests in %s = %.0f requests/s", name, clients, perClient, el.Round(time.Millisecond), float64(clients*perClient)/el.Seconds())
	}
	measure("POST /api/ask", func(c, n int) {
		code, body, err := apiAsk(t, client, base, loadQuestions[(c+n)%len(loadQuestions)])
		switch {
		case err != nil:
			dropped.Add(1)
		case code >= 500:
			fiveXX.Add(1)
		case code != 200:
			other.Add(1)
			t.Logf("status %d: %s", code, body)
		}
	})
	measure("POST /slack/commands", func(c, n int) {
		// A user id per client, as if 40 people asked at once.
		form := url.Values{"command": {"/ask"}, "text": {loadQuestions[(c+n)%len(loadQuestions)]}, "user_id": {fmt.Sprintf("U%d", c)},
			"channel_id": {"C1"}, "team_id": {"T1"}, "response_url": {fmt.Sprintf("%s/hook/%d", hookURL, c)},
			"trigger_id": {fmt.Sprintf("%d.%d", c, n)}} // unique per command, as Slack's are
		r := signedBody(t, base+"/slack/commands", botsTestSecret, form.Encode())
		resp, err := client.Do(r)
		if err != nil {
			dropped.Add(1)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			fiveXX.Add(1)
		} else if resp.StatusCode != 200 {
			other.Add(1)
		}
		for wait := time.After(2 * time.Minute); ; {
			select {
			case msg := <-hooks[c]:
				if progressNote(msg) {
					continue // a slow answer says what it is doing first
				}
				if !bytes.Contains(msg, []byte(`"blocks"`)) {
					unanswered.Add(1)
					t.Logf("client %d got no answer: %s", c, msg)
				}
			case <-wait:
				unanswered.Add(1)
			}
			break
		}
	})
	if fiveXX.Load()+dropped.Load()+other.Load()+unanswered.Load() != 0 {
		t.Errorf("5xx %d, dropped %d, other non-200 %d, Slack commands not answered %d; want all zero",
			fiveXX.Load(), dropped.Load(), other.Load(), unanswered.Load())
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d: %s", code, stderr.String())
	}
}

// progressNote reports whether a response_url message is a slow answer's
// progress note (bot.Progress), which the answer then replaces.
func progressNote(msg []byte) bool {
	var m struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal(msg, &m) != nil || m.Blocks != nil {
		return false
	}
	return m.Text == bot.Progress(-1) || strings.HasSuffix(m.Text, ", writing the answer…")
}

// signedBody returns a POST of a form body to u, signed for Slack with
// secret now.
func signedBody(t testing.TB, u, secret, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// serveHTTP serves srv on a loopback port until the test ends and
// returns its base URL.
func serveHTTP(t testing.TB, srv *http.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}
