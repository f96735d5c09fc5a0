package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/llm/openai/openaitest"
)

// slackEnv is the environment of a Slack app over HTTP whose Web API is
// fake (SLACK_API_URL) and whose answers come from the model srv.
func slackEnv(fake *fakeSlack, srv *openaitest.Server, pairs ...string) []string {
	return append([]string{
		"SLACK_BOT_TOKEN", "xoxb-test", "SLACK_API_URL", fake.GetAPIURL(),
		"CHAT_MODEL", testChatModel, "OPENAI_BASE_URL", srv.URL, "OPENAI_API_KEY", testAPIKey, "LLM_TIMEOUT", "10s",
	}, pairs...)
}

// quoting is a model that answers with the first sentence of source 1,
// cited, after delay; a rewrite request gets rewritten instead.
func quoting(delay time.Duration, rewritten string) func(openaitest.ChatRequest) openaitest.Reply {
	return func(r openaitest.ChatRequest) openaitest.Reply {
		if strings.Contains(r.Content("user"), "<conversation>") {
			return openaitest.Reply{Content: rewritten}
		}
		time.Sleep(delay)
		first, _, _ := strings.Cut(r.SourceTexts()[0], ". ")
		return openaitest.Reply{Content: strings.TrimSuffix(first, ".") + " [1]."}
	}
}

// checkCited asserts that blocks hold an answer and cited sources.
func checkCited(t *testing.T, what string, blocks []slackapi.Block) {
	t.Helper()
	ids := map[string]bool{}
	for _, b := range blocks {
		if s, ok := b.(*slackapi.SectionBlock); ok {
			ids[s.BlockID] = true
		}
	}
	if !ids["answer-1"] || !ids["cite-1"] {
		t.Errorf("%s: blocks %v; want an answer and citation 1", what, ids)
	}
}

// TestServeSlackDM: with SLACK_API_URL pointing at a fake Slack, a signed
// message.im from a person is answered in that DM (in the thread of the
// question) with cited blocks, through the real slack-go client; a DM
// from a bot, from the bot itself, or an edit, is not answered; a reply in
// the DM's thread is a follow-up, its earlier turn sent to the rewriter.
func TestServeSlackDM(t *testing.T) {
	fake, model := newFakeSlack(t), llmServer(t)
	const standalone = "Which minister announced the Typhoon exercise plan in Japan?"
	model.Default(quoting(0, standalone))
	srv, _ := startBotsServer(t, slackEnv(fake, model)...)

	postSignedEvent(t, srv.URL, callback("Ev1", dmEvent("U1", "1.000100", exampleQuestion)))
	c := fake.next(t)
	if c.Method != "chat.postMessage" || c.Form.Get("channel") != "D1" || c.Form.Get("thread_ts") != "1.000100" {
		t.Fatalf("DM answered with %s to %q thread %q; want chat.postMessage to D1 in thread 1.000100", c.Method, c.Form.Get("channel"), c.Form.Get("thread_ts"))
	}
	checkCited(t, "DM answer", c.Blocks(t))
	answerTS := c.TS

	for name, ev := range map[string]map[string]any{
		"from a bot":          dmEvent("U2", "1.000200", exampleQuestion, "bot_id", "B2"),
		"from the bot itself": dmEvent(slackBotUser, "1.000201", exampleQuestion),
		"an edit":             dmEvent("U1", "1.000202", exampleQuestion, "subtype", "message_changed"),
	} {
		postSignedEvent(t, srv.URL, callback("Ev-"+name, ev))
		fake.none(t, "DM "+name)
	}

	fake.mu.Lock()
	fake.thread = []slackapi.Message{
		{Msg: slackapi.Msg{User: "U1", Text: exampleQuestion, Timestamp: "1.000100"}},
		{Msg: slackapi.Msg{User: slackBotUser, BotID: "BBOT", Text: "Michael Fallon announced it [1].", Timestamp: answerTS, ThreadTimestamp: "1.000100"}},
		{Msg: slackapi.Msg{User: "U1", Text: "Who announced it?", Timestamp: "1.000300", ThreadTimestamp: "1.000100"}},
	}
	fake.mu.Unlock()
	before := len(model.ChatRequests())
	postSignedEvent(t, srv.URL, callback("Ev3", dmEvent("U1", "1.000300", "Who announced it?", "thread_ts", "1.000100")))
	if c := fake.next(t); c.Method != "chat.postMessage" || c.Form.Get("thread_ts") != "1.000100" {
		t.Errorf("follow-up answered with %s in thread %q; want chat.postMessage in 1.000100", c.Method, c.Form.Get("thread_ts"))
	}
	reqs := model.ChatRequests()[before:]
	if len(reqs) != 2 || !strings.Contains(reqs[0].Content("user"), exampleQuestion) || reqs[1].Question() != standalone {
		t.Errorf("follow-up sent %d chat requests; want the rewrite (with the earlier question %q), then the answer to %q", len(reqs), exampleQuestion, standalone)
	}
}

