package discord_test

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// TestFrozenDatabase: with the PostgreSQL store behind a proxy that stops
// forwarding (a database stopped with SIGSTOP), an @mention and an /ask
// command are answered within STATEMENT_TIMEOUT + 1 s with a plain
// apology naming no host or port, and with citations again once the
// database resumes.
func TestFrozenDatabase(t *testing.T) {
	const timeout = time.Second
	ctx := context.Background()
	dbURL := pgtest.NewDB(t, "discord_frozen")
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy, via := pgtest.NewProxy(t, dbURL)
	st, err := postgres.Open(ctx, via, postgres.Options{Analyzer: snowball.New(), StatementTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	an, emb := snowball.New(), hash.New(hash.DefaultDims)
	p := ingest.Pipeline{Store: st, Embedder: emb, Logger: slog.New(slog.DiscardHandler)}
	if _, err := p.Run(ctx, ingest.RunOptions{FS: corpus.FS}); err != nil {
		t.Fatal(err)
	}
	fake := start(t, &recordingCore{Service: &retrieval.Service{Store: st, Embedder: emb, Analyzer: an}}, discord.Options{})
	// Closed before start's leak check runs.
	defer st.Close()
	fake.NextTo(t, "PUT", "/applications/"+fakediscord.AppID+"/commands")
	_, dbPort, _ := net.SplitHostPort(u.Host)
	_, proxyPort, _ := net.SplitHostPort(proxy.Addr())
	mention := func(id string) (sentMessage, []byte, time.Duration) {
		t.Helper()
		begin := time.Now()
		fake.Dispatch("MESSAGE_CREATE", message(id, "43", false, "<@"+fakediscord.BotID+"> "+question, true))
		r, _ := fake.NextTo(t, "POST", "/channels/C1/messages")
		var m sentMessage
		r.JSON(t, &m)
		return m, r.Body, time.Since(begin)
	}
	if m, raw, _ := mention("900"); len(m.Embeds) != 1 || len(m.Embeds[0].Fields) == 0 {
		t.Fatalf("reply before freezing = %s; want a cited embed", raw)
	}

	proxy.Freeze()
	limit := timeout + time.Second
	m, raw, took := mention("901")
	t.Logf("@mention with the database frozen: answered in %s: %s", took.Round(time.Millisecond), raw)
	if took > limit {
		t.Errorf("@mention with the database frozen answered after %s; want within %s", took, limit)
	}
	if m.Content == "" && len(m.Embeds) == 0 || len(m.Embeds) > 0 && len(m.Embeds[0].Fields) > 0 {
		t.Errorf("reply with the database frozen = %s; want an apology without citations", raw)
	}
	for _, leak := range []string{"127.0.0.1", dbPort, proxyPort, "postgres", "SQLSTATE"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("reply with the database frozen shows %q: %s", leak, raw)
		}
	}

	// /ask: the deferred response, then the edit, within the bound.
	begin := time.Now()
	fake.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": "902", "application_id": fakediscord.AppID, "type": 2, "token": "tok902", "guild_id": "G1", "channel_id": "C1",
		"member": map[string]any{"user": map[string]any{"id": "43"}},
		"data": map[string]any{"id": "cmd", "name": "ask", "type": 1, "options": []any{
			map[string]any{"name": "question", "type": 3, "value": question},
		}},
	})
	edit, _ := fake.NextTo(t, "PATCH", "/webhooks/"+fakediscord.AppID+"/tok902/messages/@original")
	took = time.Since(begin)
	t.Logf("/ask with the database frozen: answered in %s: %s", took.Round(time.Millisecond), edit.Body)
	if took > limit || strings.Contains(string(edit.Body), "127.0.0.1") || strings.Contains(string(edit.Body), proxyPort) {
		t.Errorf("/ask with the database frozen = %s after %s; want an apology without an address within %s", edit.Body, took, limit)
	}

	proxy.Thaw()
	// A new message each time: a message id is answered once.
	for id, deadline := 903, time.Now().Add(30*time.Second); ; id++ {
		m, raw, _ := mention(strconv.Itoa(id))
		if len(m.Embeds) == 1 && len(m.Embeds[0].Fields) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reply after the database resumed = %s; want citations again", raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
