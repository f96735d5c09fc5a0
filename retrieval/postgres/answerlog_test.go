package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/feedback/feedbacktest"
	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// openLog opens a migrated store in a database of its own, for the
// answer-log tests to truncate between subtests.
func openLog(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	url := pgtest.NewDB(t, "answerlog")
	s, err := postgres.Open(context.Background(), url, postgres.Options{Analyzer: snowball.New()})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(s.Close)
	return s, url
}

func TestAnswerLogContract(t *testing.T) {
	s, url := openLog(t)
	feedbacktest.Run(t, func(t *testing.T) feedback.Store {
		pgtest.Truncate(t, url, "answer_log", "answer_votes")
		return s.AnswerLog()
	})
}

// TestAnswerLogPurgeOneAtATime: while another replica holds the purge
// lock, Purge deletes nothing and does not wait.
func TestAnswerLogPurgeOneAtATime(t *testing.T) {
	s, url := openLog(t)
	ctx := context.Background()
	log := s.AnswerLog()
	if err := log.Append(ctx, []feedback.Entry{feedbacktest.Entry("old", time.Now().AddDate(0, 0, -100), false)}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x636f6f7070757267)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if n, err := log.Purge(ctx, time.Now().AddDate(0, 0, -90)); err != nil || n != 0 {
		t.Errorf("Purge while another holds the lock = %d, %v; want 0, nil", n, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Purge waited %s for the lock; want it to skip", d)
	}
	_ = tx.Rollback(ctx)
	if n, err := log.Purge(ctx, time.Now().AddDate(0, 0, -90)); err != nil || n != 1 {
		t.Errorf("Purge after the lock is released = %d, %v; want 1", n, err)
	}
}

// TestAnswerLogStoresNoRawIDs asks and votes through the edge with raw
// Slack-like ids, then scans every row of both tables, as text, for them.
func TestAnswerLogStoresNoRawIDs(t *testing.T) {
	s, url := openLog(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alog := feedback.New(s.AnswerLog(), feedback.Options{Key: []byte("test-key")})
	go alog.Run(ctx)
	front := edge.New(testcore.Service(t), edge.Options{AnswerLog: alog})
	const user, channel = "U0RAWUSER42", "C0RAWCHAN42"
	for i, q := range []string{"Which minister announced the Typhoon exercise plan?", "Who won the 2015 Rugby World Cup?"} {
		id := "rq" + string(rune('a'+i))
		if _, err := front.Ask(ctx, edge.Question{Surface: edge.SurfaceSlack, ID: id, Text: q, User: user, Channel: channel}); err != nil {
			t.Fatalf("Ask(%q) = %v", q, err)
		}
		if _, err := front.Vote(ctx, edge.Vote{Surface: edge.SurfaceSlack, AnswerID: id, User: user, Value: feedback.Down}); err != nil {
			t.Fatalf("Vote(%s) = %v", id, err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"answer_log", "answer_votes"} {
		rows, err := conn.Query(ctx, `SELECT t::text FROM `+table+` t`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			n++
			for _, raw := range []string{user, channel, strings.ToLower(user)} {
				if strings.Contains(row, raw) {
					t.Errorf("%s row %s holds the raw id %q", table, row, raw)
				}
			}
		}
		rows.Close()
		if n != 2 {
			t.Errorf("%s has %d rows; want 2", table, n)
		}
	}
	recs, err := alog.Since(ctx, time.Time{})
	if err != nil || len(recs) != 2 || recs[0].Abstained || !recs[1].Abstained || len(recs[0].Chunks) == 0 || recs[0].Answerer != "extractive" {
		t.Errorf("Since = %+v, %v; want an answer with chunks then a refusal", recs, err)
	}
}
