package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"go.uber.org/goleak"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

const (
	secret   = "8f742231b10e8888abcd99yyyzzz85a5"
	question = "Which minister announced the Typhoon exercise plan?"
	botUser  = "UBOT"
)

// goleakOpts ignores slacktest's own hub goroutine, which never ends.
var goleakOpts = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/slack-go/slack/slacktest.handlePendingMessages"),
	goleak.IgnoreAnyFunction("github.com/slack-go/slack/slacktest.(*Server).queueForWebsocket"),
	goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"), // httptest keep-alive conns closing
}

// gatedCore is the real core that answers only once its gate opens, so a
// test can observe what happens before the answer exists. It records the
// history of follow-ups.
type gatedCore struct {
	*retrieval.Service
	gate    chan struct{}
	mu      sync.Mutex
	history [][]retrieval.Turn
}

func (g *gatedCore) wait(ctx context.Context) error {
	if g.gate == nil {
		return nil
	}
	select {
	case <-g.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gatedCore) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	if err := g.wait(ctx); err != nil {
		return retrieval.Answer{}, err
	}
	return g.Service.Ask(ctx, q)
}

func (g *gatedCore) AskFollowUp(ctx context.Context, h []retrieval.Turn, q string) (retrieval.Answer, error) {
	g.mu.Lock()
	g.history = append(g.history, h)
	g.mu.Unlock()
	if err := g.wait(ctx); err != nil {
		return retrieval.Answer{}, err
	}
	return g.Service.AskFollowUp(ctx, h, q)
}

// hooks is an httptest response_url that records what is posted to it.
type hooks struct {
	*httptest.Server
	got chan slackapi.WebhookMessage
}

func newHooks(t *testing.T) *hooks {
	h := &hooks{got: make(chan slackapi.WebhookMessage, 10)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slackapi.WebhookMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("response_url got undecodable JSON: %v", err)
		}
		h.got <- m
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hooks) next(t *testing.T) slackapi.WebhookMessage {
	t.Helper()
	select {
	case m := <-h.got:
		return m
	case <-time.After(30 * time.Second):
		t.Fatal("nothing posted to response_url")
		return slackapi.WebhookMessage{}
	}
}

func signed(t *testing.T, path string, body string, at time.Time, key string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func commandBody(text, responseURL string) string {
	return url.Values{
		"command": {"/ask"}, "text": {text}, "user_id": {"U1"}, "channel_id": {"C1"},
		"team_id": {"T1"}, "response_url": {responseURL},
	}.Encode()
}

func newAdapter(t *testing.T, core edge.Core, opts slack.Options) *slack.Adapter {
	t.Helper()
	return newLoggedAdapter(t, core, opts, nil)
}

// newLoggedAdapter is newAdapter with the bot logging to log.
func newLoggedAdapter(t *testing.T, core edge.Core, opts slack.Options, log *slog.Logger) *slack.Adapter {
	t.Helper()
	opts.SigningSecret = secret
	a := slack.New(bot.New(edge.New(core, edge.Options{}), log, bot.Options{RatePerMinute: 600, Burst: 20}), opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a
}

func TestCommandSignature(t *testing.T) {
	verifyNoLeaks(t)
	h := newHooks(t)
	core := &gatedCore{Service: testcore.Service(t)}
	a := newAdapter(t, core, slack.Options{})
	body := commandBody("help", h.URL)
	tests := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"correct", signed(t, "/slack/commands", body, time.Now(), secret), http.StatusOK},
		{"wrong secret", signed(t, "/slack/commands", body, time.Now(), "not-the-secret"), http.StatusUnauthorized},
		{"stale timestamp", signed(t, "/slack/commands", body, time.Now().Add(-6*time.Minute), secret), http.StatusUnauthorized},
		{"missing signature", httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body)), http.StatusUnauthorized},
	}
	tampered := signed(t, "/slack/commands", body, time.Now(), secret)
	tampered.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "help", "HELP", 1)))
	tests = append(tests, struct {
		name string
		req  *http.Request
		want int
	}{"tampered body", tampered, http.StatusUnauthorized})
	for _, tt := range tests {
		w := httptest.NewRecorder()
		a.CommandsHandler().ServeHTTP(w, tt.req)
		if w.Code != tt.want {
			t.Errorf("%s: status = %d; want %d", tt.name, w.Code, tt.want)
		}
	}
}

