package bot_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/hostile"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// got is what a surface replied, classified.
type got struct {
	kind     string   // "answered", "abstained", "refused", "failed"
	payloads [][]byte // every JSON payload sent to the platform
}

// check asserts the outcome matches want and that no payload carries a
// live mention (or, on Discord, a masked link).
func (g got) check(t *testing.T, surface string, c hostile.Case, want hostile.Want, discordLinks bool) {
	t.Helper()
	switch {
	case g.kind == "failed":
		t.Errorf("%s(%s): the reply is a failure apology; want %s", surface, c.Name, want)
	case want == hostile.Refused && g.kind != "refused":
		t.Errorf("%s(%s) = %s; want a clear refusal", surface, c.Name, g.kind)
	case want == hostile.Answered && g.kind != "answered":
		t.Errorf("%s(%s) = %s; want an answer with citations", surface, c.Name, g.kind)
	}
	for _, p := range g.payloads {
		for _, s := range hostile.Strings(p) {
			if m := hostile.LiveMention(s); m != "" {
				t.Errorf("%s(%s): reply has a live mention %q in %q", surface, c.Name, m, s)
			}
			if l := hostile.MaskedLink(s); discordLinks && l != "" {
				t.Errorf("%s(%s): reply has a masked link %q in %q", surface, c.Name, l, s)
			}
		}
	}
}

// failure reports whether a chat text is an apology for a failure (as
// opposed to a refusal that explains what to do).
func failure(text string) bool { return strings.HasPrefix(text, "Sorry,") }

// TestHostileQuestionsChat puts every hostile question to Slack (/ask and
// app_mention) and Discord (mention and /ask) through their real adapters
// over the real core: each gets a clear refusal, an answer or a safe
// abstention as the table says, chat mentions around a real question are
// stripped before retrieval (so it is still answered), and no reply can
// ping anyone.
func TestHostileQuestionsChat(t *testing.T) {
	b := bot.New(edge.New(testcore.Service(t), edge.Options{}), nil, bot.Options{})
	sc := newSlackSurfaces(t, b)
	dc := newDiscordSurfaces(t, b)
	for i, c := range hostile.Cases() {
		sc.command(t, c.Question).check(t, "slack /ask", c, c.Chat, false)
		sc.mention(t, i, c.Question).check(t, "slack app_mention", c, c.Chat, false)
		dc.mention(t, i, c.Question).check(t, "discord mention", c, c.Chat, true)
		dc.command(t, i, c.Question).check(t, "discord /ask", c, c.Chat, true)
	}
}

type slackSurfaces struct {
	a     *slack.Adapter
	hooks chan []byte
	hook  string
	posts chan url.Values
}

const hostileSecret = "hostile-secret"

func newSlackSurfaces(t *testing.T, b *bot.Bot) *slackSurfaces {
	s := &slackSurfaces{hooks: make(chan []byte, 10), posts: make(chan url.Values, 10)}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		s.hooks <- raw
	}))
	t.Cleanup(hook.Close)
	s.hook = hook.URL
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			s.posts <- r.PostForm
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000100.000100"}`, r.PostForm.Get("channel"))
		})
	})
	api.Start()
	t.Cleanup(api.Stop)
	s.a = slack.New(b, slack.Options{SigningSecret: hostileSecret, BotToken: "xoxb-hostile", APIURL: api.GetAPIURL()})
	t.Cleanup(func() { _ = s.a.Close(context.Background()) })
	return s
}

func (s *slackSurfaces) command(t *testing.T, q string) got {
	t.Helper()
	body := url.Values{"command": {"/ask"}, "text": {q}, "user_id": {"U1"}, "channel_id": {"C1"}, "response_url": {s.hook}}.Encode()
	r := signedRequest(t, "/slack/commands", body)
	w := httptest.NewRecorder()
	s.a.CommandsHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("slack /ask %q: status %d", q, w.Code)
	}
	ack := w.Body.Bytes()
	var msg struct{ Text string }
	_ = json.Unmarshal(ack, &msg)
	if !strings.HasPrefix(msg.Text, "Searching…") {
		return got{kind: "refused", payloads: [][]byte{ack}}
	}
	var raw []byte
	select {
	case raw = <-s.hooks:
	case <-time.After(60 * time.Second):
		t.Fatalf("slack /ask %q: nothing posted to response_url", q)
	}
	var m struct {
		Text   string
		Blocks []struct {
			BlockID string `json:"block_id"`
		}
	}
	_ = json.Unmarshal(raw, &m)
	return got{kind: slackKind(m.Text, len(m.Blocks) > 0, hasCite(m.Blocks)), payloads: [][]byte{ack, raw}}
}

func hasCite(blocks []struct {
	BlockID string `json:"block_id"`
}) bool {
	for _, b := range blocks {
		if strings.HasPrefix(b.BlockID, "cite-") {
			return true
		}
	}
	return false
}

func slackKind(text string, blocks, cites bool) string {
	switch {
	case cites:
		return "answered"
	case blocks:
		return "abstained"
	case failure(text):
		return "failed"
	}
	return "refused"
}

func (s *slackSurfaces) mention(t *testing.T, i int, q string) got {
	t.Helper()
	ts := fmt.Sprintf("1700000000.%06d", i)
	ev, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev" + ts, "event_time": 1700000000,
		"event": map[string]any{"type": "app_mention", "user": "U1", "text": "<@UBOT> " + q, "ts": ts, "channel": "C1", "event_ts": ts},
	})
	r := signedRequest(t, "/slack/events", string(ev))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.a.EventsHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("slack app_mention %q: status %d", q, w.Code)
	}
	var p url.Values
	select {
	case p = <-s.posts:
	case <-time.After(60 * time.Second):
		t.Fatalf("slack app_mention %q: no chat.postMessage", q)
	}
	var blocks []struct {
		BlockID string `json:"block_id"`
	}
	_ = json.Unmarshal([]byte(p.Get("blocks")), &blocks)
	text, _ := json.Marshal(p.Get("text"))
	payloads := [][]byte{text}
	if b := p.Get("blocks"); b != "" {
		payloads = append(payloads, []byte(b))
	}
	return got{kind: slackKind(p.Get("text"), len(blocks) > 0, hasCite(blocks)), payloads: payloads}
}

