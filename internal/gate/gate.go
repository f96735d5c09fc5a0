// Package gate bounds the work every surface (web page, JSON API, Slack,
// Discord) sends to the retrieval core, and through it to the database and
// the language model: at most MaxInFlight calls run at once, up to MaxQueue
// more wait (at most MaxWait) for a slot, and anything beyond fails at once
// with retrieval.EBUSY — which the web answers with 429 and the chat bots
// with "busy, try again" — instead of piling up until the service
// collapses.
package gate

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// Defaults for a zero Options.
const (
	DefaultMaxInFlight = 16
	DefaultMaxWait     = 10 * time.Second
)

// Service is the retrieval core as the surfaces use it; *retrieval.Service
// implements it.
type Service interface {
	// Ask, AskFollowUp and Search behave as documented on
	// retrieval.Service, including their errors.
	Ask(ctx context.Context, question string) (retrieval.Answer, error)
	AskFollowUp(ctx context.Context, history []retrieval.Turn, question string) (retrieval.Answer, error)
	Search(ctx context.Context, query string, k int) ([]retrieval.Snippet, error)
}

var _ Service = (*retrieval.Service)(nil)
var _ Service = (*Core)(nil)

// Options configures a Core.
type Options struct {
	// MaxInFlight bounds the calls running at once; <= 0 means
	// DefaultMaxInFlight.
	MaxInFlight int
	// MaxQueue bounds the calls waiting for a slot; beyond it a call
	// fails at once with EBUSY. < 0 means no waiting at all; 0 means
	// 4 × MaxInFlight.
	MaxQueue int
	// MaxWait is the longest a call waits for a slot before failing with
	// EBUSY; <= 0 means DefaultMaxWait.
	MaxWait time.Duration
}

// Core is a Service bounded as described in the package comment. It is
// safe for concurrent use.
type Core struct {
	next    Service
	slots   chan struct{}
	queue   int64
	wait    time.Duration
	waiting atomic.Int64
	busy    atomic.Int64
}

// New returns next bounded by opts.
func New(next Service, opts Options) *Core {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	switch {
	case opts.MaxQueue < 0:
		opts.MaxQueue = 0
	case opts.MaxQueue == 0:
		opts.MaxQueue = 4 * opts.MaxInFlight
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	return &Core{next: next, slots: make(chan struct{}, opts.MaxInFlight), queue: int64(opts.MaxQueue), wait: opts.MaxWait}
}

// ErrBusy is the error a call gets when no slot is free in time; users
// read EBUSY's text (retrieval.ErrorMessage).
var ErrBusy = retrieval.Detailf(retrieval.EBUSY, nil, "no slot free: all running, the queue full or waited too long")

// Capacity returns the calls the Core admits at once, running or waiting
// (MaxInFlight + MaxQueue).
func (c *Core) Capacity() int { return cap(c.slots) + int(c.queue) }

// InFlight returns the calls running now.
func (c *Core) InFlight() int { return len(c.slots) }

// Refused returns how many calls failed with EBUSY so far.
func (c *Core) Refused() int64 { return c.busy.Load() }

// acquire takes a slot: at once if one is free, otherwise after waiting
// in the queue (if it has room) for at most MaxWait. It returns ErrBusy,
// or EUNAVAILABLE when ctx ends first.
func (c *Core) acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-c.slots }
	select {
	case c.slots <- struct{}{}:
		return release, nil
	default:
	}
	if c.waiting.Add(1) > c.queue {
		c.waiting.Add(-1)
		c.busy.Add(1)
		return nil, ErrBusy
	}
	defer c.waiting.Add(-1)
	t := time.NewTimer(c.wait)
	defer t.Stop()
	select {
	case c.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		c.busy.Add(1)
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, retrieval.Detailf(retrieval.EUNAVAILABLE, ctx.Err(), "no slot free before the deadline")
	}
}

// Ask answers question within the bound. Errors: those of the next
// Service, EBUSY when no slot was free in time.
func (c *Core) Ask(ctx context.Context, question string) (retrieval.Answer, error) {
	release, err := c.acquire(ctx)
	if err != nil {
		return retrieval.Answer{}, err
	}
	defer release()
	return c.next.Ask(ctx, question)
}

// AskFollowUp answers a follow-up within the bound. Errors: those of the
// next Service, EBUSY when no slot was free in time.
func (c *Core) AskFollowUp(ctx context.Context, history []retrieval.Turn, question string) (retrieval.Answer, error) {
	release, err := c.acquire(ctx)
	if err != nil {
		return retrieval.Answer{}, err
	}
	defer release()
	return c.next.AskFollowUp(ctx, history, question)
}

// Search searches within the bound. Errors: those of the next Service,
// EBUSY when no slot was free in time.
func (c *Core) Search(ctx context.Context, query string, k int) ([]retrieval.Snippet, error) {
	release, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.next.Search(ctx, query, k)
}
