package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/gate"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/metrics"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/web"
	"github.com/coopbot/coopbot/web/webtest"
)

const offTopic = "Who won the 2015 Rugby World Cup?"

// newServer serves the real core over the bundled corpus.
func newServer(t *testing.T, opts web.Options) (*httptest.Server, *metrics.Metrics) {
	t.Helper()
	return newServerOver(t, testcore.Service(t), edge.Options{}, opts)
}

// newServerOver serves core through a Front configured by eo.
func newServerOver(t *testing.T, core edge.Core, eo edge.Options, opts web.Options) (*httptest.Server, *metrics.Metrics) {
	t.Helper()
	mt := metrics.New()
	eo.Recorder = mt
	opts.Front = edge.New(core, eo)
	ws, err := web.New(opts)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux := http.NewServeMux()
	ws.Register(mux)
	mux.Handle("GET /metrics", mt.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, mt
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, req)
}

func postJSON(t *testing.T, u, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func decodeAnswer(t *testing.T, body string) retrieval.Answer {
	t.Helper()
	var a retrieval.Answer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("decode answer %q: %v", body, err)
	}
	return a
}

func citesTyphoon(a retrieval.Answer) bool {
	for _, c := range a.Citations {
		if strings.Contains(c.Text, webtest.TyphoonPassage) {
			return true
		}
	}
	return false
}

func TestAPIAskAnswersExample(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	resp, body := postJSON(t, srv.URL+"/api/ask", `{"question": "`+webtest.ExampleQuestion+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/ask = %d %s; want 200", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	a := decodeAnswer(t, body)
	if a.Abstained || a.Question != webtest.ExampleQuestion || len(a.Citations) == 0 {
		t.Fatalf("answer = %+v; want a cited answer to the example", a)
	}
	if !citesTyphoon(a) {
		t.Errorf("citations %+v; want the Typhoon paragraph", a.Citations)
	}
	// Same JSON as the core (and so as coopbot ask --json).
	want, err := testcore.Service(t).Ask(context.Background(), webtest.ExampleQuestion)
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(a)
	if string(wb) != string(gb) {
		t.Errorf("API answer differs from the core's:\n got %s\nwant %s", gb, wb)
	}
}

func TestAPIAskOffTopicAbstains(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	resp, body := postJSON(t, srv.URL+"/api/ask", `{"question": "`+offTopic+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/ask = %d %s; want 200", resp.StatusCode, body)
	}
	if a := decodeAnswer(t, body); !a.Abstained || len(a.Citations) != 0 {
		t.Errorf("answer = %+v; want abstained with no citations", a)
	}
}

func TestAPIAskBadRequests(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	tests := []struct {
		name, ctype, body, want string
	}{
		{"empty body", "application/json", ``, "empty"},
		{"bad JSON", "application/json", `{"question": `, "not valid JSON"},
		{"not an object", "application/json", `"hello"`, "must be a JSON object"},
		{"an array", "application/json", `[]`, "must be a JSON object"},
		{"null", "application/json", `null`, "must be a JSON object"},
		{"question not a string", "application/json", `{"question": ["a"]}`, `"question" must be a string`},
		{"wrong type", "application/json", `{"question": 42}`, `"question" must be a string`},
		{"unknown field", "application/json", `{"q": "hi"}`, `unknown field "q"`},
		{"two values", "application/json", `{"question": "a"} {"question": "b"}`, "more than one"},
		{"empty question", "application/json", `{"question": "   "}`, "empty"},
		{"too long", "application/json", `{"question": "` + strings.Repeat("why ", 600) + `"}`, "too long"},
		{"huge body", "application/json", `{"question": "` + strings.Repeat("x", 20*retrieval.MaxQuestionLen) + `"}`, "too large"},
		{"form post", "application/x-www-form-urlencoded", `question=hi`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/ask", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			resp, body := do(t, req)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("POST %s = %d %s; want 400", tt.name, resp.StatusCode, body)
			}
			var e struct{ Error, Code string }
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if e.Code != retrieval.EINVALID || !strings.Contains(e.Error, tt.want) {
				t.Errorf("error = %+v; want code %q and a message containing %q", e, retrieval.EINVALID, tt.want)
			}
			// No Go type names: the decoder's own messages say
			// "web.askRequest", "map[string]…", "json: …".
			for _, leak := range []string{"web.", "askRequest", "map[", "json:", "RawMessage", "Go "} {
				if strings.Contains(e.Error, leak) {
					t.Errorf("error %q leaks %q", e.Error, leak)
				}
			}
		})
	}
	// Wrong method.
	resp, _ := get(t, srv.URL+"/api/ask")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/ask = %d; want 405", resp.StatusCode)
	}
}