func signedRequest(t *testing.T, path, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	ts := fmt.Sprint(time.Now().Unix())
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", sign(hostileSecret, ts, body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

type discordSurfaces struct{ fake *fakediscord.Server }

func newDiscordSurfaces(t *testing.T, b *bot.Bot) *discordSurfaces {
	fake := fakediscord.New(t)
	a, err := discord.New(b, discord.Options{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	fake.NextTo(t, "PUT", "/commands")
	return &discordSurfaces{fake: fake}
}

// discordMessage is a message or interaction edit the bot sent.
type discordMessage struct {
	Content string `json:"content"`
	Embeds  []struct {
		Fields []json.RawMessage `json:"fields"`
	} `json:"embeds"`
	AllowedMentions *struct {
		Parse *[]string `json:"parse"`
	} `json:"allowed_mentions"`
	Data *discordMessage `json:"data"` // interaction responses
}

func (d *discordSurfaces) classify(t *testing.T, surface, q string, raws ...[]byte) got {
	t.Helper()
	g := got{payloads: raws}
	last := raws[len(raws)-1]
	var m discordMessage
	if err := json.Unmarshal(last, &m); err != nil {
		t.Fatalf("%s %q: reply %s: %v", surface, q, last, err)
	}
	if m.Data != nil {
		m = *m.Data
	}
	if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(*m.AllowedMentions.Parse) != 0 {
		t.Errorf("%s %q: reply %s lacks allowed_mentions.parse = []", surface, q, last)
	}
	switch {
	case len(m.Embeds) > 0 && len(m.Embeds[0].Fields) > 0:
		g.kind = "answered"
	case len(m.Embeds) > 0:
		g.kind = "abstained"
	case failure(m.Content):
		g.kind = "failed"
	default:
		g.kind = "refused"
	}
	return g
}

func (d *discordSurfaces) mention(t *testing.T, i int, q string) got {
	t.Helper()
	d.fake.Dispatch("MESSAGE_CREATE", map[string]any{
		"id": fmt.Sprint(1000 + i), "channel_id": "C1", "guild_id": "G1", "content": "<@" + fakediscord.BotID + "> " + q,
		"author":   map[string]any{"id": "7", "username": "asker"},
		"mentions": []any{map[string]any{"id": fakediscord.BotID}},
	})
	r, _ := d.fake.NextTo(t, "POST", "/channels/C1/messages")
	return d.classify(t, "discord mention", q, r.Body)
}

func (d *discordSurfaces) command(t *testing.T, i int, q string) got {
	t.Helper()
	id := fmt.Sprint(2000 + i)
	d.fake.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": id, "application_id": fakediscord.AppID, "type": 2, "token": "tok" + id, "guild_id": "G1", "channel_id": "C1",
		"member": map[string]any{"user": map[string]any{"id": "43"}},
		"data": map[string]any{"id": "cmd", "name": "ask", "type": 1, "options": []any{
			map[string]any{"name": "question", "type": 3, "value": q},
		}},
	})
	r := d.fake.Next(t)
	var resp struct {
		Type int `json:"type"`
	}
	r.JSON(t, &resp)
	if resp.Type != 5 { // not deferred: an immediate (ephemeral) reply
		return d.classify(t, "discord /ask", q, r.Body)
	}
	edit := d.fake.Next(t)
	return d.classify(t, "discord /ask", q, edit.Body)
}

// TestMentionsAroundQuestionDoNotChangeAnswer: a real question with
// @everyone, <!channel> or user tokens around it gets the same citations
// as the bare question.
func TestMentionsAroundQuestionDoNotChangeAnswer(t *testing.T) {
	svc := testcore.Service(t)
	b := bot.New(edge.New(svc, edge.Options{}), nil, bot.Options{})
	want, err := svc.Ask(context.Background(), hostile.Real)
	if err != nil || len(want.Citations) == 0 {
		t.Fatalf("Ask(%q) = %v, %v; want citations", hostile.Real, want, err)
	}
	for _, q := range []string{
		hostile.Real + " @everyone", "@here " + hostile.Real, "<!channel> " + hostile.Real + " <!here>",
		"<@U1> <@!2> <@&3> <#C4|general> " + hostile.Real, "<!subteam^S1|@devs> " + hostile.Real,
	} {
		out := b.Answer(context.Background(), "", bot.Request{Platform: "test", Question: q})
		if out.Kind != bot.KindAnswer || out.Answer.Abstained {
			t.Errorf("Answer(%q) = kind %d abstained %v (%s); want an answer", q, out.Kind, out.Answer.Abstained, out.Text)
			continue
		}
		if g, w := citeKeys(out.Answer), citeKeys(want); g != w {
			t.Errorf("Answer(%q) cites %s; want %s", q, g, w)
		}
	}
}

func citeKeys(a retrieval.Answer) string {
	var k []string
	for _, c := range a.Citations {
		k = append(k, fmt.Sprintf("%s¶%d", c.DocumentID, c.Paragraph))
	}
	return strings.Join(k, ",")
}

// sign returns Slack's v0 signature of body at timestamp ts.
func sign(secret, ts, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
