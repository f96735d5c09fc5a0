package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/retrieval"
)

// The lexical arm ranks by BM25 (retrieval.BM25Weight, BM25Norm,
// BM25Term) over the analyzer's terms, exactly: its top k are the k
// best-scoring chunks among every chunk holding any of the question's
// terms, as if all were scored, ties broken by document ID (bytes) and
// ordinal, the in-process store's order. It gets there by walking each
// term's impact-ordered postings (bm25_blocks, migration 00007) best
// first and stopping as soon as no chunk it has not read can still
// enter the top k (walk.go); before BuildIndex has cut the blocks of a
// bulk load it scores every chunk holding a term (exhaustive).

// lexTerm is one of a question's terms with its weight.
type lexTerm struct {
	term string
	df   int64
	w    float64
}

// lexStatsSQL reads whether the full-text index ($2) exists, the store's
// BM25 statistics, and the document frequencies of the terms $1, in their
// order (0 for a term no chunk holds), each looked up by bm25_terms' key:
// a join let the planner hash all of bm25_terms and plan a parallel scan
// of chunks for the fallback below, 0.7 s a question at a million chunks.
// With the statistics come ref_avg, the average length the blocks were
// cut with (NULL while they are incomplete, a bulk load before
// BuildIndex, or there are none), and how many chunks were removed since.
const lexStatsSQL = `SELECT to_regclass($2) IS NOT NULL, c.chunks, c.terms, c.ref_avg, c.removed,
    array(SELECT coalesce((SELECT t.df FROM bm25_terms t WHERE t.term = u.term), 0)
          FROM unnest($1::text[]) WITH ORDINALITY AS u(term, i) ORDER BY u.i)
FROM bm25_corpus c`

// lexCountSQL counts the statistics of lexStatsSQL from the chunks, for
// a bulk load before BuildIndex has made the full-text index and counted
// them.
const lexCountSQL = `SELECT count(*), coalesce(sum(lex_len), 0),
    array(SELECT (SELECT count(*) FROM chunks WHERE lex_terms @> ARRAY[u.term])
          FROM unnest($1::text[]) WITH ORDINALITY AS u(term, i) ORDER BY u.i)
FROM chunks`

// lexScoreSQL scores the chunks matching WHERE (over c) by BM25 for the
// terms $1 of weights $2 ($3 = k1, $4 = b, $5 = the average length),
// adding the terms' scores in the question's order as
// retrieval.BM25Term does, and returns the best LIMIT ($6) with metadata,
// COSINE and the score.
const lexScoreSQL = `WITH top AS (
    SELECT c.document_id, c.ordinal, s.score
    FROM chunks c,
    LATERAL (SELECT $3::float8 * (1 - $4::float8 + $4::float8 * c.lex_len / $5::float8) AS norm) n,
    LATERAL (SELECT sum(q.w * x.f / (x.f + n.norm) ORDER BY q.i) AS score
             FROM unnest($1::text[], $2::float8[]) WITH ORDINALITY AS q(term, w, i),
             LATERAL (SELECT c.lex_tfs[array_position(c.lex_terms, q.term)]::float8 AS f) x
             WHERE x.f IS NOT NULL) s
    WHERE WHERE_CLAUSE
    ORDER BY s.score DESC, c.document_id COLLATE "C", c.ordinal
    LIMIT $6
)
SELECT ` + hitColumns + `, COSINE, top.score
FROM top
JOIN chunks c ON c.document_id = top.document_id AND c.ordinal = top.ordinal
JOIN documents d ON d.id = c.document_id
ORDER BY top.score DESC, c.document_id COLLATE "C", c.ordinal`

// lexHit is a lexical hit and its BM25 score.
type lexHit struct {
	armHit
	score float64
}

// lexicalArm returns the cand chunks with the best BM25 score for text,
// best first, with Cosine against vec (nil: 0). It reads the store's
// embedder first when withMeta (a query without a vector), checked with
// check; errEmpty for an empty store.
func (s *Store) lexicalArm(ctx context.Context, text string, vec any, cand int, withMeta bool, check func(meta) error) ([]armHit, error) {
	hs, err := s.lexical(ctx, text, vec, cand, withMeta, check, false)
	return hits(hs), err
}

