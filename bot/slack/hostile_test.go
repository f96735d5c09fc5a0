package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/hostile"
	"github.com/coopbot/coopbot/retrieval"
)

// forbiddenCore fails the test if it is ever called.
type forbiddenCore struct{ t testing.TB }

func (c forbiddenCore) Ask(_ context.Context, q string) (retrieval.Answer, error) {
	c.t.Errorf("the core was called with %q", q)
	return retrieval.Answer{}, nil
}

func (c forbiddenCore) AskFollowUp(_ context.Context, _ []retrieval.Turn, q string) (retrieval.Answer, error) {
	c.t.Errorf("the core was called with %q", q)
	return retrieval.Answer{}, nil
}

func (c forbiddenCore) Search(_ context.Context, q string, _ int) ([]retrieval.Snippet, error) {
	c.t.Errorf("the core was called with %q", q)
	return nil, nil
}

// TestUnsignedNeverReachCore: requests to both routes without a valid,
// fresh signature get 401 and never reach the core.
func TestUnsignedNeverReachCore(t *testing.T) {
	verifyNoLeaks(t)
	a := slack.New(bot.New(edge.New(forbiddenCore{t}, edge.Options{}), nil, bot.Options{}), slack.Options{SigningSecret: secret})
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	mux := http.NewServeMux()
	a.Register(mux)
	cmd := commandBody(question, "http://127.0.0.1:1/hook")
	ev := mentionEvent("Ev1", "1700000000.000100", "", "<@"+botUser+"> "+question)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	tests := []struct {
		name string
		req  func(path, body string) *http.Request
	}{
		{"no headers", func(p, b string) *http.Request { return httptest.NewRequest(http.MethodPost, p, strings.NewReader(b)) }},
		{"wrong secret", func(p, b string) *http.Request { return signed(t, p, b, now, "not-the-secret") }},
		{"stale timestamp", func(p, b string) *http.Request { return signed(t, p, b, now.Add(-6*time.Minute), secret) }},
		{"future timestamp", func(p, b string) *http.Request { return signed(t, p, b, now.Add(6*time.Minute), secret) }},
		{"signature of another body", func(p, b string) *http.Request {
			r := signed(t, p, b+"&x=1", now, secret)
			r.Body = io.NopCloser(strings.NewReader(b))
			return r
		}},
		{"body changed after signing", func(p, b string) *http.Request {
			r := signed(t, p, b, now, secret)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(b, "Typhoon", "Tornado", 1)))
			return r
		}},
		{"timestamp changed after signing", func(p, b string) *http.Request {
			r := signed(t, p, b, now, secret)
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return r
		}},
		{"garbage signature", func(p, b string) *http.Request {
			r := httptest.NewRequest(http.MethodPost, p, strings.NewReader(b))
			r.Header.Set("X-Slack-Request-Timestamp", ts)
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}},
		{"v1 scheme", func(p, b string) *http.Request {
			r := signed(t, p, b, now, secret)
			r.Header.Set("X-Slack-Signature", "v1="+strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0="))
			return r
		}},
		{"empty signature", func(p, b string) *http.Request {
			r := signed(t, p, b, now, secret)
			r.Header.Set("X-Slack-Signature", "")
			return r
		}},
	}
	for _, tt := range tests {
		for _, route := range []struct{ path, body string }{{"/slack/commands", cmd}, {"/slack/events", ev}} {
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, tt.req(route.path, route.body))
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s %s = %d %q; want 401", tt.name, route.path, w.Code, w.Body.String())
			}
		}
	}
}

// echoCore answers every question with the question itself as the answer
// text, a citation title and a quote, so that the fuzzer's input reaches
// every part of a rendered reply. It records the questions it got.
type echoCore struct {
	mu    sync.Mutex
	asked []string
}

func (c *echoCore) Ask(_ context.Context, q string) (retrieval.Answer, error) {
	c.mu.Lock()
	c.asked = append(c.asked, q)
	c.mu.Unlock()
	return retrieval.Answer{Question: q, Text: q + " [1]", Citations: []retrieval.Citation{
		{N: 1, DocumentID: "d", Title: q, Date: "2016-01-08", Paragraph: 2, Text: q, Highlight: q},
	}}, nil
}

func (c *echoCore) AskFollowUp(ctx context.Context, _ []retrieval.Turn, q string) (retrieval.Answer, error) {
	return c.Ask(ctx, q)
}

func (c *echoCore) Search(context.Context, string, int) ([]retrieval.Snippet, error) {
	return nil, nil
}

// captureTransport records every outgoing request body (response_url
// posts) instead of sending it.
type captureTransport struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		b, _ = io.ReadAll(r.Body)
		_ = r.Body.Close()
	}
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

// FuzzCommand drives POST /slack/commands with arbitrary command text or
// raw bodies, signed or not. Guarantees: no panic; the status is 200, 400
// or 401; an unsigned request never reaches the core; a question reaching
// the core is valid UTF-8 within the length limit; every reply (the
// acknowledgement and what is posted to response_url) is JSON with no
// live mention. Seeds: testdata/fuzz/FuzzCommand.
func FuzzCommand(f *testing.F) {
	for _, c := range hostile.Cases() {
		if len(c.Question) < 4096 {
			f.Add(c.Question, "", uint8(0))
		}
	}
	f.Add("", "command=%2Fask&text=%3C%21channel%3E+hi&user_id=U1&response_url=http%3A%2F%2Fx", uint8(1))
	f.Add("what is JNAAM?", "", uint8(2))
	f.Add("", "text=%ff%fe&response_url=", uint8(1))
	f.Add("", "%zz=&&;", uint8(1))
	f.Fuzz(func(t *testing.T, text, raw string, mode uint8) {
		mode %= 3
		body := raw
		if mode != 1 {
			body = url.Values{"command": {"/ask"}, "text": {text}, "user_id": {"U1"}, "channel_id": {"C1"}, "response_url": {"http://hooks.invalid/r"}}.Encode()
		}
		core := &echoCore{}
		tr := &captureTransport{}
		a := slack.New(bot.New(edge.New(core, edge.Options{}), nil, bot.Options{}), slack.Options{SigningSecret: secret, HTTPClient: &http.Client{Transport: tr}})
		var r *http.Request
		if mode == 2 {
			r = httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
			r.Header.Set("X-Slack-Signature", "v0="+fmt.Sprintf("%064x", len(body)))
		} else {
			r = signed(t, "/slack/commands", body, time.Now(), secret)
		}
		w := httptest.NewRecorder()
		a.CommandsHandler().ServeHTTP(w, r)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)

		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("status %d for body %q", w.Code, body)
		}
		if mode == 2 && (w.Code != http.StatusUnauthorized || len(core.asked) > 0) {
			t.Fatalf("unsigned request: status %d, core asked %q", w.Code, core.asked)
		}
		for _, q := range core.asked {
			if !utf8.ValidString(q) || len(q) > retrieval.MaxQuestionLen {
				t.Fatalf("the core got %q (%d bytes)", q, len(q))
			}
		}
		replies := tr.bodies
		if w.Code == http.StatusOK {
			replies = append(replies, w.Body.Bytes())
		}
		for _, p := range replies {
			if !json.Valid(p) {
				t.Fatalf("reply is not JSON: %q", p)
			}
			for _, s := range hostile.Strings(p) {
				if m := hostile.LiveMention(s); m != "" {
					t.Fatalf("reply has a live mention %q in %q (body %q)", m, s, body)
				}
			}
		}
	})
}
