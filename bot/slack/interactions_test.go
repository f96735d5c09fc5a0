package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// votingAdapter is an adapter whose Front records into a running
// in-memory answer log, returned too.
func votingAdapter(t *testing.T, opts slack.Options) (*slack.Adapter, *feedback.Log) {
	t.Helper()
	l := feedbacktest.NewLog(t)
	opts.SigningSecret = secret
	a := slack.New(bot.New(edge.New(testcore.Service(t), edge.Options{AnswerLog: l}), nil, bot.Options{}), opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a, l
}

// posted decodes the blocks of a chat.postMessage or chat.update call.
func posted(t *testing.T, p url.Values) []slackapi.Block {
	t.Helper()
	var b slackapi.Blocks
	if err := json.Unmarshal([]byte(p.Get("blocks")), &b); err != nil {
		t.Fatalf("blocks %q: %v", p.Get("blocks"), err)
	}
	return b.BlockSet
}

// buttons returns the feedback block's buttons by action id.
func buttons(blocks []slackapi.Block) map[string]*slackapi.ButtonBlockElement {
	out := map[string]*slackapi.ButtonBlockElement{}
	for _, b := range blocks {
		if ab, ok := b.(*slackapi.ActionBlock); ok && ab.BlockID == "feedback" {
			for _, e := range ab.Elements.ElementSet {
				if btn, ok := e.(*slackapi.ButtonBlockElement); ok {
					out[btn.ActionID] = btn
				}
			}
		}
	}
	return out
}

// note returns the text of the vote's note block, or "".
func note(blocks []slackapi.Block) string {
	for _, b := range blocks {
		if cb, ok := b.(*slackapi.ContextBlock); ok && cb.BlockID == "feedback-note" {
			if len(cb.ContextElements.Elements) > 0 {
				if t, ok := cb.ContextElements.Elements[0].(*slackapi.TextBlockObject); ok {
					return t.Text
				}
			}
		}
	}
	return ""
}

// actionPayload is a block_actions payload pressing actionID (value
// answerID) on the message ts with blocks.
func actionPayload(t *testing.T, actionID, answerID, ts string, blocks []slackapi.Block, responseURL string) string {
	t.Helper()
	bj, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]string{"id": "U7"}, "channel": map[string]string{"id": "C1"},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": "C1", "is_ephemeral": false},
		"message":      map[string]any{"type": "message", "ts": ts, "text": "the answer", "blocks": json.RawMessage(bj)},
		"response_url": responseURL,
		"actions":      []map[string]string{{"action_id": actionID, "block_id": "feedback", "value": answerID, "type": "button"}},
	})
	return string(p)
}

func (f *fakeAPI) nextUpdate(t *testing.T) url.Values {
	t.Helper()
	select {
	case u := <-f.updates:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("no chat.update")
		return nil
	}
}