// lexical is lexicalArm with the scores; exhaustive scores every chunk
// holding any of the terms (no walk). All its statements read one
// snapshot, so a write committed meanwhile is seen by none or all.
func (s *Store) lexical(ctx context.Context, text string, vec any, cand int, withMeta bool, check func(meta) error, exhaustive bool) ([]lexHit, error) {
	words := distinct(s.analyzer.Terms(text))
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, s.check(ctx, err, "search: lexical")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	var b pgx.Batch
	if withMeta {
		b.Queue(`SELECT embedder, dimensions FROM store_meta`)
	}
	b.Queue(lexStatsSQL, words, ginIndex)
	br := tx.SendBatch(ctx, &b)
	defer br.Close()
	if withMeta {
		if err := s.checkArmMeta(ctx, br, check); err != nil {
			return nil, err
		}
	}
	var indexed bool
	var n, total, removed int64
	var ref *float64
	var dfs []int64
	if err := br.QueryRow().Scan(&indexed, &n, &total, &ref, &removed, &dfs); err != nil {
		return nil, s.check(ctx, err, "search: term statistics")
	}
	if err := br.Close(); err != nil {
		return nil, s.check(ctx, err, "search: term statistics")
	}
	if !indexed {
		ref, removed = nil, 0
		if err := tx.QueryRow(ctx, lexCountSQL, words).Scan(&n, &total, &dfs); err != nil {
			return nil, s.check(ctx, err, "search: term statistics")
		}
	}
	var terms []lexTerm
	for i, w := range words {
		if dfs[i] > 0 {
			terms = append(terms, lexTerm{w, dfs[i], retrieval.BM25Weight(n, dfs[i])})
		}
	}
	if len(terms) == 0 || n == 0 || total == 0 {
		return nil, nil
	}
	sc := lexScorer{s: s, q: tx, terms: terms, avg: float64(total) / float64(n), vec: vec, cand: cand}
	if exhaustive || ref == nil {
		return sc.score(ctx, "c.lex_terms && $7::text[]", [][]string{names(terms)})
	}
	return sc.walk(ctx, *ref, removed == 0)
}

// lexScorer runs the statements of one lexical search.
type lexScorer struct {
	s     *Store
	q     pgx.Tx
	terms []lexTerm // the question's terms any chunk holds, in its order
	avg   float64
	vec   any
	cand  int
}

// score runs lexScoreSQL over the chunks matching where, whose term-set
// parameters are sets, $7 on; the vector, when there is one, follows them.
func (sc *lexScorer) score(ctx context.Context, where string, sets [][]string) ([]lexHit, error) {
	words := make([]string, len(sc.terms))
	weights := make([]float64, len(sc.terms))
	for i, t := range sc.terms {
		words[i], weights[i] = t.term, t.w
	}
	args := []any{words, weights, retrieval.BM25K1, retrieval.BM25B, sc.avg, sc.cand}
	for _, set := range sets {
		args = append(args, set)
	}
	cosine := "0::float8"
	if sc.vec != nil {
		args = append(args, sc.vec)
		cosine = "1 - (c.embedding <=> $" + strconv.Itoa(len(args)) + ")"
	}
	query := strings.Replace(strings.Replace(lexScoreSQL, "WHERE_CLAUSE", where, 1), "COSINE", cosine, 1)
	rows, err := sc.q.Query(ctx, query, args...)
	if err != nil {
		return nil, sc.s.check(ctx, err, "search: lexical")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (lexHit, error) {
		var h lexHit
		var err error
		h.armHit, err = scanHitWith(row, &h.score)
		return h, err
	})
	if err != nil {
		return nil, sc.s.check(ctx, err, "search: lexical")
	}
	return out, nil
}

// names returns the terms of ts.
func names(ts []lexTerm) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.term
	}
	return out
}

// hits drops the scores of hs.
func hits(hs []lexHit) []armHit {
	out := make([]armHit, len(hs))
	for i, h := range hs {
		out[i] = h.armHit
	}
	return out
}

// distinct returns terms without repeats, in order of first occurrence.
func distinct(terms []string) []string {
	seen := make(map[string]bool, len(terms))
	var out []string
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Lexical returns the k chunks with the best BM25 score for text, best
// first, with Distance the negated score: the lexical arm as Search runs
// it, or with exact every chunk holding any of the terms scored (the
// ground truth for the arm's recall, coopbot bench). Errors: EINVALID for
// k out of range; EUNAVAILABLE when the database cannot be reached.
func (b *Bench) Lexical(ctx context.Context, text string, k int, exact bool) ([]Neighbor, error) {
	s := b.s
	if k <= 0 || k > MaxEfSearch {
		return nil, retrieval.Errorf(retrieval.EINVALID, "k must be between 1 and %d, not %d", MaxEfSearch, k)
	}
	hs, err := s.lexical(ctx, text, nil, k, false, nil, exact)
	if err != nil {
		return nil, err
	}
	out := make([]Neighbor, len(hs))
	for i, h := range hs {
		out[i] = Neighbor{DocumentID: h.Chunk.DocumentID, Ordinal: h.Chunk.Ordinal, Distance: -h.score}
	}
	return out, nil
}
