package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/testcore"
)

// fakeAPI is slacktest with handlers that record chat.postMessage (the
// built-in one records nothing), answer auth.test with the bot's id and
// serve a thread for conversations.replies.
type fakeAPI struct {
	*slacktest.Server
	mu      sync.Mutex
	thread  []slackapi.Message
	posts   chan url.Values
	updates chan url.Values // chat.update calls
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{posts: make(chan url.Values, 10), updates: make(chan url.Values, 10)}
	f.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"user_id":%q,"bot_id":"BBOT","team_id":"T1"}`, botUser)
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				t.Errorf("chat.postMessage: %v", err)
			}
			f.posts <- r.PostForm
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000100.000100"}`, r.PostForm.Get("channel"))
		})
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				t.Errorf("chat.update: %v", err)
			}
			f.updates <- r.PostForm
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.PostForm.Get("channel"), r.PostForm.Get("ts"))
		})
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

func (f *fakeAPI) nextPost(t *testing.T) url.Values {
	t.Helper()
	select {
	case p := <-f.posts:
		return p
	case <-time.After(30 * time.Second):
		t.Fatal("nothing posted with chat.postMessage")
		return nil
	}
}

func (f *fakeAPI) noMorePosts(t *testing.T) {
	t.Helper()
	select {
	case p := <-f.posts:
		t.Errorf("unexpected extra chat.postMessage: %v", p.Get("text"))
	case <-time.After(300 * time.Millisecond):
	}
}

func mentionEvent(eventID, ts, threadTS, text string) string {
	inner := map[string]any{"type": "app_mention", "user": "U1", "text": text, "ts": ts, "channel": "C1", "event_ts": ts}
	if threadTS != "" {
		inner["thread_ts"] = threadTS
	}
	b, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": eventID, "event_time": 1700000000,
		"event": inner,
	})
	return string(b)
}

func messageEvent(eventID, ts, text string) string {
	b, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": eventID, "event_time": 1700000000,
		"event": map[string]any{"type": "message", "user": "U1", "text": text, "ts": ts, "channel": "C1", "channel_type": "channel"},
	})
	return string(b)
}

func TestEventsURLVerificationAndMentions(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	if err := a.Identify(context.Background()); err != nil {
		t.Fatal(err)
	}
	post := func(body string, retry string) *httptest.ResponseRecorder {
		r := signed(t, "/slack/events", body, time.Now(), secret)
		r.Header.Set("Content-Type", "application/json")
		if retry != "" {
			r.Header.Set("X-Slack-Retry-Num", retry)
		}
		w := httptest.NewRecorder()
		a.EventsHandler().ServeHTTP(w, r)
		return w
	}

	if w := post(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, ""); w.Code != 200 || w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification = %d %q; want the challenge", w.Code, w.Body.String())
	}
	r := signed(t, "/slack/events", `{"type":"url_verification","challenge":"x"}`, time.Now(), "wrong")
	w := httptest.NewRecorder()
	a.EventsHandler().ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("unsigned event = %d; want 401", w.Code)
	}

	text := "<@" + botUser + "> " + question
	if w := post(mentionEvent("Ev1", "1700000000.000100", "", text), ""); w.Code != 200 {
		t.Fatalf("app_mention = %d; want 200", w.Code)
	}
	p := api.nextPost(t)
	if p.Get("channel") != "C1" || p.Get("thread_ts") != "1700000000.000100" {
		t.Errorf("reply posted to %q thread %q; want C1 in the thread of the mention", p.Get("channel"), p.Get("thread_ts"))
	}
	var blocks slackapi.Blocks
	if err := json.Unmarshal([]byte(p.Get("blocks")), &blocks); err != nil || len(blocks.BlockSet) < 2 {
		t.Errorf("reply blocks = %q (%v); want an answer with citations", p.Get("blocks"), err)
	}
	// A retry of the same event, and the same message as a message event,
	// are not answered again.
	post(mentionEvent("Ev1", "1700000000.000100", "", text), "1")
	post(messageEvent("Ev2", "1700000000.000100", text), "")
	api.noMorePosts(t)

	// A message event with the mention that Slack did not also send as
	// app_mention is answered; one without the mention is not.
	post(messageEvent("Ev3", "1700000000.000300", "just chatting"), "")
	post(messageEvent("Ev4", "1700000000.000400", text), "")
	if p := api.nextPost(t); p.Get("thread_ts") != "1700000000.000400" {
		t.Errorf("message reply in thread %q; want 1700000000.000400", p.Get("thread_ts"))
	}
	api.noMorePosts(t)
}