func TestAPISearch(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	resp, body := get(t, srv.URL+"/api/search?k=3&q="+url.QueryEscape("Typhoon exercise"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/search = %d %s; want 200", resp.StatusCode, body)
	}
	a := decodeAnswer(t, body)
	if a.Question != "Typhoon exercise" || a.Text != "" || a.Abstained {
		t.Errorf("search answer = %+v; want question echoed, no text, not abstained", a)
	}
	if len(a.Citations) == 0 || len(a.Citations) > 3 {
		t.Fatalf("len(citations) = %d; want 1..3", len(a.Citations))
	}
	for i, c := range a.Citations {
		if c.N != i+1 || c.Text == "" || c.Title == "" || c.Paragraph < 1 {
			t.Errorf("citation %d = %+v; want numbered %d with text, title and paragraph", i, c, i+1)
		}
	}
	if !citesTyphoon(a) {
		t.Errorf("citations %+v; want the Typhoon paragraph", a.Citations)
	}
	for _, tt := range []struct{ query, want string }{
		{"q=Typhoon&k=0", "k must be"},
		{"q=Typhoon&k=abc", "k must be"},
		{"q=Typhoon&k=500", "k must be"},
		{"q=", "empty"},
		{"k=3", "empty"},
	} {
		resp, body := get(t, srv.URL+"/api/search?"+tt.query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tt.want) {
			t.Errorf("GET /api/search?%s = %d %s; want 400 mentioning %q", tt.query, resp.StatusCode, body, tt.want)
		}
	}
}

func TestAPIToken(t *testing.T) {
	srv, _ := newServer(t, web.Options{APIToken: "s3cret-token"})
	tests := []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"s3cret-token", http.StatusUnauthorized},
		{"Basic s3cret-token", http.StatusUnauthorized},
		{"Bearers3cret-token", http.StatusUnauthorized},
		{"Bearer s3cret-token2", http.StatusUnauthorized},
		{"Bearer s3cret-token", http.StatusOK},
		{"bearer s3cret-token", http.StatusOK}, // the scheme is case-insensitive (RFC 9110 §11.1)
		{"BEARER s3cret-token", http.StatusOK},
		{"Bearer  s3cret-token ", http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/search?q=Typhoon", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, body := do(t, req)
		if resp.StatusCode != tt.want {
			t.Errorf("search with Authorization %q = %d; want %d", tt.auth, resp.StatusCode, tt.want)
		}
		if strings.Contains(body, "s3cret-token") {
			t.Errorf("response leaks the token: %s", body)
		}
	}
	// The page stays public.
	if resp, _ := get(t, srv.URL+"/?q=Typhoon"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /?q= with API_TOKEN set = %d; want 200", resp.StatusCode)
	}
}

