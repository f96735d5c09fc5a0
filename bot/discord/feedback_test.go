package discord_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/coopbot/coopbot/bot/discord"
	"github.com/coopbot/coopbot/bot/internal/fakediscord"
	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
)

// buttonsOf returns the custom ids of the buttons in a sent message.
func buttonsOf(t *testing.T, r fakediscord.Request) []string {
	t.Helper()
	var m struct {
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
				Label    string `json:"label"`
			} `json:"components"`
		} `json:"components"`
	}
	r.JSON(t, &m)
	var ids []string
	for _, row := range m.Components {
		for _, b := range row.Components {
			ids = append(ids, b.CustomID)
		}
	}
	return ids
}

// TestFeedbackComponents: the answer to a mention and to /ask carry vote
// buttons; pressing one is a component interaction answered with a
// deferred update, then the message shows the vote; a changed vote
// replaces it; an unknown answer gets a plain sentence.
func TestFeedbackComponents(t *testing.T) {
	l := feedback.New(feedback.NewMemory(0), feedback.Options{Key: []byte("k")})
	fake := startFront(t, edge.New(testcore.Service(t), edge.Options{AnswerLog: l}), discord.Options{}, nil)
	feedbacktest.Start(t, l) // after startFront: stopped before its leak check
	fake.NextTo(t, "PUT", "/commands")

	fake.Dispatch("MESSAGE_CREATE", message("701", "43", false, "<@"+fakediscord.BotID+"> "+question, true))
	r, _ := fake.NextTo(t, "POST", "/channels/C1/messages")
	ids := buttonsOf(t, r)
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "feedback:up:") || !strings.HasPrefix(ids[1], "feedback:down:") {
		t.Fatalf("mention answer buttons = %q; want feedback:up and feedback:down", ids)
	}
	answerID := strings.TrimPrefix(ids[0], "feedback:up:")

	press := func(id, customID string) string {
		fake.Dispatch("INTERACTION_CREATE", map[string]any{
			"id": id, "application_id": fakediscord.AppID, "type": 3, "token": "tok" + id, "guild_id": "G1", "channel_id": "C1",
			"member":  map[string]any{"user": map[string]any{"id": "44"}},
			"message": map[string]any{"id": "8000", "channel_id": "C1"},
			"data":    map[string]any{"custom_id": customID, "component_type": 2},
		})
		cb, _ := fake.NextTo(t, "POST", "/interactions/"+id+"/tok"+id+"/callback")
		var resp discordgo.InteractionResponse
		cb.JSON(t, &resp)
		if resp.Type != discordgo.InteractionResponseDeferredMessageUpdate {
			t.Errorf("press %s: response type %d; want a deferred update", customID, resp.Type)
		}
		edit, _ := fake.NextTo(t, "PATCH", "/webhooks/"+fakediscord.AppID+"/tok"+id+"/messages/@original")
		var m sentMessage
		edit.JSON(t, &m)
		checkNoMentions(t, edit.Body, m)
		return m.Content
	}
	steps := []struct{ id, customID, want string }{
		{"711", "feedback:up:" + answerID, "👍 recorded"},
		{"712", "feedback:down:" + answerID, "changed to 👎"},
		{"713", "feedback:up:r000000000000", "no longer in the log"},
	}
	for _, st := range steps {
		if got := press(st.id, st.customID); !strings.Contains(got, st.want) {
			t.Errorf("press %s: message content %q; want %q", st.customID, got, st.want)
		}
	}
	recs, _ := l.Since(context.Background(), time.Time{})
	if len(recs) != 1 || recs[0].Ups != 0 || recs[0].Downs != 1 {
		t.Errorf("log = %+v; want the one answer with one 👎", recs)
	}

	// /ask's deferred reply carries the buttons too.
	fake.Dispatch("INTERACTION_CREATE", askInteraction("720", "43", "tok720"))
	fake.NextTo(t, "POST", "/interactions/720/tok720/callback")
	edit, _ := fake.NextTo(t, "PATCH", "/webhooks/"+fakediscord.AppID+"/tok720/messages/@original")
	if ids := buttonsOf(t, edit); len(ids) != 2 {
		t.Errorf("/ask reply buttons = %q; want two", ids)
	}
}

func TestButtonsOnRefusal(t *testing.T) {
	rows := discord.Buttons("r1", true)
	row, ok := rows[0].(discordgo.ActionsRow)
	if !ok || len(row.Components) != 1 || row.Components[0].(discordgo.Button).Label != "This should be covered" {
		t.Errorf("Buttons(refusal) = %+v; want one \"This should be covered\"", rows)
	}
}
