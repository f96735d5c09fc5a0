package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"go.uber.org/goleak"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

const question = "Which minister announced the Typhoon exercise plan?"

// recordingCore is the real core, recording the history of follow-ups.
type recordingCore struct {
	*retrieval.Service
	mu      sync.Mutex
	history [][]retrieval.Turn
}

func (c *recordingCore) AskFollowUp(ctx context.Context, h []retrieval.Turn, q string) (retrieval.Answer, error) {
	c.mu.Lock()
	c.history = append(c.history, h)
	c.mu.Unlock()
	return c.Service.AskFollowUp(ctx, h, q)
}

// start runs an adapter over core against a fresh fake Discord.
func start(t *testing.T, core edge.Core, opts discord.Options) *fakediscord.Server {
	t.Helper()
	return startLogged(t, core, opts, nil)
}

// startLogged is start with the bot logging to log.
func startLogged(t *testing.T, core edge.Core, opts discord.Options, log *slog.Logger) *fakediscord.Server {
	t.Helper()
	return startFront(t, edge.New(core, edge.Options{}), opts, log)
}

// startFront is startLogged with the bot asking through front.
func startFront(t *testing.T, front *edge.Front, opts discord.Options, log *slog.Logger) *fakediscord.Server {
	t.Helper()
	// The pool of testcore.DatabaseDown's store is closed by a cleanup
	// that runs after this one.
	t.Cleanup(func() {
		goleak.VerifyNone(t, goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
			goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"))
	})
	fake := fakediscord.New(t)
	ident := openAdapter(t, fake, front, opts, log)
	if ident.Intents&discordgo.IntentsGuildMessages == 0 || ident.Intents&discordgo.IntentsDirectMessages == 0 || ident.Intents&discordgo.IntentMessageContent != 0 {
		t.Errorf("intents = %b; want guild and direct messages without the privileged message content intent", ident.Intents)
	}
	return fake
}

// identify is what an adapter sent in IDENTIFY.
type identify struct {
	Intents discordgo.Intent `json:"intents"`
	Shard   [2]int           `json:"shard"`
}

// openAdapter connects an adapter asking through front to fake, closes it
// when t ends, and returns its IDENTIFY.
func openAdapter(t *testing.T, fake *fakediscord.Server, front *edge.Front, opts discord.Options, log *slog.Logger) identify {
	t.Helper()
	opts.Token = "test-token"
	a, err := discord.New(bot.New(front, log, bot.Options{RatePerMinute: 600, Burst: 20}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	var ident identify
	select {
	case raw := <-fake.Identify:
		if err := json.Unmarshal(raw, &ident); err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no IDENTIFY")
	}
	return ident
}

func message(id, author string, isBot bool, content string, mentionsBot bool) map[string]any {
	m := map[string]any{
		"id": id, "channel_id": "C1", "guild_id": "G1", "type": 0, "content": content,
		"author": map[string]any{"id": author, "username": "user" + author, "bot": isBot},
	}
	if mentionsBot {
		m["mentions"] = []any{map[string]any{"id": fakediscord.BotID, "username": "coopbot", "bot": true}}
	}
	return m
}

// sentMessage is a message the bot posted, decoded loosely.
type sentMessage struct {
	Content         string                      `json:"content"`
	Embeds          []discordgo.MessageEmbed    `json:"embeds"`
	AllowedMentions map[string]json.RawMessage  `json:"allowed_mentions"`
	Reference       *discordgo.MessageReference `json:"message_reference"`
}

func checkNoMentions(t *testing.T, raw []byte, m sentMessage) {
	t.Helper()
	if got := string(m.AllowedMentions["parse"]); got != "[]" {
		t.Errorf("allowed_mentions.parse = %s; want [] (explicitly empty)", got)
	}
	if strings.Contains(string(raw), "@everyone") || strings.Contains(string(raw), "@here") {
		t.Errorf("reply echoes a live mass mention: %s", raw)
	}
}

func TestMentionReply(t *testing.T) {
	fake := start(t, &recordingCore{Service: testcore.Service(t)}, discord.Options{GuildID: "G1"})
	if r, _ := fake.NextTo(t, "PUT", "/applications/"+fakediscord.AppID+"/guilds/G1/commands"); !strings.Contains(string(r.Body), `"name":"ask"`) {
		t.Errorf("registered commands %s; want /ask", r.Body)
	}

	// Ignored: a bot's message, a message without the mention (DMs:
	// dm_test.go).
	fake.Dispatch("MESSAGE_CREATE", message("101", "42", true, "<@"+fakediscord.BotID+"> "+question, true))
	fake.Dispatch("MESSAGE_CREATE", message("102", "43", false, question, false))
	fake.None(t)

	fake.Dispatch("MESSAGE_CREATE", message("104", "43", false, "<@"+fakediscord.BotID+"> "+question, true))
	r, skipped := fake.NextTo(t, "POST", "/channels/C1/messages")
	typing := false
	for _, s := range skipped {
		typing = typing || strings.HasSuffix(s.Path, "/channels/C1/typing")
	}
	if !typing {
		t.Errorf("no typing indicator before the reply (saw %v)", skipped)
	}
	var m sentMessage
	r.JSON(t, &m)
	if m.Reference == nil || m.Reference.MessageID != "104" {
		t.Errorf("message_reference = %+v; want a reply to 104", m.Reference)
	}
	checkNoMentions(t, r.Body, m)
	if len(m.Embeds) != 1 {
		t.Fatalf("%d embeds; want 1", len(m.Embeds))
	}
	e := m.Embeds[0]
	if e.Description == "" || len(e.Fields) == 0 {
		t.Errorf("embed = %+v; want an answer with citation fields", e)
	}
	for _, f := range e.Fields {
		if !strings.HasPrefix(f.Name, "[") || !strings.Contains(f.Value, "¶") {
			t.Errorf("citation field %q / %q lacks a number or paragraph", f.Name, f.Value)
		}
	}
	e2 := e
	if n := embedLen(&e2); n > discord.MaxEmbedTotal {
		t.Errorf("embed has %d characters; want at most %d", n, discord.MaxEmbedTotal)
	}
	fake.None(t)
}

func TestReplyChainHistory(t *testing.T) {
	core := &recordingCore{Service: testcore.Service(t)}
	fake := start(t, core, discord.Options{})
	fake.NextTo(t, "PUT", "/applications/"+fakediscord.AppID+"/commands")
	fake.AddMessage(&discordgo.Message{ID: "201", ChannelID: "C1", Author: &discordgo.User{ID: "43"}, Content: "<@" + fakediscord.BotID + "> " + question})
	fake.AddMessage(&discordgo.Message{ID: "202", ChannelID: "C1", Author: &discordgo.User{ID: fakediscord.BotID, Bot: true},
		Embeds:           []*discordgo.MessageEmbed{{Description: "Michael Fallon announced it [1]."}},
		MessageReference: &discordgo.MessageReference{MessageID: "201", ChannelID: "C1"}})
	follow := message("203", "43", false, "<@"+fakediscord.BotID+"> and when was that?", true)
	follow["message_reference"] = map[string]any{"message_id": "202", "channel_id": "C1"}
	fake.Dispatch("MESSAGE_CREATE", follow)
	fake.NextTo(t, "POST", "/channels/C1/messages")
	core.mu.Lock()
	defer core.mu.Unlock()
	if len(core.history) != 1 || len(core.history[0]) != 1 || core.history[0][0].Question != question || !strings.Contains(core.history[0][0].Answer, "Fallon") {
		t.Errorf("history = %+v; want the one earlier turn from the reply chain", core.history)
	}
}

func TestAskCommandDeferred(t *testing.T) {
	fake := start(t, &recordingCore{Service: testcore.Service(t)}, discord.Options{})
	fake.NextTo(t, "PUT", "/applications/"+fakediscord.AppID+"/commands")
	interaction := func(id, q string) map[string]any {
		return map[string]any{
			"id": id, "application_id": fakediscord.AppID, "type": 2, "token": "tok" + id, "guild_id": "G1", "channel_id": "C1",
			"member": map[string]any{"user": map[string]any{"id": "43"}},
			"data": map[string]any{"id": "cmd", "name": "ask", "type": 1, "options": []any{
				map[string]any{"name": "question", "type": 3, "value": q},
			}},
		}
	}
	fake.Dispatch("INTERACTION_CREATE", interaction("301", question))
	r := fake.Next(t)
	var resp discordgo.InteractionResponse
	r.JSON(t, &resp)
	if r.Path != "/interactions/301/tok301/callback" || resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("first call %s %s; want a deferred response", r.Method, r.Path)
	}
	r = fake.Next(t)
	if r.Method != "PATCH" || r.Path != "/webhooks/"+fakediscord.AppID+"/tok301/messages/@original" {
		t.Fatalf("second call %s %s; want the edit of @original", r.Method, r.Path)
	}
	var m sentMessage
	r.JSON(t, &m)
	checkNoMentions(t, r.Body, m)
	if len(m.Embeds) != 1 || len(m.Embeds[0].Fields) == 0 {
		t.Errorf("edited response %s; want a cited embed", r.Body)
	}

	fake.Dispatch("INTERACTION_CREATE", interaction("302", "help"))
	r = fake.Next(t)
	var help discordgo.InteractionResponse
	r.JSON(t, &help)
	if help.Type != discordgo.InteractionResponseChannelMessageWithSource || help.Data == nil || strings.Count(help.Data.Content, "• /ask ") != 3 || help.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("/ask help = %s; want an ephemeral usage with three examples", r.Body)
	}
}

// TestCorpusEveryone: a corpus passage containing "@everyone" reaches
// Discord with mention parsing off and the mention neutralized.
func TestCorpusEveryone(t *testing.T) {
	svc, _ := testcore.New(t)
	testcore.Add(t, svc, retrieval.Document{
		ID: "zz_everyone", Title: "Notice to all hands", Date: "2016-02-01",
		Text: "Attention @everyone: the Kestrel drill at Misawa airbase is postponed until March.\n\nPlease ping @here and <@&123456> roles.",
	})
	fake := start(t, svc, discord.Options{})
	fake.NextTo(t, "PUT", "/commands")
	fake.Dispatch("MESSAGE_CREATE", message("401", "43", false, "<@"+fakediscord.BotID+"> When is the Kestrel drill at Misawa airbase?", true))
	r, _ := fake.NextTo(t, "POST", "/channels/C1/messages")
	var m sentMessage
	r.JSON(t, &m)
	checkNoMentions(t, r.Body, m)
	quoted := false
	for _, e := range m.Embeds {
		for _, f := range e.Fields {
			quoted = quoted || (strings.Contains(f.Name, "Notice to all hands") && strings.Contains(f.Value, "@\u200beveryone"))
		}
	}
	if !quoted {
		t.Errorf("reply does not cite the passage with its mention neutralized: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "<@&123456>") {
		t.Errorf("reply echoes a live role mention: %s", r.Body)
	}
}

func TestEmbedLimits(t *testing.T) {
	r := bot.Reply{Question: strings.Repeat("why? ", 200), Text: strings.Repeat("A very long answer with words. ", 1000)}
	for i := 1; i <= 40; i++ {
		r.Citations = append(r.Citations, bot.Cite{N: i, Title: strings.Repeat("Title ", 80), Date: "2015-01-21", Paragraph: i, Quote: strings.Repeat("quote ", 600)})
	}
	e := discord.Embed(r)
	if n := bot.Len(e.Title); n > discord.MaxTitle {
		t.Errorf("title has %d characters; want at most %d", n, discord.MaxTitle)
	}
	if n := bot.Len(e.Description); n > discord.MaxDescription || n < 500 {
		t.Errorf("description has %d characters; want the answer kept within %d", n, discord.MaxDescription)
	}
	if len(e.Fields) > discord.MaxFields {
		t.Errorf("%d fields; want at most %d", len(e.Fields), discord.MaxFields)
	}
	for i, f := range e.Fields {
		if bot.Len(f.Name) > discord.MaxFieldName || bot.Len(f.Value) > discord.MaxFieldValue {
			t.Errorf("field %d has name %d / value %d characters; over the limits", i, bot.Len(f.Name), bot.Len(f.Value))
		}
		want := fmt.Sprintf("[%d] ", i+1)
		if !strings.HasPrefix(f.Name, want) || !strings.Contains(f.Value, fmt.Sprintf("2015-01-21 · ¶%d\n> ", i+1)) {
			t.Errorf("field %d is a broken citation: %q / %.60q", i, f.Name, f.Value)
		}
	}
	if n := embedLen(e); n > discord.MaxEmbedTotal {
		t.Errorf("embed has %d characters; want at most %d", n, discord.MaxEmbedTotal)
	}
	if c := discord.Content(strings.Repeat("x ", 3000)); bot.Len(c) > discord.MaxContent {
		t.Errorf("Content has %d characters; want at most %d", bot.Len(c), discord.MaxContent)
	}
}

// downText is the plain sentence a user reads when the database is down.
const downText = "The document store is not answering right now"

// checkDownReply fails unless text is the plain database-down sentence
// with a request id, and body carries no address or driver detail.
func checkDownReply(t *testing.T, what, text string, body []byte) {
	t.Helper()
	if !strings.Contains(text, downText) || !strings.Contains(text, "request id r") {
		t.Errorf("%s with the database down = %q; want %q with a request id", what, text, downText)
	}
	for _, leak := range []string{"127.0.0.1", "database at", "dial", "connection", "postgres", "EOF"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("%s with the database down leaks %q: %s", what, leak, body)
		}
	}
}

// TestDatabaseDown: with the real core over a PostgreSQL store whose
// database has gone away, a mention and /ask both get the plain sentence
// and a request id, never the database's address.
func TestDatabaseDown(t *testing.T) {
	fake := start(t, testcore.DatabaseDown(t), discord.Options{})
	fake.NextTo(t, "PUT", "/commands")

	fake.Dispatch("MESSAGE_CREATE", message("502", "43", false, "<@"+fakediscord.BotID+"> "+question, true))
	r, _ := fake.NextTo(t, "POST", "/channels/C1/messages")
	var m sentMessage
	r.JSON(t, &m)
	checkNoMentions(t, r.Body, m)
	if m.Reference == nil {
		t.Errorf("reply with the database down = %s; want it to reference the question", r.Body)
	}
	checkDownReply(t, "mention reply", m.Content, r.Body)

	fake.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": "601", "application_id": fakediscord.AppID, "type": 2, "token": "tok601", "guild_id": "G1", "channel_id": "C1",
		"member": map[string]any{"user": map[string]any{"id": "43"}},
		"data": map[string]any{"id": "cmd", "name": "ask", "type": 1, "options": []any{
			map[string]any{"name": "question", "type": 3, "value": question},
		}},
	})
	r, _ = fake.NextTo(t, "PATCH", "/messages/@original")
	var edit sentMessage
	r.JSON(t, &edit)
	checkDownReply(t, "/ask response", edit.Content, r.Body)
}