func TestPageWithoutJavaScript(t *testing.T) {
	srv, _ := newServer(t, web.Options{})

	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<form id="ask" action="/" method="get"`) {
		t.Fatalf("GET / = %d; want the form", resp.StatusCode)
	}
	var links []string
	for _, m := range regexp.MustCompile(`class="suggestion" href="/\?q=([^"]*)"`).FindAllStringSubmatch(body, -1) {
		q, err := url.QueryUnescape(m[1])
		if err != nil {
			t.Errorf("suggestion link %q: %v", m[1], err)
		}
		links = append(links, q)
	}
	if !slices.Equal(links, web.DefaultSuggestions) {
		t.Errorf("suggestion links ask %q; want %q", links, web.DefaultSuggestions)
	}

	resp, body = get(t, srv.URL+"/?q="+url.QueryEscape(webtest.ExampleQuestion))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /?q=example = %d", resp.StatusCode)
	}
	for _, want := range []string{`data-state="answered"`, `id="cite-1"`, `<mark>`, webtest.TyphoonPassage, `class="ref" href="#cite-1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("answer page lacks %q", want)
		}
	}

	_, body = get(t, srv.URL+"/?q="+url.QueryEscape(offTopic))
	if !strings.Contains(body, "Not in the sources") || !strings.Contains(body, `data-state="abstained"`) {
		t.Errorf("off-topic page lacks the not-in-the-sources state")
	}

	resp, body = get(t, srv.URL+"/?q="+url.QueryEscape(`<script>alert(1)</script> Typhoon`))
	if strings.Contains(body, "<script>alert(1)") {
		t.Errorf("the question is not escaped")
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /?q=<script> = %d; want 200", resp.StatusCode)
	}

	resp, body = get(t, srv.URL+"/?q=")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Couldn't answer") {
		t.Errorf("GET /?q= = %d; want 400 with the error state", resp.StatusCode)
	}

	for _, p := range []string{"/static/style.css", "/static/app.js"} {
		if resp, _ := get(t, srv.URL+p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d; want 200", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, srv.URL+"/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope = %d; want 404", resp.StatusCode)
	}
}

func TestFragment(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	resp, body := get(t, srv.URL+"/answer?q="+url.QueryEscape(webtest.ExampleQuestion))
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, "<article") {
		t.Errorf("GET /answer = %d; want only the result article", resp.StatusCode)
	}
}

// blockingAsker holds every question until release is closed.
type blockingAsker struct {
	started chan struct{}
	release chan struct{}
}

func (b *blockingAsker) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	b.started <- struct{}{}
	select {
	case <-b.release:
		return retrieval.Abstained(q), nil
	case <-ctx.Done():
		return retrieval.Answer{}, ctx.Err()
	}
}

func (b *blockingAsker) AskFollowUp(ctx context.Context, _ []retrieval.Turn, q string) (retrieval.Answer, error) {
	return b.Ask(ctx, q)
}

func (b *blockingAsker) Search(ctx context.Context, q string, k int) ([]retrieval.Snippet, error) {
	return nil, nil
}

func TestBusyBeyondMaxInFlight(t *testing.T) {
	b := &blockingAsker{started: make(chan struct{}, 1), release: make(chan struct{})}
	srv, mt := newServerOver(t, b, edge.Options{Gate: gate.Options{MaxInFlight: 1, MaxQueue: -1}}, web.Options{})
	var wg sync.WaitGroup
	wg.Add(1)
	var firstStatus int
	go func() {
		defer wg.Done()
		resp, _ := postJSON(t, srv.URL+"/api/ask", `{"question": "first"}`)
		firstStatus = resp.StatusCode
	}()
	<-b.started
	resp, body := postJSON(t, srv.URL+"/api/ask", `{"question": "second"}`)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "busy") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second question = %d %s; want 429 busy with Retry-After", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/api/search?q=x"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("search while busy = %d; want 429", resp.StatusCode)
	}
	close(b.release)
	wg.Wait()
	if firstStatus != http.StatusOK {
		t.Errorf("first question = %d; want 200", firstStatus)
	}
	_, m := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`coopbot_questions_total{outcome="rate_limited",surface="api"} 1`,
		`coopbot_questions_total{outcome="abstained",surface="api"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_ = mt
}

func TestHealthAndReady(t *testing.T) {
	var mu sync.Mutex
	var notReady error
	srv, _ := newServer(t, web.Options{Ready: func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return notReady
	}})
	if resp, body := get(t, srv.URL+"/healthz"); resp.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz = %d %s; want 200 ok", resp.StatusCode, body)
	}
	if resp, body := get(t, srv.URL+"/readyz"); resp.StatusCode != 200 || !strings.Contains(body, "ready") {
		t.Errorf("/readyz = %d %s; want 200 ready", resp.StatusCode, body)
	}
	mu.Lock()
	notReady = retrieval.Detailf(retrieval.EUNAVAILABLE, errors.New("password=hunter2"), "database at 10.0.0.5:5432: the index is empty: run coopbot ingest")
	mu.Unlock()
	resp, body := get(t, srv.URL+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not answering") || strings.Contains(body, "hunter2") || strings.Contains(body, "10.0.0.5") || strings.Contains(body, "coopbot ingest") {
		t.Errorf("/readyz when not ready = %d %s; want 503 with the code's text only", resp.StatusCode, body)
	}
}

func TestMetricsCountPageQuestions(t *testing.T) {
	srv, _ := newServer(t, web.Options{})
	get(t, srv.URL+"/?q="+url.QueryEscape(webtest.ExampleQuestion))
	get(t, srv.URL+"/answer?q="+url.QueryEscape(offTopic))
	get(t, srv.URL+"/answer?q=")
	_, m := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`coopbot_questions_total{outcome="answered",surface="web"} 1`,
		`coopbot_questions_total{outcome="abstained",surface="web"} 1`,
		`coopbot_questions_total{outcome="invalid",surface="web"} 1`,
		`coopbot_answer_seconds_count{surface="web"} 3`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestNewNeedsFront(t *testing.T) {
	if _, err := web.New(web.Options{}); err == nil {
		t.Error("web.New without a Front succeeded; want an error")
	}
}

func TestAnswerTimeout(t *testing.T) {
	b := &blockingAsker{started: make(chan struct{}, 1), release: make(chan struct{})}
	srv, _ := newServerOver(t, b, edge.Options{Timeout: 50 * time.Millisecond}, web.Options{})
	resp, _ := postJSON(t, srv.URL+"/api/ask", `{"question": "slow"}`)
	if resp.StatusCode < 500 {
		t.Errorf("question past the timeout = %d; want a 5xx", resp.StatusCode)
	}
}