// TestServeSlackSlowAnswer: with a model that takes 4 s, a DM gets one
// placeholder after about 2 s saying how many passages were found (the
// number the model was sent), updated in place with the answer and no
// second message; /ask's "Searching…" is replaced by the same progress
// note, then by the answer.
func TestServeSlackSlowAnswer(t *testing.T) {
	fake, model := newFakeSlack(t), llmServer(t)
	model.Default(quoting(4*time.Second, ""))
	srv, _ := startBotsServer(t, slackEnv(fake, model, "SLACK_EPHEMERAL", "true")...)
	hook, hooks := newHook(t)

	start := time.Now()
	postSignedEvent(t, srv.URL, callback("Ev1", dmEvent("U1", "1.000100", exampleQuestion)))
	resp, err := srv.Client().Do(signedCommand(t, srv.URL, botsTestSecret, exampleQuestion, hook.URL, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var ack slackapi.Msg
	_ = json.NewDecoder(resp.Body).Decode(&ack)
	resp.Body.Close()
	if !strings.HasPrefix(ack.Text, "Searching…") {
		t.Errorf("/ask ack = %q; want Searching…", ack.Text)
	}

	placeholder := fake.next(t)
	reqs := model.ChatRequests()
	if len(reqs) == 0 {
		t.Fatal("the model got no request")
	}
	want := fmt.Sprintf("Found %d passages, writing the answer…", reqs[0].Sources())
	after := placeholder.At.Sub(start)
	t.Logf("placeholder after %v: %q", after, placeholder.Form.Get("text"))
	if placeholder.Method != "chat.postMessage" || placeholder.Form.Get("text") != want || placeholder.Form.Get("thread_ts") != "1.000100" {
		t.Errorf("first call %s %q in thread %q; want chat.postMessage %q in 1.000100", placeholder.Method, placeholder.Form.Get("text"), placeholder.Form.Get("thread_ts"), want)
	}
	if after < 1500*time.Millisecond || after > 3500*time.Millisecond {
		t.Errorf("placeholder after %v; want about 2 s", after)
	}
	answer := fake.next(t)
	if answer.Method != "chat.update" || answer.Form.Get("channel") != "D1" || answer.Form.Get("ts") != placeholder.TS {
		t.Fatalf("second call %s to %q ts %q; want chat.update of the placeholder %s in D1", answer.Method, answer.Form.Get("channel"), answer.Form.Get("ts"), placeholder.TS)
	}
	checkCited(t, "updated placeholder", answer.Blocks(t))
	fake.none(t, "after the answer")

	for i, check := range []func(slackapi.WebhookMessage) bool{
		func(m slackapi.WebhookMessage) bool { return m.ReplaceOriginal && m.Text == want && m.Blocks == nil },
		func(m slackapi.WebhookMessage) bool {
			return m.ReplaceOriginal && m.Blocks != nil && len(m.Blocks.BlockSet) > 1
		},
	} {
		select {
		case m := <-hooks:
			if !check(m) {
				t.Errorf("/ask response_url message %d = %+v; want the progress note, then the answer, each replacing the last", i+1, m)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("/ask response_url got %d messages; want 2", i)
		}
	}
	select {
	case m := <-hooks:
		t.Errorf("/ask response_url got a third message %+v", m)
	case <-time.After(300 * time.Millisecond):
	}
}

// homeText is the text of a views.publish call's sections, and the
// values of its buttons by action_id.
func homeText(t *testing.T, c slackCall) (user, text string, buttons map[string][]string) {
	t.Helper()
	var req struct {
		UserID string `json:"user_id"`
		View   struct {
			Type   string          `json:"type"`
			Blocks slackapi.Blocks `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal(c.Body, &req); err != nil || req.View.Type != "home" {
		t.Fatalf("views.publish body %s (%v); want a home view", c.Body, err)
	}
	var b strings.Builder
	buttons = map[string][]string{}
	for _, blk := range req.View.Blocks.BlockSet {
		s, ok := blk.(*slackapi.SectionBlock)
		if !ok {
			continue
		}
		b.WriteString(s.Text.Text + "\n")
		if s.Accessory != nil && s.Accessory.ButtonElement != nil {
			buttons[s.Accessory.ButtonElement.ActionID] = append(buttons[s.Accessory.ButtonElement.ActionID], s.Accessory.ButtonElement.Value)
		}
	}
	return req.UserID, b.String(), buttons
}

// TestServeSlackHome: app_home_opened publishes the App Home for the user,
// naming every bundled report by title and date with the counts and the
// last refresh, with five "Ask in my DM" buttons; pressing one (a signed
// block_actions) posts the cited answer to that suggestion in the user's
// DM, as a message of its own.
func TestServeSlackHome(t *testing.T) {
	fake := newFakeSlack(t)
	srv, _ := startBotsServer(t, "SLACK_BOT_TOKEN", "xoxb-test", "SLACK_API_URL", fake.GetAPIURL())
	postSignedEvent(t, srv.URL, callback("EvH", map[string]any{"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.1"}))
	c := fake.next(t)
	if c.Method != "views.publish" {
		t.Fatalf("app_home_opened made %s; want views.publish", c.Method)
	}
	user, text, buttons := homeText(t, c)
	docs, errs := ingest.LoadFS(corpus.FS, ".")
	if len(errs) > 0 || len(docs) != 2 {
		t.Fatalf("bundled corpus: %d documents, %v", len(docs), errs)
	}
	wants := []string{"2 documents", "passages", "last refreshed ", "/ask <question>", "<@" + slackBotUser + ">", "Messages"}
	for _, d := range docs {
		wants = append(wants, d.Title+"* — "+d.Date)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("home view lacks %q:\n%s", w, text)
		}
	}
	if user != "U1" || len(buttons["home_ask"]) != 5 {
		t.Errorf("home view for %q with buttons %v; want U1's, with five home_ask buttons", user, buttons)
	}

	postSignedAction(t, srv.URL, map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U1"}, "trigger_id": "tr1",
		"actions": []any{map[string]any{"type": "button", "action_id": "home_ask", "block_id": "suggest-3", "value": "3", "action_ts": "1.2"}},
	})
	c = fake.next(t)
	if c.Method != "chat.postMessage" || c.Form.Get("channel") != "U1" || c.Form.Get("thread_ts") != "" {
		t.Fatalf("button made %s to %q thread %q; want chat.postMessage to U1's DM, not in a thread", c.Method, c.Form.Get("channel"), c.Form.Get("thread_ts"))
	}
	blocks := c.Blocks(t)
	checkCited(t, "answer to a suggestion", blocks)
	if q, ok := blocks[0].(*slackapi.ContextBlock); !ok || !strings.Contains(fmt.Sprint(q.ContextElements.Elements[0]), "UK government decide to acquire") {
		t.Errorf("answer's first block %+v; want the suggestion it answers", blocks[0])
	}
	fake.none(t, "after the button")
}
