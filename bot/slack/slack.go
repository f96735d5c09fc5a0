// Package slack is coopbot's Slack adapter: the /ask slash command over
// HTTP (POST /slack/commands) and Socket Mode, answers to app_mention
// events and direct messages in threads (POST /slack/events and Socket
// Mode), the buttons under answers and on the App Home (POST
// /slack/interactions and Socket Mode), and the App Home itself. It uses
// github.com/slack-go/slack and renders answers as Block Kit.
package slack

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/internal/redact"
)

// Options configures an Adapter. Secrets are never logged.
type Options struct {
	SigningSecret string   // verifies HTTP requests; "" disables the HTTP routes
	BotToken      string   // xoxb-…: chat.postMessage and conversations.replies
	AppToken      string   // xapp-…: Socket Mode
	Channels      []string // allow-list of channel ids; empty = all
	Ephemeral     bool     // answers visible only to the asker
	// APIURL is the Slack Web API base URL (default https://slack.com/api/);
	// tests point it at slacktest.
	APIURL string
	// HTTPClient posts to response_url and calls the Web API (default: a
	// client with a 15s timeout).
	HTTPClient *http.Client
	// About says what the bot knows, for the App Home; nil leaves the
	// documents out of it.
	About func(ctx context.Context) (bot.About, error)
}

// Adapter answers Slack questions through a bot.Bot.
type Adapter struct {
	bot     *bot.Bot
	opts    Options
	log     *slog.Logger
	api     *slack.Client
	http    *http.Client
	allow   bot.AllowList
	tasks   *bot.Tasks
	mu      sync.Mutex               // guards botUser and actions
	botUser string                   // the bot's own user id, from auth.test
	actions map[string]ActionHandler // block actions by action_id prefix (interactions.go)
}

// New returns an Adapter. It makes no network call.
func New(b *bot.Bot, opts Options) *Adapter {
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	apiOpts := []slack.Option{slack.OptionHTTPClient(hc)}
	if opts.APIURL != "" {
		apiOpts = append(apiOpts, slack.OptionAPIURL(opts.APIURL))
	}
	if opts.AppToken != "" {
		apiOpts = append(apiOpts, slack.OptionAppLevelToken(opts.AppToken))
	}
	a := &Adapter{
		bot:     b,
		opts:    opts,
		log:     slog.New(redact.Handler(b.Logger().Handler())).With("platform", "slack"),
		api:     slack.New(opts.BotToken, apiOpts...),
		http:    hc,
		allow:   bot.NewAllowList(opts.Channels),
		tasks:   bot.NewTasks(),
		actions: map[string]ActionHandler{},
	}
	a.HandleAction(feedbackPrefix, a.feedbackAction)
	a.HandleAction(HomeActionID, func(ctx context.Context, cb *slack.InteractionCallback, act *slack.BlockAction) {
		a.homeAsk(cb.User.ID, act.Value)
	})
	return a
}

// Register adds POST /slack/commands, POST /slack/events and POST
// /slack/interactions (the buttons under answers and on the App Home) to
// mux.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.Handle("POST /slack/commands", a.CommandsHandler())
	mux.Handle("POST /slack/events", a.EventsHandler())
	mux.Handle("POST /slack/interactions", a.InteractionsHandler())
}

// Identify calls auth.test to learn the bot's own user id, used to strip
// its mention and to recognise its replies in threads. It needs BotToken.
func (a *Adapter) Identify(ctx context.Context) error {
	r, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.botUser = r.UserID
	a.mu.Unlock()
	return nil
}

func (a *Adapter) botUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUser
}

// self reports whether user is the bot itself: whatever reaches the bot
// from its own user id (an echo of its reply, a relay without bot_id) is
// never a question.
func (a *Adapter) self(user string) bool {
	id := a.botUserID()
	return id != "" && user == id
}

// claim reports whether this replica handles the event named by key
// (bot.Bot.Claim: shared by every replica when the database is).
func (a *Adapter) claim(ctx context.Context, key string) bool {
	return a.bot.Claim(ctx, "slack:"+key)
}

// spawn runs f in the background with the adapter's base context, unless
// the adapter is closed. It reports whether f was started.
func (a *Adapter) spawn(f func(ctx context.Context)) bool { return a.tasks.Go(f) }

// Close waits for the answers in flight until ctx is done, then cancels
// those left and returns once they have all stopped.
func (a *Adapter) Close(ctx context.Context) error {
	a.tasks.Close(ctx)
	return nil
}

// deliver posts msg to a slash command's response_url.
func (a *Adapter) deliver(ctx context.Context, responseURL string, msg *slack.WebhookMessage, reqID string) {
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, msg); err != nil {
		a.log.Error("post to response_url failed", "request_id", reqID, "error", err)
	}
}
