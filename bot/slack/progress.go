package slack

import (
	"context"
	"time"

	"github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/retrieval"
)

// progressAfter is how long an answer runs before Slack is shown what it
// is doing (docs/bots.md): extractive answers come well within it, a
// model's often do not.
const progressAfter = 2 * time.Second

// watch runs ask; if it has not returned after progressAfter it calls
// show with what the answer is doing (bot.Progress), and again when that
// changes. show never runs once watch has returned, so the caller's
// final delivery cannot be overtaken by a late progress note.
func watch(ctx context.Context, ask func(context.Context) bot.Outcome, show func(ctx context.Context, status string)) bot.Outcome {
	found := make(chan int, 1)
	actx := retrieval.WithProgress(ctx, func(n int) {
		select {
		case found <- n:
		default:
		}
	})
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		timer := time.NewTimer(progressAfter)
		defer timer.Stop()
		n, shown := -1, false
		for {
			select {
			case <-done:
				return
			case n = <-found:
				if !shown {
					continue
				}
			case <-timer.C:
				shown = true
			}
			select {
			case <-done:
				return
			default:
				show(ctx, bot.Progress(n))
			}
		}
	}()
	out := ask(actx)
	close(done)
	<-stopped
	return out
}

// placeholder is the message of one answer in a conversation: posted
// (in the thread) by the first send, updated in place by every later one,
// so a slow answer's progress notes and the answer itself are one message.
type placeholder struct {
	a       *Adapter
	channel string
	thread  string // "" = a message of its own
	reqID   string
	ts      string // "" until posted
}

// send posts opts, or updates the message already posted. An update that
// fails (the message was deleted, say) is posted anew rather than lost.
func (p *placeholder) send(ctx context.Context, opts ...slack.MsgOption) {
	if p.ts != "" {
		_, _, _, err := p.a.api.UpdateMessageContext(ctx, p.channel, p.ts, opts...)
		if err == nil {
			return
		}
		p.a.log.Warn("chat.update failed; posting instead", "request_id", p.reqID, "channel", p.channel, "error", err)
	}
	if p.thread != "" {
		opts = append(opts, slack.MsgOptionTS(p.thread))
	}
	opts = append(opts, slack.MsgOptionDisableLinkUnfurl())
	ch, ts, err := p.a.api.PostMessageContext(ctx, p.channel, opts...)
	if err != nil {
		p.a.log.Error("chat.postMessage failed", "request_id", p.reqID, "channel", p.channel, "error", err)
		return
	}
	// Posted to a user id, the message is in a DM: chat.update needs
	// the DM's channel id.
	p.ts = ts
	if ch != "" {
		p.channel = ch
	}
}

// status shows a progress note in the placeholder.
func (p *placeholder) status(ctx context.Context, text string) {
	p.send(ctx, slack.MsgOptionText(Escape(text), false))
}

// outcome shows the answer (cited blocks) or the refusal in the
// placeholder.
func (p *placeholder) outcome(ctx context.Context, out bot.Outcome) {
	if out.Kind != bot.KindAnswer {
		p.send(ctx, slack.MsgOptionText(Escape(out.Text), false))
		return
	}
	r := bot.FromAnswer(out.Answer)
	p.send(ctx, slack.MsgOptionText(Fallback(r), false), slack.MsgOptionBlocks(AnswerBlocks(out)...))
}
