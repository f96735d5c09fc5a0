package bot

import (
	"context"
	"time"
)

// ClaimTTL is how long a claim is kept: longer than Slack's retries (three
// within about five minutes) and its five-minute signing window.
const ClaimTTL = 10 * time.Minute

// sharedTimeout bounds one call to Claims or Limits: one round trip on a
// connection kept open, well under a millisecond on a LAN (docs/deploy.md).
// A database that stops answering then delays an acknowledgement (Slack
// allows three seconds) or an answer by this much at most before the
// in-process state decides.
const sharedTimeout = 250 * time.Millisecond

// sharedBackoff is how long after a failure the shared state is not
// tried: during an outage each event then pays for one timeout at most
// once per backoff, not for a claim and a limit each.
const sharedBackoff = 2 * time.Second

// Claims decides which replica handles a platform event when several
// serve one workspace or bot token: the first to claim its key. The
// PostgreSQL store implements it (retrieval/postgres).
type Claims interface {
	// Claim records key and reports whether it was new, that is whether
	// the caller is the one to handle it. Keys are kept for ClaimTTL.
	Claim(ctx context.Context, key string) (bool, error)
}

// Limits is a per-user rate limit shared by every replica. The PostgreSQL
// store implements it (retrieval/postgres).
type Limits interface {
	// Take takes one question from user's allowance; when there is none
	// it returns false and how long until there is.
	Take(ctx context.Context, user string) (ok bool, wait time.Duration, err error)
}

// Recorder counts failures of the shared state; *metrics.Metrics
// implements it.
type Recorder interface {
	// ObserveSharedFailure counts one failed call of Claims ("claim") or
	// Limits ("limit").
	ObserveSharedFailure(kind string)
}

// Claim reports whether this replica should handle the event named by
// key (a Slack event id, a channel and timestamp, a Discord message id…):
// false when it was already handled here or by another replica. Every
// adapter calls it before answering.
//
// When the shared claim cannot be written (the database is down or slow)
// the event is answered anyway, deduplicated only by this process: a
// possible duplicate reply is better than a question silently dropped.
// The failure is logged and counted (coopbot_shared_failures_total), and
// for sharedBackoff every event is handled so without trying.
func (b *Bot) Claim(ctx context.Context, key string) bool {
	if key == "" {
		return true
	}
	if b.claims == nil {
		return !b.dedupe.Seen(key)
	}
	if !b.sharedUp() {
		b.count("claim")
		return !b.dedupe.Seen(key)
	}
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	ok, err := b.claims.Claim(ctx, key)
	if err != nil {
		b.sharedFailed(ctx, "claim", err)
		return !b.dedupe.Seen(key)
	}
	return ok
}

// allow applies the per-user rate limit: the shared one when set, this
// process's when it is not or when it fails (logged and counted).
func (b *Bot) allow(user string) (bool, time.Duration) {
	if b.limits != nil && !b.sharedUp() {
		b.count("limit")
	} else if b.limits != nil {
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		ok, wait, err := b.limits.Take(ctx, user)
		if err == nil {
			return ok, wait
		}
		b.sharedFailed(ctx, "limit", err)
	}
	return b.limiter.Allow(user)
}

// sharedUp reports whether the shared state is to be tried: not within
// sharedBackoff of its last failure.
func (b *Bot) sharedUp() bool {
	return time.Now().UnixNano() >= b.sharedDownUntil.Load()
}

func (b *Bot) sharedFailed(ctx context.Context, kind string, err error) {
	b.sharedDownUntil.Store(time.Now().Add(sharedBackoff).UnixNano())
	b.logger.ErrorContext(ctx, "shared "+kind+" failed; this replica's own state decides for "+sharedBackoff.String(), "kind", kind, "error", err)
	b.count(kind)
}

// count counts one event handled without the shared state.
func (b *Bot) count(kind string) {
	if b.rec != nil {
		b.rec.ObserveSharedFailure(kind)
	}
}
