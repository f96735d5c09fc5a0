package slack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/internal/testcore"
)

// A signed /ask replayed byte for byte inside the signing window is
// acknowledged but not answered again.
func TestCommandReplayIgnored(t *testing.T) {
	verifyNoLeaks(t)
	h := newHooks(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{})
	body := commandBody(question, h.URL)
	at := time.Now()
	first := signed(t, "/slack/commands", body, at, secret)
	replay := signed(t, "/slack/commands", body, at, secret)
	w := httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, first)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Searching") {
		t.Fatalf("first command = %d %s; want Searching…", w.Code, w.Body)
	}
	h.next(t)
	w = httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, replay)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "Searching") {
		t.Errorf("replayed command = %d %s; want 200 without a new search", w.Code, w.Body)
	}
	select {
	case m := <-h.got:
		t.Errorf("replayed command posted again: %q", m.Text)
	case <-time.After(500 * time.Millisecond):
	}
	// The same question signed afresh (a new timestamp) is a new command.
	w = httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, signed(t, "/slack/commands", body, at.Add(time.Second), secret))
	if !strings.Contains(w.Body.String(), "Searching") {
		t.Errorf("new command = %s; want Searching…", w.Body)
	}
	h.next(t)
}

// Nothing from the bot's own user id is answered, with or without bot_id.
func TestOwnUserIgnored(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	h := newHooks(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	if err := a.Identify(context.Background()); err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(mentionEvent("EvSelf", "1700000000.000900", "", "<@"+botUser+"> "+question), `"user":"U1"`, `"user":"`+botUser+`"`, 1)
	if !strings.Contains(own, `"user":"`+botUser+`"`) || strings.Contains(own, "bot_id") {
		t.Fatalf("test event is not an app_mention from the bot's user without bot_id: %s", own)
	}
	r := signed(t, "/slack/events", own, time.Now(), secret)
	w := httptest.NewRecorder()
	a.EventsHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("own app_mention = %d; want 200", w.Code)
	}
	api.noMorePosts(t)

	cmd := strings.Replace(commandBody(question, h.URL), "user_id=U1", "user_id="+botUser, 1)
	w = httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, signed(t, "/slack/commands", cmd, time.Now(), secret))
	select {
	case m := <-h.got:
		t.Errorf("command from the bot's own user answered: %q", m.Text)
	case <-time.After(500 * time.Millisecond):
	}
}

// The response_url is a capability: when posting to it fails (net/http
// puts the URL in the error), the log line must not carry it, nor the
// bot token.
func TestCapabilityURLNotLogged(t *testing.T) {
	verifyNoLeaks(t)
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
			c.Close()
		}
	}))
	defer drop.Close()
	const capability = "/commands/T1/1234567/Zx9sEcReTcapabilityToken"
	var logs logtest.Buffer
	a := newLoggedAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{BotToken: "xoxb-1-2-bottokensecret"}, logtest.Logger(&logs))
	w := httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, signed(t, "/slack/commands", commandBody(question, drop.URL+capability), time.Now(), secret))
	if !strings.Contains(w.Body.String(), "Searching") {
		t.Fatalf("command = %s; want Searching…", w.Body)
	}
	logs.Await(t, "post to response_url failed")
	out := logs.String()
	for _, secret := range []string{"Zx9sEcReTcapabilityToken", "1234567", "bottokensecret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log output carries %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "request_id=") {
		t.Errorf("log output lacks the request id:\n%s", out)
	}
}

// A Socket Mode envelope delivered twice (Slack redelivers what it saw
// no ack for) is answered once.
func TestSocketModeRedeliveryIgnored(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	h := newHooks(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: api.GetAPIURL()})
	stop := runSocketMode(t, a)
	defer stop()
	payload := slashEnvelope("env-dup", h.URL)
	api.SendToWebsocket(payload)
	if ack := awaitAck(t, api, "env-dup"); !strings.Contains(ack, "Searching") {
		t.Fatalf("first ack = %s; want Searching…", ack)
	}
	h.next(t)
	api.SendToWebsocket(payload)
	if ack := awaitAck(t, api, "env-dup"); strings.Contains(ack, "Searching") {
		t.Errorf("redelivered envelope acked with %s; want a bare ack", ack)
	}
	select {
	case m := <-h.got:
		t.Errorf("redelivered envelope answered again: %q", m.Text)
	case <-time.After(500 * time.Millisecond):
	}
}
