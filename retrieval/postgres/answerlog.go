package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/feedback"
)

// purgeLock is the advisory lock key a purge of the answer log holds for
// its transaction (the bytes of "cooppurg"), so that of several replicas
// one purges at a time and the others skip their turn.
const purgeLock = 0x636f6f7070757267

// AnswerLog is the answer log (feedback.Store) in the store's database,
// in the tables of migration 00005.
type AnswerLog struct{ s *Store }

var _ feedback.Store = AnswerLog{}

// AnswerLog returns the answer log kept in s's database.
func (s *Store) AnswerLog() AnswerLog { return AnswerLog{s: s} }

// Append implements feedback.Store: one multi-row INSERT, ids already
// stored left as they are.
func (l AnswerLog) Append(ctx context.Context, entries []feedback.Entry) error {
	b := &pgx.Batch{}
	for _, e := range entries {
		chunks := e.Chunks
		if chunks == nil {
			chunks = []feedback.Chunk{}
		}
		cj, err := json.Marshal(chunks)
		if err != nil {
			return fmt.Errorf("encode chunks of %s: %w", e.ID, err)
		}
		b.Queue(`INSERT INTO answer_log (id, at, surface, channel, asker, question, standalone, abstained, chunks, answerer, latency_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.Time, e.Surface, e.Channel, e.User, e.Question, e.Standalone, e.Abstained, cj, e.Answerer,
			float64(e.Latency)/float64(time.Millisecond))
	}
	if err := l.s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("append to answer log: %w", err)
	}
	return nil
}

// Vote implements feedback.Store: one statement that inserts the vote,
// or replaces the voter's earlier one, and says which.
func (l AnswerLog) Vote(ctx context.Context, v feedback.Vote) (feedback.Result, error) {
	var inserted, same bool
	err := l.s.pool.QueryRow(ctx, `
WITH old AS (SELECT vote FROM answer_votes WHERE answer_id = $1 AND voter = $2),
up AS (
    INSERT INTO answer_votes (answer_id, voter, surface, vote, comment, at)
    SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM answer_log WHERE id = $1)
    ON CONFLICT (answer_id, voter) DO UPDATE SET vote = EXCLUDED.vote, comment = EXCLUDED.comment, surface = EXCLUDED.surface, at = EXCLUDED.at
    RETURNING 1
)
SELECT NOT EXISTS (SELECT 1 FROM old), COALESCE((SELECT vote = $4 FROM old), false) FROM up`,
		v.AnswerID, v.Voter, v.Surface, v.Value, v.Comment, v.Time).Scan(&inserted, &same)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, feedback.ErrUnknownAnswer
	case err != nil:
		return 0, fmt.Errorf("record vote: %w", err)
	case inserted:
		return feedback.Recorded, nil
	case same:
		return feedback.Unchanged, nil
	}
	return feedback.Changed, nil
}

// Since implements feedback.Store.
func (l AnswerLog) Since(ctx context.Context, t time.Time) ([]feedback.Record, error) {
	rows, err := l.s.pool.Query(ctx, `
SELECT a.id, a.at, a.surface, a.channel, a.asker, a.question, a.standalone, a.abstained, a.chunks, a.answerer, a.latency_ms,
       count(v.vote) FILTER (WHERE v.vote = 'up'), count(v.vote) FILTER (WHERE v.vote = 'down'),
       COALESCE(array_agg(v.comment) FILTER (WHERE v.comment <> ''), '{}')
FROM answer_log a LEFT JOIN answer_votes v ON v.answer_id = a.id
WHERE a.at >= $1
GROUP BY a.id
ORDER BY a.at, a.id`, t)
	if err != nil {
		return nil, fmt.Errorf("read answer log: %w", err)
	}
	defer rows.Close()
	var out []feedback.Record
	for rows.Next() {
		var r feedback.Record
		var cj []byte
		var ms float64
		if err := rows.Scan(&r.ID, &r.Time, &r.Surface, &r.Channel, &r.User, &r.Question, &r.Standalone, &r.Abstained, &cj,
			&r.Answerer, &ms, &r.Ups, &r.Downs, &r.Comments); err != nil {
			return nil, fmt.Errorf("read answer log: %w", err)
		}
		if err := json.Unmarshal(cj, &r.Chunks); err != nil {
			return nil, fmt.Errorf("decode chunks of %s: %w", r.ID, err)
		}
		r.Latency = time.Duration(ms * float64(time.Millisecond))
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read answer log: %w", err)
	}
	return out, nil
}

// Purge implements feedback.Store: under a transaction-scoped advisory
// lock, so that when several replicas purge on the same schedule one
// deletes and the others, not getting the lock, return 0 at once.
func (l AnswerLog) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, l.s.pool, func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(purgeLock)).Scan(&got); err != nil || !got {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM answer_log WHERE at < $1`, before)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge answer log: %w", err)
	}
	return n, nil
}
