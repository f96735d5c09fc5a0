package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// bm25Functions are the functions of migration 00007's triggers, with
// their argument types.
var bm25Functions = []string{"bm25_changed()", "bm25_count(integer, bigint, bigint, text[], bigint[])", "bm25_build_blocks()"}

// countTerms recounts the BM25 statistics (bm25_corpus, bm25_terms) and
// recuts the lexical arm's blocks (bm25_blocks) from the chunks, in tx:
// after a bulk load that left them out, a backfill, or to compact the
// blocks later writes added (BuildIndex).
// It updates bm25_corpus first, the lock every writer of chunks takes
// first (migration 00007).
func (s *Store) countTerms(ctx context.Context, tx pgx.Tx) error {
	for _, stmt := range []string{
		`UPDATE bm25_corpus SET chunks = (SELECT count(*) FROM chunks), terms = (SELECT coalesce(sum(lex_len), 0) FROM chunks)`,
		`DELETE FROM bm25_terms`,
		`INSERT INTO bm25_terms (term, df) SELECT u.term, count(*) FROM chunks, unnest(lex_terms) AS u(term) GROUP BY u.term`,
		`SELECT bm25_build_blocks()`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return s.classify(err, "count terms")
		}
	}
	return nil
}

// backfillBatch is how many chunks backfillTerms analyzes per round trip.
const backfillBatch = 1000

// backfillTerms gives the chunks written before migration 00007 their
// lexical columns, with this Store's analyzer, and then counts the
// statistics. It is a no-op once every chunk has them.
func (s *Store) backfillTerms(ctx context.Context) error {
	done := 0
	for {
		rows, err := s.pool.Query(ctx, `SELECT document_id, ordinal, text FROM chunks WHERE lex_len IS NULL LIMIT $1`, backfillBatch)
		if err != nil {
			return s.classify(err, "backfill terms")
		}
		type key struct {
			doc  string
			ord  int32
			text string
		}
		todo, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (key, error) {
			var k key
			err := row.Scan(&k.doc, &k.ord, &k.text)
			return k, err
		})
		if err != nil {
			return s.classify(err, "backfill terms")
		}
		if len(todo) == 0 {
			break
		}
		var b pgx.Batch
		for _, k := range todo {
			terms, tfs, n := countTerms(s.analyzer.Terms(k.text))
			b.Queue(`UPDATE chunks SET lex_terms = $3, lex_tfs = $4, lex_len = $5 WHERE document_id = $1 AND ordinal = $2`,
				k.doc, k.ord, terms, tfs, n)
		}
		if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
			return s.classify(err, "backfill terms")
		}
		done += len(todo)
	}
	if done == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.classify(err, "backfill terms")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if err := s.countTerms(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return s.classify(err, "backfill terms")
	}
	s.log.Info("postgres: analyzed the chunks of an older store for BM25", "chunks", done)
	return nil
}
