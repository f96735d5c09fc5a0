package slack_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// TestHomeSuggestionsAnswer: each question the App Home suggests, read
// back from its button, is answered with citations — not refused — by the
// real core on the bundled corpus, through the path every surface takes.
func TestHomeSuggestionsAnswer(t *testing.T) {
	view := slack.HomeView(&bot.About{Total: 2, Passages: 40}, "/ask", "UBOT")
	if n := len(view.Blocks.BlockSet); n > 100 {
		t.Errorf("home view has %d blocks; want at most 100", n)
	}
	front := edge.New(testcore.Service(t), edge.Options{})
	asked := 0
	for _, b := range view.Blocks.BlockSet {
		s, ok := b.(*slackapi.SectionBlock)
		if !ok || s.Accessory == nil || s.Accessory.ButtonElement == nil {
			continue
		}
		btn := s.Accessory.ButtonElement
		i, err := strconv.Atoi(btn.Value)
		if btn.ActionID != slack.HomeActionID || err != nil || i < 0 || i >= len(bot.Suggestions) || s.Text.Text != slack.Escape(bot.Suggestions[i]) {
			t.Errorf("button %s=%q beside %q; want %s naming the suggestion shown", btn.ActionID, btn.Value, s.Text.Text, slack.HomeActionID)
			continue
		}
		asked++
		a, err := front.Ask(context.Background(), edge.Question{Surface: edge.SurfaceSlack, Text: bot.Suggestions[i]})
		if err != nil || a.Abstained || len(a.Citations) == 0 {
			t.Errorf("Ask(%q) = abstained %v, %d citations, %v; want a cited answer", bot.Suggestions[i], a.Abstained, len(a.Citations), err)
		}
	}
	if asked != 5 {
		t.Errorf("home view has %d suggestion buttons; want 5", asked)
	}
}

// TestHomeAnswerFollowUp: a reply in the thread of an answer that opened
// it (as an App Home button's does) is a follow-up of the question the
// answer shows.
func TestHomeAnswerFollowUp(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	core := &gatedCore{Service: testcore.Service(t)}
	a := newAdapter(t, core, slack.Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	if err := a.Identify(context.Background()); err != nil {
		t.Fatal(err)
	}
	ans, err := core.Service.Ask(context.Background(), question)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(slackapi.Blocks{BlockSet: slack.Blocks(bot.FromAnswer(ans))})
	var blocks slackapi.Blocks
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	api.thread = []slackapi.Message{
		{Msg: slackapi.Msg{User: botUser, BotID: "BBOT", Text: ans.Text, Timestamp: "2.1", Blocks: blocks}},
		{Msg: slackapi.Msg{User: "U1", Text: "and when?", Timestamp: "2.2", ThreadTimestamp: "2.1"}},
	}
	api.mu.Unlock()
	ev, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvF", "event_time": 1700000000,
		"event": map[string]any{"type": "message", "channel_type": "im", "user": "U1", "text": "and when?", "ts": "2.2", "thread_ts": "2.1", "channel": "D1"},
	})
	w := httptest.NewRecorder()
	a.EventsHandler().ServeHTTP(w, signed(t, "/slack/events", string(ev), time.Now(), secret))
	if p := api.nextPost(t); p.Get("channel") != "D1" || p.Get("thread_ts") != "2.1" {
		t.Errorf("follow-up posted to %q thread %q; want D1 thread 2.1", p.Get("channel"), p.Get("thread_ts"))
	}
	core.mu.Lock()
	defer core.mu.Unlock()
	if len(core.history) != 1 || len(core.history[0]) != 1 || core.history[0][0].Question != question || !strings.Contains(core.history[0][0].Answer, strings.Fields(ans.Text)[0]) {
		t.Errorf("history = %+v; want the one turn the opening answer shows", core.history)
	}
}

// TestHomeKnown: what the home says the bot knows, when the store cannot
// be read, is empty, or holds more documents than it lists.
func TestHomeKnown(t *testing.T) {
	var many []retrieval.Document
	for range 10 {
		many = append(many, retrieval.Document{ID: "d", Title: "A <b> & c", Date: "2016-01-08"})
	}
	for _, tc := range []struct {
		about *bot.About
		want  string
	}{
		{nil, "can't read my document list"},
		{&bot.About{}, "no documents yet"},
		{&bot.About{Total: 1, Passages: 3, Documents: many[:1]}, "*1 document*, 3 passages\n• *A &lt;b&gt; &amp; c* — 2016-01-08"},
		{&bot.About{Total: 12, Passages: 90, Documents: many, Updated: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}, "last refreshed 2026-01-02 03:04 UTC"},
		{&bot.About{Total: 12, Passages: 90, Documents: many}, "\n…and 2 more"},
	} {
		var text strings.Builder
		for _, b := range slack.HomeView(tc.about, "/ask", "").Blocks.BlockSet {
			if s, ok := b.(*slackapi.SectionBlock); ok {
				text.WriteString(s.Text.Text + "\n")
			}
		}
		if !strings.Contains(text.String(), tc.want) {
			t.Errorf("HomeView(%+v) = %q; want it to contain %q", tc.about, text.String(), tc.want)
		}
	}
}

// homePress is the block_actions payload of pressing suggestion i.
func homePress(i int) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U1"}, "trigger_id": "tr" + strconv.Itoa(i),
		"actions": []any{map[string]any{"type": "button", "action_id": slack.HomeActionID, "block_id": "suggest-" + strconv.Itoa(i), "value": strconv.Itoa(i), "action_ts": "1.2"}},
	}
}

// TestHomeButton: a signed press is answered in the presser's DM once —
// a replay of the same signed request, an unsigned one and an unknown
// suggestion are not — and a press over Socket Mode is answered too.
func TestHomeButton(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	a := newAdapter(t, &gatedCore{Service: testcore.Service(t)}, slack.Options{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: api.GetAPIURL()})
	body := func(i int) string {
		p, _ := json.Marshal(homePress(i))
		return url.Values{"payload": {string(p)}}.Encode()
	}
	at := time.Now()
	for _, tc := range []struct {
		name, body, key string
		want            int
	}{
		{"press", body(1), secret, 200},
		{"replay", body(1), secret, 200},
		{"unsigned", body(2), "not-the-secret", 401},
		{"unknown suggestion", body(99), secret, 200},
	} {
		w := httptest.NewRecorder()
		a.InteractionsHandler().ServeHTTP(w, signed(t, "/slack/interactions", tc.body, at, tc.key))
		if w.Code != tc.want {
			t.Errorf("%s: status %d; want %d", tc.name, w.Code, tc.want)
		}
	}
	if p := api.nextPost(t); p.Get("channel") != "U1" || !strings.Contains(p.Get("blocks"), "cite-1") {
		t.Errorf("press posted to %q: %.200s; want a cited answer in U1's DM", p.Get("channel"), p.Get("blocks"))
	}
	api.noMorePosts(t)

	stop := runSocketMode(t, a)
	defer stop()
	env, _ := json.Marshal(map[string]any{"envelope_id": "env-h", "type": "interactive", "accepts_response_payload": false, "payload": homePress(0)})
	api.SendToWebsocket(string(env))
	awaitAck(t, api, "env-h")
	if p := api.nextPost(t); p.Get("channel") != "U1" {
		t.Errorf("socket press posted to %q; want U1's DM", p.Get("channel"))
	}
}
