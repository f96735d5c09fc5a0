package bot_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
)

// cite is what every surface must agree on about a citation.
type cite struct {
	N         int
	Title     string
	Date      string
	Paragraph int
}

var (
	slackCite   = regexp.MustCompile(`^\*\[(\d+)\] (.*)\*\n(\d{4}-\d{2}-\d{2}) · ¶(\d+)\n> `)
	discordName = regexp.MustCompile(`^\[(\d+)\] (.*)$`)
	discordVal  = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}) · ¶(\d+)\n> `)
)

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// TestCrossSurface: the same question yields the same citations (number,
// title, date, paragraph) in the `ask --json` Answer, the Slack blocks
// and the Discord embed.
func TestCrossSurface(t *testing.T) {
	const q = "What did Britain and Japan agree about a new air-to-air missile?"
	svc := testcore.Service(t)

	// ask --json: the Answer's JSON contract.
	a, err := svc.Ask(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(a)
	var asked struct {
		Citations []struct {
			N         int    `json:"n"`
			Title     string `json:"title"`
			Date      string `json:"date"`
			Paragraph int    `json:"paragraph"`
		} `json:"citations"`
	}
	if err := json.Unmarshal(raw, &asked); err != nil {
		t.Fatal(err)
	}
	var want []cite
	for _, c := range asked.Citations {
		want = append(want, cite{c.N, c.Title, c.Date, c.Paragraph})
	}
	if len(want) == 0 {
		t.Fatalf("ask gave no citations for %q", q)
	}

	b := bot.New(edge.New(svc, edge.Options{}), nil, bot.Options{})
	if got := slackCites(t, b, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Slack citations = %v; want %v", got, want)
	}
	if got := discordCites(t, b, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Discord citations = %v; want %v", got, want)
	}
}

func slackCites(t *testing.T, b *bot.Bot, q string) []cite {
	const secret = "cross-surface-secret"
	got := make(chan slackapi.WebhookMessage, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slackapi.WebhookMessage
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer hook.Close()
	a := slack.New(b, slack.Options{SigningSecret: secret})
	defer a.Close(context.Background())
	body := url.Values{"command": {"/ask"}, "text": {q}, "user_id": {"U1"}, "channel_id": {"C1"}, "response_url": {hook.URL}}.Encode()
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	w := httptest.NewRecorder()
	a.CommandsHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("slack command status %d", w.Code)
	}
	var m slackapi.WebhookMessage
	select {
	case m = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("slack: nothing posted to response_url")
	}
	var out []cite
	for _, bl := range m.Blocks.BlockSet {
		s, ok := bl.(*slackapi.SectionBlock)
		if !ok || !strings.HasPrefix(s.BlockID, "cite-") {
			continue
		}
		p := slackCite.FindStringSubmatch(s.Text.Text)
		if p == nil {
			t.Errorf("slack citation block %q has an unexpected shape", s.Text.Text)
			continue
		}
		out = append(out, cite{atoi(p[1]), unescape(p[2]), p[3], atoi(p[4])})
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func discordCites(t *testing.T, b *bot.Bot, q string) []cite {
	fake := fakediscord.New(t)
	a, err := discord.New(b, discord.Options{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	fake.Dispatch("MESSAGE_CREATE", map[string]any{
		"id": "1", "channel_id": "C1", "guild_id": "G1", "content": "<@" + fakediscord.BotID + "> " + q,
		"author":   map[string]any{"id": "7", "username": "asker"},
		"mentions": []any{map[string]any{"id": fakediscord.BotID}},
	})
	r, _ := fake.NextTo(t, "POST", "/channels/C1/messages")
	var m struct {
		Embeds []struct {
			Fields []struct{ Name, Value string } `json:"fields"`
		} `json:"embeds"`
	}
	r.JSON(t, &m)
	var out []cite
	for _, e := range m.Embeds {
		for _, f := range e.Fields {
			n, v := discordName.FindStringSubmatch(f.Name), discordVal.FindStringSubmatch(f.Value)
			if n == nil || v == nil {
				t.Errorf("discord citation field %q / %q has an unexpected shape", f.Name, f.Value)
				continue
			}
			out = append(out, cite{atoi(n[1]), n[2], v[1], atoi(v[2])})
		}
	}
	return out
}
