package slack

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// InteractionsHandler serves POST /slack/interactions: it verifies the
// signature, acknowledges at once (Slack waits 3 s) and dispatches the
// payload's block actions (dispatch). A replayed request is acknowledged
// and not acted on again.
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
		if a.dedupe.Seen("act:" + r.Header.Get("X-Slack-Request-Timestamp") + ":" + r.Header.Get("X-Slack-Signature")) {
			a.log.Warn("ignored replayed interaction", "path", r.URL.Path)
			return
		}
		a.dispatch(cb)
	})
}

// dispatch routes each block action of cb by its action_id; other
// interactions, and any from the bot's own user, are ignored.
func (a *Adapter) dispatch(cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID == "" || a.self(cb.User.ID) {
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		switch act.ActionID {
		case HomeActionID:
			a.homeAsk(cb.User.ID, act.Value)
		default:
			a.log.Info("ignored block action", "action_id", fit(act.ActionID, 40), "user", cb.User.ID)
		}
	}
}
