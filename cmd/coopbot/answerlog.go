package main

import (
	"context"
	"crypto/rand"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// logStore is the answer log's store: PostgreSQL (DATABASE_URL) once
// the core's store is open — until then writes fail, are counted, and
// the answers go out — or the bounded in-memory log without a database.
type logStore struct {
	pg  atomic.Pointer[postgres.AnswerLog]
	mem *feedback.Memory // nil with DATABASE_URL
}

var errLogNotOpen = retrieval.Detailf(retrieval.EUNAVAILABLE, nil, "answer log: the database is not open yet")

func (s *logStore) store() (feedback.Store, error) {
	if s.mem != nil {
		return s.mem, nil
	}
	if p := s.pg.Load(); p != nil {
		return *p, nil
	}
	return nil, errLogNotOpen
}

func (s *logStore) Append(ctx context.Context, es []feedback.Entry) error {
	st, err := s.store()
	if err != nil {
		return err
	}
	return st.Append(ctx, es)
}

func (s *logStore) Vote(ctx context.Context, v feedback.Vote) (feedback.Result, error) {
	st, err := s.store()
	if err != nil {
		return 0, err
	}
	return st.Vote(ctx, v)
}

func (s *logStore) Since(ctx context.Context, t time.Time) ([]feedback.Record, error) {
	st, err := s.store()
	if err != nil {
		return nil, err
	}
	return st.Since(ctx, t)
}

func (s *logStore) Purge(ctx context.Context, before time.Time) (int64, error) {
	st, err := s.store()
	if err != nil {
		return 0, nil // the next scheduled purge will do it
	}
	return st.Purge(ctx, before)
}

// startAnswerLog builds the answer log (nil with ANSWER_LOG=off) and runs
// its writer and purge schedule until stop, which writes what is queued.
// Call stop before Run closes the database pool. log receives its
// warnings (ask passes its quiet questionLogger).
func (m *Main) startAnswerLog(ctx context.Context, log *slog.Logger) (stop func()) {
	if m.Config.AnswerLog == "off" {
		return func() {}
	}
	key := []byte(m.Config.AnswerLogKey)
	if len(key) == 0 {
		// Without a shared key each process hashes users its own way: one
		// vote per user then holds only within this process.
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		if m.Config.DatabaseURL != "" {
			log.Warn("ANSWER_LOG_KEY is unset: user and channel hashes change on restart, so one vote per user holds only until then; set it (docs/feedback.md)")
		}
	}
	st := &logStore{}
	if m.Config.DatabaseURL == "" {
		st.mem = feedback.NewMemory(0)
	}
	m.logStore = st
	if m.Postgres != nil {
		al := m.Postgres.AnswerLog()
		st.pg.Store(&al)
	}
	m.AnswerLog = feedback.New(st, feedback.Options{
		Key: key, Days: m.Config.AnswerLogDays, Logger: log, OnFailure: m.Metrics.ObserveAnswerLogFailure,
	})
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.AnswerLog.Run(ctx) }()
	var once sync.Once
	return func() { once.Do(func() { cancel(); wg.Wait() }) }
}
