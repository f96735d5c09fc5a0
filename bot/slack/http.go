package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/coopbot/coopbot/bot"
)

const maxBody = 1 << 20

// verify reads the raw body and checks Slack's signature and timestamp
// (at most five minutes old). It writes 401 and returns false on failure.
func (a *Adapter) verify(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, a.opts.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		a.log.Warn("rejected unsigned or stale request", "path", r.URL.Path, "error", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// CommandsHandler serves POST /slack/commands: it verifies the signature,
// acknowledges at once with an ephemeral "Searching…" (or help, or a
// refusal) and posts the answer to the command's response_url.
func (a *Adapter) CommandsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := a.verify(w, r)
		if !ok {
			return
		}
		// A signature covers the timestamp and body, so a second request
		// with the same pair inside the signing window is a replay: Slack
		// sends each command once.
		if !a.claim(r.Context(), "cmd:"+r.Header.Get("X-Slack-Request-Timestamp")+":"+r.Header.Get("X-Slack-Signature")) {
			a.log.Warn("ignored replayed command", "path", r.URL.Path)
			writeJSON(w, &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "This command was already received."})
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		cmd := slack.SlashCommand{
			Command: form.Get("command"), Text: form.Get("text"), UserID: form.Get("user_id"),
			ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"), ResponseURL: form.Get("response_url"), TeamID: form.Get("team_id"),
		}
		writeJSON(w, a.command(cmd))
	})
}

// command handles a slash command and returns the immediate response; the
// answer itself goes to cmd.ResponseURL in the background.
func (a *Adapter) command(cmd slack.SlashCommand) *slack.Msg {
	if a.self(cmd.UserID) {
		a.log.Info("ignored command from the bot's own user", "channel", cmd.ChannelID)
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral}
	}
	// Slack names a DM's channel "directmessage"; like DM messages, /ask
	// there is read by the asker alone, so the allow-list does not apply.
	if cmd.ChannelName != "directmessage" && !a.allow.Allows(cmd.ChannelID) {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "I'm not enabled in this channel. Ask your workspace admin to add it to SLACK_CHANNELS."}
	}
	req := bot.Request{Platform: "slack", Surface: "command", UserID: cmd.UserID, ChannelID: cmd.ChannelID, Question: Unescape(bot.StripChatMarkup(cmd.Text))}
	out, ok := a.bot.Precheck(req)
	if !ok {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: Escape(out.Text)}
	}
	if cmd.ResponseURL == "" {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "Sorry, Slack sent no response URL, so I cannot answer this command."}
	}
	started := a.spawn(func(ctx context.Context) {
		// The "Searching…" acknowledgement is the placeholder: a slow
		// answer's progress replaces it, and an ephemeral answer replaces
		// that in turn.
		res := watch(ctx, func(ctx context.Context) bot.Outcome { return a.bot.Answer(ctx, out.RequestID, req) }, func(ctx context.Context, status string) {
			a.deliver(ctx, cmd.ResponseURL, &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: Escape(status), ReplaceOriginal: true}, out.RequestID)
		})
		a.deliver(ctx, cmd.ResponseURL, ReplyMessage(res, a.opts.Ephemeral), res.RequestID)
	})
	if !started {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "I'm restarting. Please try again in a moment."}
	}
	return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: "Searching… _" + fit(req.Question, 300) + "_"}
}

// EventsHandler serves POST /slack/events: url_verification, and
// app_mention (and message) callbacks answered in the thread. Retries and
// duplicates are answered once.
func (a *Adapter) EventsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := a.verify(w, r)
		if !ok {
			return
		}
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		switch ev.Type {
		case slackevents.URLVerification:
			var ch slackevents.ChallengeResponse
			if err := json.NewDecoder(bytes.NewReader(body)).Decode(&ch); err != nil {
				http.Error(w, "bad challenge", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, ch.Challenge)
			return
		case slackevents.CallbackEvent:
			w.WriteHeader(http.StatusOK)
			cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
			if cb != nil && !a.claim(r.Context(), "event:"+cb.EventID) {
				a.log.Info("ignored duplicate event", "event_id", cb.EventID, "retry", r.Header.Get("X-Slack-Retry-Num"))
				return
			}
			a.event(r.Context(), ev)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
