package discord_test

import (
	"strings"
	"testing"

	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/internal/logtest"
	"github.com/coopbot/coopbot/internal/testcore"
)

// interactionToken has the shape of a real one: it lets whoever holds it
// answer the interaction for 15 minutes.
const interactionToken = "aW50ZXJhY3Rpb246MzAxOkZha2VUb2tlbkZvclRlc3RzT25seUFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OUFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFla"

func askInteraction(id, user, token string) map[string]any {
	return map[string]any{
		"id": id, "application_id": fakediscord.AppID, "type": 2, "token": token, "guild_id": "G1", "channel_id": "C1",
		"member": map[string]any{"user": map[string]any{"id": user}},
		"data": map[string]any{"id": "cmd", "name": "ask", "type": 1, "options": []any{
			map[string]any{"name": "question", "type": 3, "value": question},
		}},
	}
}

// When answering an interaction fails at the transport, the error (which
// net/http gives the request URL) is logged without the token.
func TestInteractionTokenNotLogged(t *testing.T) {
	var logs logtest.Buffer
	fake := startLogged(t, &recordingCore{Service: testcore.Service(t)}, discord.Options{}, logtest.Logger(&logs))
	fake.NextTo(t, "PUT", "/commands")
	fake.Drop("/callback")
	fake.Dispatch("INTERACTION_CREATE", askInteraction("501", "43", interactionToken))
	if r, _ := fake.NextTo(t, "POST", "/callback"); !strings.Contains(r.Path, interactionToken) {
		t.Fatalf("callback path %s does not carry the token; the test proves nothing", r.Path)
	}
	logs.Await(t, "defer interaction failed")
	out := logs.String()
	for _, secret := range []string{interactionToken, interactionToken[:40], "test-token"} {
		if strings.Contains(out, secret) {
			t.Errorf("log output carries %q:\n%s", secret, out)
		}
	}
}

// Nothing from the bot's own user id is answered: not a message (even
// one not flagged as a bot's), not /ask.
func TestOwnUserIgnored(t *testing.T) {
	fake := start(t, &recordingCore{Service: testcore.Service(t)}, discord.Options{})
	fake.NextTo(t, "PUT", "/commands")
	fake.Dispatch("MESSAGE_CREATE", message("601", fakediscord.BotID, false, "<@"+fakediscord.BotID+"> "+question, true))
	fake.Dispatch("INTERACTION_CREATE", askInteraction("602", fakediscord.BotID, "tok602"))
	fake.None(t)
}
