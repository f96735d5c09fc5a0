package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/coopbot/coopbot/bot"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// sharedState is the state every replica of serve shares in PostgreSQL
// (bot.Claims and bot.Limits), published by openCore once the store is
// open. Until then calls fail, and the bot falls back to this process's
// own dedupe and limit (logged and counted).
type sharedState struct {
	claims atomic.Pointer[postgres.Claims]
	limits atomic.Pointer[postgres.Limits]
}

// publish makes the claims and rate limit of store s available.
func (sh *sharedState) publish(m *Main, s *postgres.Store) {
	sh.claims.Store(s.Claims(bot.ClaimTTL))
	sh.limits.Store(s.Limits(m.Config.RatePerMinute, m.Config.RateBurst))
}

// Claim implements bot.Claims.
func (sh *sharedState) Claim(ctx context.Context, key string) (bool, error) {
	c := sh.claims.Load()
	if c == nil {
		return false, errConnecting
	}
	return c.Claim(ctx, key)
}

// Take implements bot.Limits.
func (sh *sharedState) Take(ctx context.Context, user string) (bool, time.Duration, error) {
	l := sh.limits.Load()
	if l == nil {
		return false, 0, errConnecting
	}
	return l.Take(ctx, user)
}

// botOptions are the chat bots' options: the shared claims and limit
// when serve uses PostgreSQL (sh set), this process's own otherwise.
func (m *Main) botOptions(sh *sharedState) bot.Options {
	opts := bot.Options{RatePerMinute: m.Config.RatePerMinute, Burst: m.Config.RateBurst, Recorder: m.Metrics}
	if sh != nil && m.Config.DatabaseURL != "" {
		opts.Claims, opts.Limits = sh, sh
	}
	return opts
}
