package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/coopbot/coopbot/feedback"
)

// feedbackPrefix starts the custom id of a feedback button:
// "feedback:<vote>:<answer id>" (at most 100 characters, Discord's limit;
// request ids are 13).
const feedbackPrefix = "feedback:"

// Buttons is the row of vote buttons under the answer with request id
// answerID (its id in the answer log): 👍 and 👎 on an answer, "This
// should be covered" on a refusal.
func Buttons(answerID string, abstained bool) []discordgo.MessageComponent {
	button := func(vote, label string) discordgo.Button {
		return discordgo.Button{Label: label, Style: discordgo.SecondaryButton, CustomID: feedbackPrefix + vote + ":" + answerID}
	}
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{button(feedback.Up, "👍 Helpful"), button(feedback.Down, "👎 Not helpful")}}
	if abstained {
		row.Components = []discordgo.MessageComponent{button(feedback.Down, "This should be covered")}
	}
	return []discordgo.MessageComponent{row}
}

// parseFeedback splits a feedback button's custom id into vote and
// answer id; ok is false for any other component.
func parseFeedback(customID string) (vote, answerID string, ok bool) {
	rest, found := strings.CutPrefix(customID, feedbackPrefix)
	if !found {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

// answerComponent takes a vote from a feedback button: a deferred update
// at once (Discord wants an answer within 3 seconds), then the message's
// content set to the vote taken, or why not. The embed and the buttons
// stay, so the vote can be changed.
func (a *Adapter) answerComponent(ctx context.Context, i *discordgo.Interaction, user string) {
	vote, answerID, ok := parseFeedback(i.MessageComponentData().CustomID)
	if !ok {
		a.log.Info("ignored component with no handler", "custom_id", i.MessageComponentData().CustomID)
		return
	}
	if err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}, discordgo.WithContext(ctx)); err != nil {
		a.log.Error("defer component update failed", "request_id", answerID, "channel", i.ChannelID, "error", err)
		return
	}
	note, err := a.bot.Vote(ctx, "discord", answerID, user, vote)
	if err != nil {
		a.log.Info("vote not taken", "request_id", answerID, "error", err)
	}
	note = Content(note)
	if _, err := a.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &note, AllowedMentions: NoMentions()}, discordgo.WithContext(ctx)); err != nil {
		a.log.Error("show vote failed", "request_id", answerID, "channel", i.ChannelID, "error", err)
	}
}