func TestMentionInThreadUsesHistory(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	core := &gatedCore{Service: testcore.Service(t)}
	a := newAdapter(t, core, slack.Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	if err := a.Identify(context.Background()); err != nil {
		t.Fatal(err)
	}
	api.thread = []slackapi.Message{
		{Msg: slackapi.Msg{User: "U1", Text: "<@" + botUser + "> " + question, Timestamp: "1.1"}},
		{Msg: slackapi.Msg{User: botUser, BotID: "BBOT", Text: "Michael Fallon announced it [1].", Timestamp: "1.2", ThreadTimestamp: "1.1"}},
		{Msg: slackapi.Msg{User: "U1", Text: "<@" + botUser + "> and when?", Timestamp: "1.3", ThreadTimestamp: "1.1"}},
	}
	w := httptest.NewRecorder()
	r := signed(t, "/slack/events", mentionEvent("Ev9", "1.3", "1.1", "<@"+botUser+"> and when?"), time.Now(), secret)
	a.EventsHandler().ServeHTTP(w, r)
	if p := api.nextPost(t); p.Get("thread_ts") != "1.1" {
		t.Errorf("follow-up answered in thread %q; want 1.1", p.Get("thread_ts"))
	}
	core.mu.Lock()
	defer core.mu.Unlock()
	if len(core.history) != 1 || len(core.history[0]) != 1 || core.history[0][0].Question != question || !strings.Contains(core.history[0][0].Answer, "Fallon") {
		t.Errorf("history = %+v; want the one earlier turn", core.history)
	}
}

func TestSocketMode(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	h := newHooks(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: api.GetAPIURL()})
	stop := runSocketMode(t, a)
	defer stop()

	api.SendToWebsocket(slashEnvelope("env-1", h.URL))
	ack := awaitAck(t, api, "env-1")
	if !strings.Contains(ack, "Searching") {
		t.Errorf("ack of env-1 = %s; want an ephemeral Searching…", ack)
	}
	if m := h.next(t); m.Blocks == nil || len(m.Blocks.BlockSet) < 2 {
		t.Errorf("response_url got %+v; want cited blocks", m)
	}

	ev, _ := json.Marshal(map[string]any{
		"envelope_id": "env-2", "type": "events_api", "accepts_response_payload": false,
		"payload": json.RawMessage(mentionEvent("Ev7", "1700000000.000700", "", "<@"+botUser+"> "+question)),
	})
	api.SendToWebsocket(string(ev))
	awaitAck(t, api, "env-2")
	if p := api.nextPost(t); p.Get("thread_ts") != "1700000000.000700" {
		t.Errorf("socket mode mention answered in thread %q; want 1700000000.000700", p.Get("thread_ts"))
	}
}

// runSocketMode runs a's Socket Mode in the background; stop ends it
// and checks that it returned cleanly.
func runSocketMode(t *testing.T, a *slack.Adapter) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.RunSocketMode(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunSocketMode: %v", err)
		}
	}
}

// slashEnvelope is a Socket Mode envelope carrying /ask with question.
func slashEnvelope(id, responseURL string) string {
	b, _ := json.Marshal(map[string]any{
		"envelope_id": id, "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]string{"command": "/ask", "text": question, "user_id": "U1", "channel_id": "C1", "team_id": "T1", "response_url": responseURL},
	})
	return string(b)
}

// awaitAck drains slacktest's SeenFeed until the ack of envelope id.
func awaitAck(t *testing.T, api *fakeAPI, id string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-api.SeenFeed:
			if strings.Contains(m, `"envelope_id":"`+id+`"`) {
				return m
			}
		case <-timeout:
			t.Fatalf("no ack for envelope %s", id)
			return ""
		}
	}
}
