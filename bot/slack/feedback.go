package slack

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/feedback"
)

// Block ids and the action-id prefix of the feedback buttons.
const (
	feedbackBlock  = "feedback"
	feedbackNote   = "feedback-note"
	feedbackPrefix = "feedback:" // + feedback.Up or feedback.Down
)

// AnswerBlocks is Blocks for out's answer, with the feedback buttons
// under it when it can be voted on: 👍 and 👎 on an answer, "This should
// be covered" on a refusal. Two blocks are kept free, for the buttons
// and for the note a vote adds.
func AnswerBlocks(out bot.Outcome) []slack.Block {
	r := bot.FromAnswer(out.Answer)
	if !out.Votable {
		return Blocks(r)
	}
	return append(blocksWithin(r, MaxBlocks-2), FeedbackBlock(out.RequestID, r.Abstained))
}

// FeedbackBlock is the actions block of the vote buttons; each button's
// value is the answer's request id, which is its id in the answer log.
func FeedbackBlock(answerID string, abstained bool) *slack.ActionBlock {
	button := func(vote, label string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(feedbackPrefix+vote, answerID, slack.NewTextBlockObject(slack.PlainTextType, label, true, false))
	}
	if abstained {
		return slack.NewActionBlock(feedbackBlock, button(feedback.Down, "This should be covered"))
	}
	return slack.NewActionBlock(feedbackBlock, button(feedback.Up, "👍 Helpful"), button(feedback.Down, "👎 Not helpful"))
}

// Voted returns the message's blocks with note (the vote taken, or why
// not) in a context block just above the buttons, replacing an earlier
// note; the buttons stay, so the vote can be changed.
func Voted(blocks []slack.Block, note string) []slack.Block {
	out := make([]slack.Block, 0, len(blocks)+1)
	noteBlock := slack.NewContextBlock(feedbackNote, mrkdwn(fit(note, MaxTextLen)))
	placed := false
	for _, b := range blocks {
		if blockID(b) == feedbackNote {
			continue
		}
		if blockID(b) == feedbackBlock {
			out = append(out, noteBlock)
			placed = true
		}
		out = append(out, b)
	}
	if !placed {
		out = append(out, noteBlock)
	}
	return out
}

func blockID(b slack.Block) string {
	switch b := b.(type) {
	case *slack.ActionBlock:
		return b.BlockID
	case *slack.ContextBlock:
		return b.BlockID
	}
	return ""
}

// feedbackAction takes a vote from a feedback button and shows, in the
// message, that it was taken (or why not): chat.update for a message
// the bot posted, the payload's response_url otherwise (ephemeral
// answers, and when chat.update fails).
func (a *Adapter) feedbackAction(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
	vote := strings.TrimPrefix(act.ActionID, feedbackPrefix)
	note, err := a.bot.Vote(ctx, "slack", act.Value, cb.User.ID, vote)
	if err != nil {
		a.log.Info("vote not taken", "request_id", act.Value, "error", err)
	}
	blocks := Voted(cb.Message.Blocks.BlockSet, note)
	if len(cb.Message.Blocks.BlockSet) == 0 {
		// Slack sends no copy of an ephemeral message: answer the voter
		// alone, leaving the message as it is.
		a.deliver(ctx, cb.ResponseURL, &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: Escape(note)}, act.Value)
		return
	}
	if !cb.Container.IsEphemeral && cb.Message.Timestamp != "" && a.opts.BotToken != "" {
		_, _, _, err := a.api.UpdateMessageContext(ctx, cb.Channel.ID, cb.Message.Timestamp,
			slack.MsgOptionText(cb.Message.Text, false), slack.MsgOptionBlocks(blocks...))
		if err == nil {
			return
		}
		a.log.Warn("chat.update failed; replacing through response_url", "request_id", act.Value, "channel", cb.Channel.ID, "error", err)
	}
	a.deliver(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: cb.Message.Text, Blocks: &slack.Blocks{BlockSet: blocks}, ReplaceOriginal: true}, act.Value)
}
