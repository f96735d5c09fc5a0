package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
)

// ActionHandler handles one block action (a button press) of an
// interactive payload. It runs in the background after Slack has been
// acknowledged, under the adapter's base context.
type ActionHandler func(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction)

// HandleAction routes the block actions whose action_id starts with
// prefix to h; the longest matching prefix wins. Register before
// serving. The feedback buttons ("feedback:") are registered by New.
func (a *Adapter) HandleAction(prefix string, h ActionHandler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.actions[prefix] = h
}

// action returns the handler for actionID, or nil.
func (a *Adapter) action(actionID string) ActionHandler {
	a.mu.Lock()
	defer a.mu.Unlock()
	var best string
	var h ActionHandler
	for p, ph := range a.actions {
		if strings.HasPrefix(actionID, p) && len(p) >= len(best) {
			best, h = p, ph
		}
	}
	return h
}

// InteractionsHandler serves POST /slack/interactions (the app's
// Interactivity Request URL): it verifies the signature, acknowledges at
// once and dispatches each block action by its action_id. A replayed
// request is acknowledged and not acted on again.
func (a *Adapter) InteractionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := a.verify(w, r)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		if !a.claim(r.Context(), "act:"+r.Header.Get("X-Slack-Request-Timestamp")+":"+r.Header.Get("X-Slack-Signature")) {
			a.log.Warn("ignored replayed interaction", "path", r.URL.Path)
			return
		}
		a.interaction(&cb)
	})
}

// interaction dispatches the block actions of cb, from HTTP or Socket
// Mode; other interaction types and unknown actions are ignored.
func (a *Adapter) interaction(cb *slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID == "" || a.self(cb.User.ID) {
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		h := a.action(act.ActionID)
		if h == nil {
			a.log.Info("ignored block action with no handler", "action_id", fit(act.ActionID, 40))
			continue
		}
		act := act
		a.spawn(func(ctx context.Context) { h(ctx, cb, act) })
	}
}
