package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

const slackBotUser = "UBOT"

// newHook is a response_url that hands on what is posted to it.
func newHook(t *testing.T) (*httptest.Server, chan slackapi.WebhookMessage) {
	got := make(chan slackapi.WebhookMessage, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slackapi.WebhookMessage
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	t.Cleanup(hook.Close)
	return hook, got
}

// slackCall is one Web API call the fake Slack received.
type slackCall struct {
	Method string     // "chat.postMessage", …
	Form   url.Values // form-encoded calls
	Body   []byte     // JSON calls (views.publish)
	TS     string     // the ts the fake gave a posted message
	At     time.Time
}

// Blocks decodes the call's blocks (chat.postMessage, chat.update).
func (c slackCall) Blocks(t *testing.T) []slackapi.Block {
	t.Helper()
	var b slackapi.Blocks
	if err := json.Unmarshal([]byte(c.Form.Get("blocks")), &b); err != nil {
		t.Fatalf("%s blocks %q: %v", c.Method, c.Form.Get("blocks"), err)
	}
	return b.BlockSet
}

// fakeSlack is slacktest — the real Web API as slack-go expects it, at a
// local URL given to coopbot as SLACK_API_URL — with handlers that record
// the calls coopbot makes (slacktest's own record nothing), answer
// auth.test with the bot's id and serve a thread for conversations.replies.
type fakeSlack struct {
	*slacktest.Server
	calls  chan slackCall
	mu     sync.Mutex
	thread []slackapi.Message
	posted int
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{calls: make(chan slackCall, 20)}
	record := func(method string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			c := slackCall{Method: method, Body: body, At: time.Now()}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				c.Form, _ = url.ParseQuery(string(body))
			}
			f.mu.Lock()
			f.posted++
			c.TS = fmt.Sprintf("1700000100.%06d", f.posted)
			f.mu.Unlock()
			if method == "chat.update" {
				c.TS = c.Form.Get("ts")
			}
			f.calls <- c
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, c.Form.Get("channel"), c.TS)
		}
	}
	f.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"user_id":%q,"bot_id":"BBOT","team_id":"T1"}`, slackBotUser)
		})
		for _, m := range []string{"chat.postMessage", "chat.update", "views.publish"} {
			c.Handle("/"+m, record(m))
		}
		c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			defer f.mu.Unlock()
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": f.thread, "has_more": false})
		})
	})
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

// next returns the next recorded call.
func (f *fakeSlack) next(t *testing.T) slackCall {
	t.Helper()
	select {
	case c := <-f.calls:
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("the bot made no Slack Web API call")
		return slackCall{}
	}
}

// none asserts the bot makes no recorded call for a short while.
func (f *fakeSlack) none(t *testing.T, what string) {
	t.Helper()
	select {
	case c := <-f.calls:
		t.Errorf("%s: unexpected %s %v", what, c.Method, c.Form)
	case <-time.After(500 * time.Millisecond):
	}
}

// postSignedEvent posts an Events API callback body to base's
// /slack/events, signed with botsTestSecret, and checks the 200.
func postSignedEvent(t *testing.T, base string, body []byte) {
	t.Helper()
	postSigned(t, base+"/slack/events", "application/json", body)
}

// postSignedAction posts a block_actions payload to base's
// /slack/interactions, signed with botsTestSecret, and checks the 200.
func postSignedAction(t *testing.T, base string, payload any) {
	t.Helper()
	p, _ := json.Marshal(payload)
	postSigned(t, base+"/slack/interactions", "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(p)}}.Encode()))
}

// postSigned posts body to u signed with botsTestSecret, as Slack does,
// and checks the 200.
func postSigned(t *testing.T, u, contentType string, body []byte) {
	t.Helper()
	r := signedBody(t, u, botsTestSecret, string(body))
	r.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d; want 200", u, resp.StatusCode)
	}
}

// callback wraps an inner event as an Events API callback with id.
func callback(id string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": id, "event_time": 1700000000,
		"event": inner,
	})
	return b
}

// dmEvent is a message.im event in the DM D1; extra fields (bot_id,
// thread_ts, subtype…) are added to it.
func dmEvent(user, ts, text string, extra ...string) map[string]any {
	e := map[string]any{"type": "message", "channel_type": "im", "channel": "D1", "user": user, "text": text, "ts": ts, "event_ts": ts}
	for i := 0; i+1 < len(extra); i += 2 {
		e[extra[i]] = extra[i+1]
	}
	return e
}
