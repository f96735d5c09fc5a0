package discord_test

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/internal/testcore"
)

// dmMessage is a MESSAGE_CREATE in the DM channel D1: no guild id, and
// no mention needed.
func dmMessage(id, author string, isBot bool, content string) map[string]any {
	m := message(id, author, isBot, content, false)
	delete(m, "guild_id")
	m["channel_id"] = "D1"
	return m
}

// TestDirectMessage: IDENTIFY carries the direct-messages intent (checked
// by start); a DM from a person is answered in the DM with a cited embed
// replying to it, even with a channel allow-list; a DM from a bot or from
// the bot itself is not; a reply to the bot's answer is a follow-up.
func TestDirectMessage(t *testing.T) {
	core := &recordingCore{Service: testcore.Service(t)}
	fake := start(t, core, discord.Options{Channels: []string{"C1"}})
	if r, _ := fake.NextTo(t, "PUT", "/applications/"+fakediscord.AppID+"/commands"); !strings.Contains(string(r.Body), `"contexts":[0,1]`) {
		t.Errorf("registered commands %s; want /ask usable in guilds and bot DMs (contexts 0 and 1)", r.Body)
	}

	fake.Dispatch("MESSAGE_CREATE", dmMessage("701", "42", true, question))
	fake.Dispatch("MESSAGE_CREATE", dmMessage("702", fakediscord.BotID, false, question))
	fake.None(t)

	fake.Dispatch("MESSAGE_CREATE", dmMessage("703", "43", false, question))
	r, _ := fake.NextTo(t, "POST", "/channels/D1/messages")
	var m sentMessage
	r.JSON(t, &m)
	checkNoMentions(t, r.Body, m)
	if m.Reference == nil || m.Reference.MessageID != "703" || len(m.Embeds) != 1 || len(m.Embeds[0].Fields) == 0 {
		t.Fatalf("DM reply %s; want a cited embed replying to 703", r.Body)
	}

	fake.AddMessage(&discordgo.Message{ID: "703", ChannelID: "D1", Author: &discordgo.User{ID: "43"}, Content: question})
	fake.AddMessage(&discordgo.Message{ID: "704", ChannelID: "D1", Author: &discordgo.User{ID: fakediscord.BotID, Bot: true},
		Embeds: []*discordgo.MessageEmbed{&m.Embeds[0]}, MessageReference: &discordgo.MessageReference{MessageID: "703", ChannelID: "D1"}})
	follow := dmMessage("705", "43", false, "and when was that?")
	follow["type"] = int(discordgo.MessageTypeReply)
	follow["message_reference"] = map[string]any{"message_id": "704", "channel_id": "D1"}
	fake.Dispatch("MESSAGE_CREATE", follow)
	fake.NextTo(t, "POST", "/channels/D1/messages")
	core.mu.Lock()
	defer core.mu.Unlock()
	if len(core.history) != 1 || len(core.history[0]) != 1 || core.history[0][0].Question != question {
		t.Errorf("history = %+v; want the DM's earlier turn from the reply chain", core.history)
	}
}

// TestAskCommandInDM: /ask in a DM (a user, no member or guild id) gets
// the deferred response edited with the answer, allow-list or not.
func TestAskCommandInDM(t *testing.T) {
	fake := start(t, testcore.Service(t), discord.Options{Channels: []string{"C1"}})
	fake.NextTo(t, "PUT", "/commands")
	fake.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": "801", "application_id": fakediscord.AppID, "type": 2, "token": "tok801", "channel_id": "D1", "context": 1,
		"user": map[string]any{"id": "43"},
		"data": map[string]any{"id": "cmd", "name": "ask", "type": 1, "options": []any{
			map[string]any{"name": "question", "type": 3, "value": question},
		}},
	})
	r := fake.Next(t)
	var resp discordgo.InteractionResponse
	r.JSON(t, &resp)
	if resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("first call %s %s %s; want a deferred response", r.Method, r.Path, r.Body)
	}
	r, _ = fake.NextTo(t, "PATCH", "/messages/@original")
	var m sentMessage
	r.JSON(t, &m)
	if len(m.Embeds) != 1 || len(m.Embeds[0].Fields) == 0 {
		t.Errorf("edited response %s; want a cited embed", r.Body)
	}
}
