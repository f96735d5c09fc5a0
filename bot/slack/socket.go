package slack

import (
	"context"
	"errors"
	"log"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode connects to Slack over Socket Mode (AppToken and BotToken)
// and serves /ask and app_mention until ctx is done. Each envelope is
// acknowledged at once; slash command answers go to response_url and
// mention answers to the thread. It returns nil when ctx is cancelled.
func (a *Adapter) RunSocketMode(ctx context.Context) error {
	if a.opts.AppToken == "" || a.opts.BotToken == "" {
		return errors.New("socket mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN")
	}
	if a.botUserID() == "" {
		if err := a.Identify(ctx); err != nil {
			return err
		}
	}
	sm := socketmode.New(a.api, socketmode.OptionLog(log.New(slogWriter{a.log}, "", 0)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(ctx) }()
	for {
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case evt := <-sm.Events:
			a.socketEvent(ctx, sm, evt)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		a.log.Warn("slack socket mode connection problem", "event", string(evt.Type))
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		// Slack redelivers an envelope it saw no ack for; the envelope id
		// is Socket Mode's equivalent of a request signature.
		if !a.claim(ctx, "envelope:"+evt.Request.EnvelopeID) {
			a.log.Info("ignored redelivered command", "retry", evt.Request.RetryAttempt)
			_ = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
			return
		}
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, a.command(cmd)); err != nil {
			a.log.Error("ack slash command failed", "error", err)
		}
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
			a.log.Error("ack event failed", "error", err)
		}
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok || ev.Type != slackevents.CallbackEvent {
			return
		}
		if cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent); cb != nil && !a.claim(ctx, "event:"+cb.EventID) {
			return
		}
		a.event(ctx, ev)
	case socketmode.EventTypeInteractive:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			_ = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
			// A redelivered envelope is acknowledged, not acted on again.
			if !a.claim(ctx, "envelope:"+evt.Request.EnvelopeID) {
				return
			}
		}
		switch cb := evt.Data.(type) {
		case slack.InteractionCallback:
			a.interaction(&cb)
		case *slack.InteractionCallback:
			a.interaction(cb)
		}
	case socketmode.EventTypeHello:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			_ = sm.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
	}
}

// slogWriter routes slack-go's internal log lines to slog at debug level.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("socketmode", "msg", string(p))
	return len(p), nil
}