func TestAllowList(t *testing.T) {
	fake := start(t, testcore.Service(t), discord.Options{Channels: []string{"C1"}})
	fake.NextTo(t, "PUT", "/commands")
	other := message("501", "43", false, "<@"+fakediscord.BotID+"> "+question, true)
	other["channel_id"] = "C2"
	fake.Dispatch("MESSAGE_CREATE", other)
	fake.None(t)

	fake.Dispatch("MESSAGE_CREATE", message("502", "43", false, "<@"+fakediscord.BotID+"> "+question, true))
	r, _ := fake.NextTo(t, "POST", "/channels/C1/messages")
	var m sentMessage
	r.JSON(t, &m)
	if len(m.Embeds) != 1 || m.Reference == nil {
		t.Errorf("reply in an allowed channel = %s; want a referenced answer", r.Body)
	}
}

// embedLen is the length Discord counts against the 6,000 total.
func embedLen(e *discordgo.MessageEmbed) int {
	n := bot.Len(e.Title) + bot.Len(e.Description)
	for _, f := range e.Fields {
		n += bot.Len(f.Name) + bot.Len(f.Value)
	}
	if e.Footer != nil {
		n += bot.Len(e.Footer.Text)
	}
	if e.Author != nil {
		n += bot.Len(e.Author.Name)
	}
	return n
}