// TestCommandAckThenDeliver: the ack comes while the core is still
// working (so it cannot wait for the answer), then cited blocks arrive at
// the response_url.
func TestCommandAckThenDeliver(t *testing.T) {
	verifyNoLeaks(t)
	h := newHooks(t)
	core := &gatedCore{Service: testcore.Service(t), gate: make(chan struct{})}
	a := newAdapter(t, core, slack.Options{})
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req := signed(t, "/slack/commands", commandBody(question, h.URL), time.Now(), secret)
	req.RequestURI, req.URL.Scheme, req.URL.Host = "", "http", strings.TrimPrefix(srv.URL, "http://")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ack slackapi.Msg
	if err := json.NewDecoder(resp.Body).Decode(&ack); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || ack.ResponseType != "ephemeral" || !strings.HasPrefix(ack.Text, "Searching…") {
		t.Fatalf("ack = %d %+v; want 200 and an ephemeral Searching…", resp.StatusCode, ack)
	}
	select {
	case m := <-h.got:
		t.Fatalf("response_url got %q before the core answered", m.Text)
	default:
	}
	close(core.gate)
	m := h.next(t)
	if m.ResponseType != "in_channel" {
		t.Errorf("response_type = %q; want in_channel", m.ResponseType)
	}
	want, err := core.Service.Ask(context.Background(), question)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Citations) == 0 {
		t.Fatalf("core gave no citations for %q", question)
	}
	checkBlocks(t, m.Blocks.BlockSet, want)
}

// checkBlocks asserts the Block Kit shape: the answer, then one section
// per citation with title, date and paragraph.
func checkBlocks(t *testing.T, blocks []slackapi.Block, want retrieval.Answer) {
	t.Helper()
	if len(blocks) > slack.MaxBlocks {
		t.Errorf("%d blocks; want at most %d", len(blocks), slack.MaxBlocks)
	}
	cites := map[string]string{}
	answered := false
	for _, b := range blocks {
		s, ok := b.(*slackapi.SectionBlock)
		if !ok {
			continue
		}
		if n := bot.Len(s.Text.Text); n > slack.MaxTextLen {
			t.Errorf("block %s has %d characters; want at most %d", s.BlockID, n, slack.MaxTextLen)
		}
		if strings.HasPrefix(s.BlockID, "answer-") {
			answered = true
		}
		if strings.HasPrefix(s.BlockID, "cite-") {
			cites[s.BlockID] = s.Text.Text
		}
	}
	if !answered {
		t.Error("no answer section")
	}
	if len(cites) != len(want.Citations) {
		t.Errorf("%d citation blocks; want %d", len(cites), len(want.Citations))
	}
	for _, c := range want.Citations {
		text := cites[fmt.Sprintf("cite-%d", c.N)]
		for _, part := range []string{fmt.Sprintf("[%d] ", c.N), c.Date, fmt.Sprintf("¶%d", c.Paragraph)} {
			if !strings.Contains(text, part) {
				t.Errorf("citation %d block %q lacks %q", c.N, text, part)
			}
		}
	}
}

func TestCommandHelpTooLongEphemeralAndFailure(t *testing.T) {
	verifyNoLeaks(t)
	h := newHooks(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{Ephemeral: true})
	ack := func(a *slack.Adapter, text string) slackapi.Msg {
		w := httptest.NewRecorder()
		a.CommandsHandler().ServeHTTP(w, signed(t, "/slack/commands", commandBody(text, h.URL), time.Now(), secret))
		var m slackapi.Msg
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("ack %q: %v", w.Body.String(), err)
		}
		return m
	}
	if m := ack(a, ""); strings.Count(m.Text, "• /ask ") != 3 || m.ResponseType != "ephemeral" {
		t.Errorf("/ask with no text = %+v; want ephemeral usage with three examples", m)
	}
	if m := ack(a, strings.Repeat("missile ", 400)); !strings.Contains(m.Text, "too long") {
		t.Errorf("/ask with a long question = %q; want a 'too long' reply", m.Text)
	}
	ack(a, question)
	if m := h.next(t); m.ResponseType != "ephemeral" || !m.ReplaceOriginal || m.Blocks == nil {
		t.Errorf("ephemeral answer = %+v; want ephemeral blocks replacing Searching…", m)
	}
}

