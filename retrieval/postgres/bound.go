package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// errNoAnswer is the cause of a call's context when the Store's own
// deadline (StatementTimeout + CallMargin) ends it.
var errNoAnswer = errors.New("no answer within the statement timeout")

// probeInterval is how often a Store that found its database silent
// pings it to learn when it answers again.
const probeInterval = 250 * time.Millisecond

// bound returns ctx limited to the Store's call timeout, if it has one.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.callTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, s.callTimeout, errNoAnswer)
}

// answering fails at once with EUNAVAILABLE while the
// database is known not to answer: a call met the Store's deadline and
// no probe has had an answer since. Without it every question queued
// behind a silent database would wait out its own deadline in turn (with
// 16 answers in flight and a queue of 64, the last ones several seconds
// past STATEMENT_TIMEOUT); with it only the calls already waiting do. A
// call that waited out its deadline for a free connection of the pool
// counts too: the database is not answering in time either way, and the
// probe clears the mark within probeInterval once it is.
func (s *Store) answering() error {
	if s.silent.Load() {
		return s.notAnswering(errors.New("a recent call got no answer and the database has not answered a probe since"))
	}
	return nil
}

// notAnswering is the error of a call the database did not answer: users
// read EUNAVAILABLE's text, operators the detail with the address.
func (s *Store) notAnswering(cause error) error {
	return retrieval.Detailf(retrieval.EUNAVAILABLE, cause, "the database at %s is not answering", s.addr)
}

// check classifies err from a call made with ctx (from bound): when the
// Store's own deadline ended the call, the database is not answering
// (EUNAVAILABLE) and later calls fail at once until a probe gets an
// answer; anything else goes to classify.
func (s *Store) check(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(context.Cause(ctx), errNoAnswer) {
		s.goneSilent()
		return s.notAnswering(fmt.Errorf("%s: no answer within %s: %w", what, s.callTimeout, err))
	}
	return s.classify(err, what)
}

// goneSilent marks the database silent and, the first time, starts the
// probe that clears the mark once a ping is answered.
func (s *Store) goneSilent() {
	if !s.silent.CompareAndSwap(false, true) {
		return
	}
	s.log.Warn("postgres: the database is not answering; failing calls at once until it does", "addr", s.addr, "timeout", s.callTimeout)
	go s.probe()
}

func (s *Store) probe() {
	t := time.NewTicker(probeInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		ctx, cancel := s.bound(context.Background())
		err := s.pool.Ping(ctx)
		cancel()
		if err == nil {
			s.silent.Store(false)
			s.log.Info("postgres: the database answers again", "addr", s.addr)
			return
		}
	}
}
