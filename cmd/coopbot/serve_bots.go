package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/bot/discord"
	slackbot "github.com/coopbot/coopbot/bot/slack"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

// startBots starts every chat adapter whose credentials are set, asking
// through front (the path every surface shares): the Slack HTTP routes on
// mux (SLACK_SIGNING_SECRET), Slack Socket Mode (SLACK_APP_TOKEN and
// SLACK_BOT_TOKEN) and the Discord gateway (DISCORD_TOKEN). For each
// adapter left off it logs how to enable it. lc is the core once open,
// for what the Slack App Home says the bot knows, and with DATABASE_URL
// the event claims and per-user limit shared with every other replica
// (sharedState). stop closes the connections, giving answers in flight a
// few seconds to finish.
func (m *Main) startBots(ctx context.Context, mux *http.ServeMux, front *edge.Front, lc *lazyCore) (stop func(), err error) {
	if front == nil {
		return nil, errors.New("start chat bots: no path to the retrieval core")
	}
	b := bot.New(front, m.Logger, m.botOptions(&lc.shared))
	var stops []func(context.Context)
	stopAll := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i](ctx)
		}
	}
	if s := m.startSlack(ctx, mux, b, lc); s != nil {
		stops = append(stops, s)
	}
	s, err := m.startDiscord(b)
	if err != nil {
		stopAll()
		return nil, err
	}
	if s != nil {
		stops = append(stops, s)
	}
	var once sync.Once
	return func() { once.Do(stopAll) }, nil
}

// startSlack starts the Slack adapter when SLACK_SIGNING_SECRET or
// SLACK_APP_TOKEN is set, and returns how to stop it (nil when off).
func (m *Main) startSlack(ctx context.Context, mux *http.ServeMux, b *bot.Bot, lc *lazyCore) func(context.Context) {
	cfg, log := m.Config, m.Logger
	if cfg.SlackSigningSecret == "" && cfg.SlackAppToken == "" {
		log.Info("slack: off; set SLACK_SIGNING_SECRET (HTTP /slack/commands) or SLACK_APP_TOKEN + SLACK_BOT_TOKEN (Socket Mode) to enable it; see docs")
		return nil
	}
	sa := slackbot.New(b, slackbot.Options{
		SigningSecret: cfg.SlackSigningSecret,
		BotToken:      cfg.SlackBotToken,
		AppToken:      cfg.SlackAppToken,
		Channels:      cfg.SlackChannels,
		Ephemeral:     cfg.SlackEphemeral,
		APIURL:        cfg.SlackAPIURL,
		About: func(ctx context.Context) (bot.About, error) {
			if _, err := lc.service(); err != nil {
				return bot.About{}, err
			}
			// m.Store, the store itself, set before the core is
			// published: the Service's metrics decorator keeps the
			// store's Catalog but not its Freshness.
			return bot.Describe(ctx, m.Store, homeDocs)
		},
	})
	if cfg.SlackSigningSecret != "" {
		sa.Register(mux)
		log.Info("slack: /ask at POST /slack/commands, events at POST /slack/events, buttons at POST /slack/interactions")
		if cfg.SlackBotToken == "" {
			log.Info("slack: set SLACK_BOT_TOKEN to answer @mentions (events need chat:write)")
		} else if err := sa.Identify(ctx); err != nil {
			log.Warn("slack: auth.test failed; mentions will be recognised less precisely", "error", err)
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if cfg.SlackAppToken != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Info("slack: connecting over Socket Mode")
			if err := sa.RunSocketMode(runCtx); err != nil {
				log.Error("slack: socket mode stopped", "error", err)
			}
		}()
	} else {
		log.Info("slack: Socket Mode off; set SLACK_APP_TOKEN (xapp-…) and SLACK_BOT_TOKEN to use it without a public URL")
	}
	return func(ctx context.Context) {
		cancel()
		wg.Wait()
		_ = sa.Close(ctx)
	}
}

// homeDocs is how many documents the Slack App Home names.
const homeDocs = 10

// startDiscord starts the Discord adapter when DISCORD_TOKEN is set,
// connecting in the background with retries, and returns how to stop it
// (nil when off).
func (m *Main) startDiscord(b *bot.Bot) (func(context.Context), error) {
	cfg, log := m.Config, m.Logger
	if cfg.DiscordToken == "" {
		log.Info("discord: off; set DISCORD_TOKEN (and optionally DISCORD_GUILD_ID) to enable it; see docs")
		return nil, nil
	}
	da, err := discord.New(b, discord.Options{
		Token: cfg.DiscordToken, GuildID: cfg.DiscordGuildID, Channels: cfg.DiscordChannels,
		ShardID: cfg.DiscordShardID, ShardCount: cfg.DiscordShardCount,
	})
	if err != nil {
		return nil, retrieval.WrapError(retrieval.EINVALID, err, "cannot set up Discord (check DISCORD_TOKEN)")
	}
	// Connect in the background, retrying with backoff, so a Discord
	// outage at start never takes the web page or Slack down with it.
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		delay := time.Second
		for {
			err := da.Open(runCtx)
			if err == nil {
				return
			}
			log.Error("discord: cannot connect to Discord (check DISCORD_TOKEN and the network); retrying", "error", err, "retry_in", delay)
			select {
			case <-runCtx.Done():
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, 5*time.Minute)
		}
	}()
	return func(ctx context.Context) {
		cancel()
		select {
		case <-done:
		case <-ctx.Done():
		}
		_ = da.Close(ctx)
	}, nil
}
