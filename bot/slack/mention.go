package slack

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/retrieval"
)

// maxHistory bounds the earlier turns used for a follow-up.
const maxHistory = 6

// mention is a message addressed to the bot.
type mention struct {
	user, channel, text, ts, threadTS string
}

// event dispatches an Events API callback: app_mention, or a message that
// mentions the bot (the same message can arrive as both; it is answered
// once, keyed by channel and timestamp).
func (a *Adapter) event(ev slackevents.EventsAPIEvent) {
	var m mention
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || a.self(e.User) {
			return
		}
		m = mention{user: e.User, channel: e.Channel, text: e.Text, ts: e.TimeStamp, threadTS: e.ThreadTimeStamp}
	case *slackevents.MessageEvent:
		id := a.botUserID()
		if e.BotID != "" || e.SubType != "" || id == "" || e.User == id || !strings.Contains(e.Text, "<@"+id) {
			return
		}
		if e.ChannelType == slackevents.ChannelTypeIM {
			return // direct messages are not answered; use /ask
		}
		m = mention{user: e.User, channel: e.Channel, text: e.Text, ts: e.TimeStamp, threadTS: e.ThreadTimeStamp}
	default:
		return
	}
	if a.dedupe.Seen("msg:" + m.channel + ":" + m.ts) {
		return
	}
	if !a.allow.Allows(m.channel) {
		a.log.Info("ignored mention outside allowed channels", "channel", m.channel, "user", m.user)
		return
	}
	a.spawn(func(ctx context.Context) { a.answerMention(ctx, m) })
}

// answerMention answers m in its thread, using the thread's earlier turns
// as history when m is itself in a thread.
func (a *Adapter) answerMention(ctx context.Context, m mention) {
	botID := a.botUserID()
	req := bot.Request{Platform: "slack", Surface: "mention", UserID: m.user, ChannelID: m.channel, Question: Unescape(bot.StripChatMarkup(m.text))}
	thread := m.threadTS
	if thread == "" {
		thread = m.ts
	}
	out, ok := a.bot.Precheck(req)
	if ok {
		if m.threadTS != "" {
			h, err := a.history(ctx, m.channel, m.threadTS, m.ts, botID)
			if err != nil {
				a.log.Warn("read thread for history failed; answering without it", "request_id", out.RequestID, "channel", m.channel, "error", err)
			}
			req.History = h
		}
		out = a.bot.Answer(ctx, out.RequestID, req)
	}
	opts := []slack.MsgOption{slack.MsgOptionTS(thread), slack.MsgOptionDisableLinkUnfurl()}
	if out.Kind == bot.KindAnswer {
		r := bot.FromAnswer(out.Answer)
		opts = append(opts, slack.MsgOptionText(Fallback(r), false), slack.MsgOptionBlocks(AnswerBlocks(out)...))
	} else {
		opts = append(opts, slack.MsgOptionText(Escape(out.Text), false))
	}
	if _, _, err := a.api.PostMessageContext(ctx, m.channel, opts...); err != nil {
		a.log.Error("chat.postMessage failed", "request_id", out.RequestID, "channel", m.channel, "error", err)
	}
}

// history reads the thread and pairs each question put to the bot with the
// bot's reply that follows it, oldest first, excluding the message being
// answered (ts).
func (a *Adapter) history(ctx context.Context, channel, threadTS, ts, botID string) ([]retrieval.Turn, error) {
	msgs, _, _, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: threadTS, Limit: 100})
	if err != nil {
		return nil, err
	}
	var turns []retrieval.Turn
	pending := ""
	for _, msg := range msgs {
		if msg.Timestamp == ts {
			break
		}
		fromBot := msg.BotID != "" || (botID != "" && msg.User == botID)
		switch {
		case fromBot && pending != "":
			turns = append(turns, retrieval.Turn{Question: pending, Answer: strings.TrimSpace(msg.Text)})
			pending = ""
		case !fromBot && (botID == "" || strings.Contains(msg.Text, "<@"+botID)):
			pending = Unescape(bot.StripChatMarkup(msg.Text))
		}
	}
	if len(turns) > maxHistory {
		turns = turns[len(turns)-maxHistory:]
	}
	return turns, nil
}