// TestFeedbackButtons: an answer carries 👍/👎 whose value is its answer
// id; pressing one over signed HTTP records the vote once and chat.update
// shows it; a changed vote replaces it; a vote on an unknown answer gets
// a plain sentence; a forged interaction gets 401.
func TestFeedbackButtons(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	h := newHooks(t)
	a, l := votingAdapter(t, slack.Options{BotToken: "xoxb-test", APIURL: api.GetAPIURL()})
	if err := a.Identify(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	serve := func(r *http.Request) int {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code
	}
	serve(signed(t, "/slack/events", mentionEvent("Ev1", "1700000000.000100", "", "<@"+botUser+"> "+question), time.Now(), secret))
	p := api.nextPost(t)
	blocks := posted(t, p)
	btns := buttons(blocks)
	up, down := btns["feedback:up"], btns["feedback:down"]
	if up == nil || down == nil || up.Value == "" || up.Value != down.Value {
		t.Fatalf("answer buttons = %v; want feedback:up and feedback:down carrying the answer id", btns)
	}
	id := up.Value
	press := func(actionID, answerID string, blocks []slackapi.Block, key string) int {
		body := url.Values{"payload": {actionPayload(t, actionID, answerID, "1700000100.000100", blocks, h.URL)}}.Encode()
		return serve(signed(t, "/slack/interactions", body, time.Now(), key))
	}
	steps := []struct {
		action, answer, want string
	}{
		{"feedback:up", id, "👍 recorded"},
		{"feedback:down", id, "changed to 👎"},
		{"feedback:down", "r000000000000", "no longer in the log"},
	}
	for _, st := range steps {
		if code := press(st.action, st.answer, blocks, secret); code != http.StatusOK {
			t.Fatalf("press %s: status %d; want 200", st.action, code)
		}
		u := api.nextUpdate(t)
		blocks = posted(t, u)
		if got := note(blocks); u.Get("ts") != "1700000100.000100" || !strings.Contains(got, st.want) || len(buttons(blocks)) != 2 {
			t.Errorf("press %s on %s: chat.update ts %q note %q, %d buttons; want the note %q and both buttons kept", st.action, st.answer, u.Get("ts"), got, len(buttons(blocks)), st.want)
		}
	}
	if code := press("feedback:up", id, blocks, "forged-secret"); code != http.StatusUnauthorized {
		t.Errorf("forged interaction: status %d; want 401", code)
	}
	select {
	case u := <-api.updates:
		t.Errorf("forged interaction updated the message: %v", u)
	case <-time.After(200 * time.Millisecond):
	}
	recs, _ := l.Since(context.Background(), time.Time{})
	if len(recs) != 1 || recs[0].ID != id || recs[0].Ups != 0 || recs[0].Downs != 1 {
		t.Errorf("log = %+v; want the one answer with one 👎", recs)
	}
}

// TestFeedbackRefusalButton: a refusal carries "This should be covered";
// with the answer log off an answer carries no buttons.
func TestFeedbackRefusalButton(t *testing.T) {
	out := bot.Outcome{RequestID: "r1", Kind: bot.KindAnswer, Votable: true,
		Answer: retrieval.Answer{Question: "Who won the 2015 Rugby World Cup?", Text: "The sources don't cover this question.", Abstained: true}}
	if btns := buttons(slack.AnswerBlocks(bot.Outcome{Kind: bot.KindAnswer, Answer: out.Answer})); len(btns) != 0 {
		t.Errorf("buttons with the answer log off = %v; want none", btns)
	}
	btns := buttons(slack.AnswerBlocks(out))
	if len(btns) != 1 || btns["feedback:down"] == nil || btns["feedback:down"].Text.Text != "This should be covered" {
		t.Errorf("refusal buttons = %v; want one \"This should be covered\"", btns)
	}
}

// TestFeedbackSocketMode: a button press arriving as a Socket Mode
// interactive envelope is acknowledged and updates the message.
func TestFeedbackSocketMode(t *testing.T) {
	verifyNoLeaks(t)
	api := newFakeAPI(t)
	a, _ := votingAdapter(t, slack.Options{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: api.GetAPIURL()})
	stop := runSocketMode(t, a)
	defer stop()
	ev, _ := json.Marshal(map[string]any{
		"envelope_id": "env-9", "type": "events_api", "accepts_response_payload": false,
		"payload": json.RawMessage(mentionEvent("Ev9", "1700000000.000900", "", "<@"+botUser+"> "+question)),
	})
	api.SendToWebsocket(string(ev))
	awaitAck(t, api, "env-9")
	blocks := posted(t, api.nextPost(t))
	id := buttons(blocks)["feedback:up"].Value
	env, _ := json.Marshal(map[string]any{
		"envelope_id": "env-10", "type": "interactive", "accepts_response_payload": false,
		"payload": json.RawMessage(actionPayload(t, "feedback:up", id, "1700000100.000100", blocks, "")),
	})
	api.SendToWebsocket(string(env))
	awaitAck(t, api, "env-10")
	if got := note(posted(t, api.nextUpdate(t))); !strings.Contains(got, "👍 recorded") {
		t.Errorf("socket mode vote: note %q; want 👍 recorded", got)
	}
}