// TestDatabaseDown: with the real core over a PostgreSQL store whose
// database has gone away, /ask is acknowledged and its response_url gets
// the plain sentence with a request id, never the database's address.
func TestDatabaseDown(t *testing.T) {
	verifyNoLeaks(t)
	h := newHooks(t)
	a := newAdapter(t, testcore.DatabaseDown(t), slack.Options{Ephemeral: true})
	w := httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, signed(t, "/slack/commands", commandBody(question, h.URL), time.Now(), secret))
	if w.Code != http.StatusOK {
		t.Fatalf("/ask with the database down = %d %s; want 200", w.Code, w.Body)
	}
	m := h.next(t)
	const want = "The document store is not answering right now"
	if !strings.Contains(m.Text, want) || !strings.Contains(m.Text, "request id r") || m.ResponseType != "ephemeral" {
		t.Errorf("answer with the database down = %+v; want an ephemeral %q with a request id", m, want)
	}
	raw, _ := json.Marshal(m)
	for _, leak := range []string{"127.0.0.1", "database at", "dial", "connection", "postgres", "EOF"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("answer with the database down leaks %q: %s", leak, raw)
		}
	}
}

func TestBlocksLimitsWithVeryLongAnswer(t *testing.T) {
	r := bot.Reply{Question: strings.Repeat("why? ", 1000), Text: strings.Repeat("The answer goes on & on <@U1> @everyone. ", 3000)}
	for i := 1; i <= 60; i++ {
		r.Citations = append(r.Citations, bot.Cite{N: i, Title: strings.Repeat("Long title ", 40), Date: "2016-01-08", Paragraph: i, Quote: strings.Repeat("quoted words ", 800)})
	}
	blocks := slack.Blocks(r)
	if len(blocks) > slack.MaxBlocks {
		t.Fatalf("%d blocks; want at most %d", len(blocks), slack.MaxBlocks)
	}
	raw, _ := json.Marshal(blocks)
	if strings.Contains(string(raw), "<@U1>") || strings.Contains(string(raw), "@everyone") {
		t.Error("blocks echo a live mention")
	}
	answer, cites := 0, 0
	for _, b := range blocks {
		var text string
		switch b := b.(type) {
		case *slackapi.SectionBlock:
			text = b.Text.Text
			if strings.HasPrefix(b.BlockID, "answer-") {
				answer++
			}
			if strings.HasPrefix(b.BlockID, "cite-") {
				cites++
				n := strings.TrimPrefix(b.BlockID, "cite-")
				if !strings.HasPrefix(text, "*["+n+"] ") || !strings.Contains(text, "2016-01-08 · ¶"+n+"\n> ") || !strings.HasSuffix(text, "…") {
					t.Errorf("citation block %s is broken: %.80q…", b.BlockID, text)
				}
			}
		case *slackapi.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if tb, ok := e.(*slackapi.TextBlockObject); ok {
					text = tb.Text
				}
			}
		}
		if n := bot.Len(text); n > slack.MaxTextLen {
			t.Errorf("block has %d characters; want at most %d", n, slack.MaxTextLen)
		}
	}
	if answer == 0 || cites == 0 {
		t.Errorf("got %d answer and %d citation blocks; want both", answer, cites)
	}
}

// verifyNoLeaks checks for leaked goroutines after every cleanup of t
// (servers, adapters) has run.
func verifyNoLeaks(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t, goleakOpts...) })
}
