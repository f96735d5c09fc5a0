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

// mention is a message addressed to the bot: one that mentions it, or
// any message in a direct message with it (dm).
type mention struct {
	user, channel, text, ts, threadTS string
	dm                                bool
}

// event dispatches an Events API callback: app_mention, a message that
// mentions the bot (the same message can arrive as both; it is answered
// once, keyed by channel and timestamp), or a direct message from a
// person (message.im, no mention needed).
func (a *Adapter) event(ctx context.Context, ev slackevents.EventsAPIEvent) {
	var m mention
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || a.self(e.User) {
			return
		}
		m = mention{user: e.User, channel: e.Channel, text: e.Text, ts: e.TimeStamp, threadTS: e.ThreadTimeStamp}
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab == "home" && e.User != "" && !a.self(e.User) {
			a.spawn(func(ctx context.Context) { a.publishHome(ctx, e.User) })
		}
		return
	case *slackevents.MessageEvent:
		// A subtype is an edit, a deletion, a join, a bot's post…: never
		// a question. The bot's own replies in a DM come back as
		// message.im with its bot id, or at least its user id.
		if e.BotID != "" || e.SubType != "" || e.User == "" || a.self(e.User) {
			return
		}
		dm := e.ChannelType == slackevents.ChannelTypeIM
		if id := a.botUserID(); !dm && (id == "" || !strings.Contains(e.Text, "<@"+id)) {
			return
		}
		m = mention{user: e.User, channel: e.Channel, text: e.Text, ts: e.TimeStamp, threadTS: e.ThreadTimeStamp, dm: dm}
	default:
		return
	}
	if !a.claim(ctx, "msg:"+m.channel+":"+m.ts) {
		return
	}
	// The allow-list names the channels the bot may answer in where
	// others read along; a DM is read by the asker alone.
	if !m.dm && !a.allow.Allows(m.channel) {
		a.log.Info("ignored mention outside allowed channels", "channel", m.channel, "user", m.user)
		return
	}
	a.spawn(func(ctx context.Context) { a.answerMention(ctx, m) })
}

// answerMention answers m in its thread, using the thread's earlier turns
// as history when m is itself in a thread. A slow answer first shows its
// progress in the message that the answer then replaces.
func (a *Adapter) answerMention(ctx context.Context, m mention) {
	botID := a.botUserID()
	surface := "mention"
	if m.dm {
		surface = "dm"
	}
	req := bot.Request{Platform: "slack", Surface: surface, UserID: m.user, ChannelID: m.channel, Question: Unescape(bot.StripChatMarkup(m.text))}
	thread := m.threadTS
	if thread == "" {
		thread = m.ts
	}
	out, ok := a.bot.Precheck(req)
	p := &placeholder{a: a, channel: m.channel, thread: thread, reqID: out.RequestID}
	if ok {
		if m.threadTS != "" {
			h, err := a.history(ctx, m.channel, m.threadTS, m.ts, botID, m.dm)
			if err != nil {
				a.log.Warn("read thread for history failed; answering without it", "request_id", out.RequestID, "channel", m.channel, "error", err)
			}
			req.History = h
		}
		out = watch(ctx, func(ctx context.Context) bot.Outcome { return a.bot.Answer(ctx, out.RequestID, req) }, p.status)
	}
	p.outcome(ctx, out)
}

// history reads the thread and pairs each question put to the bot (in a
// DM, every message of the person's) with the bot's reply that follows
// it, oldest first, excluding the message being answered (ts).
func (a *Adapter) history(ctx context.Context, channel, threadTS, ts, botID string, dm bool) ([]retrieval.Turn, error) {
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
		case fromBot && pending == "" && msg.Timestamp == threadTS:
			// An answer that opened the thread (an App Home button's)
			// shows the question it answers.
			if q := askedIn(msg); q != "" {
				turns = append(turns, retrieval.Turn{Question: q, Answer: strings.TrimSpace(msg.Text)})
			}
		case fromBot && pending != "":
			turns = append(turns, retrieval.Turn{Question: pending, Answer: strings.TrimSpace(msg.Text)})
			pending = ""
		case !fromBot && (dm || botID == "" || strings.Contains(msg.Text, "<@"+botID)):
			pending = Unescape(bot.StripChatMarkup(msg.Text))
		}
	}
	if len(turns) > maxHistory {
		turns = turns[len(turns)-maxHistory:]
	}
	return turns, nil
}

// askedIn returns the question an answer of the bot's shows in its
// "question" block (see Blocks), or "".
func askedIn(msg slack.Message) string {
	for _, b := range msg.Blocks.BlockSet {
		c, ok := b.(*slack.ContextBlock)
		if !ok || c.BlockID != "question" {
			continue
		}
		for _, e := range c.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); ok && strings.HasPrefix(t.Text, "*Q:* ") {
				return Unescape(strings.TrimPrefix(t.Text, "*Q:* "))
			}
		}
	}
	return ""
}
