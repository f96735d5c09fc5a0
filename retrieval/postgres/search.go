package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/coopbot/coopbot/retrieval"
)

// hitColumns are selected by both arms, in scanHit's order.
const hitColumns = `c.document_id, c.ordinal, c.para_start, c.para_end, c.start_off, c.end_off, c.text, c.sentences,
	d.title, d.date, d.outlet, d.author, d.source, d.hash`

// denseSQL is the k-NN arm: the inner query is the shape the HNSW index
// serves (ORDER BY distance LIMIT n); the outer one joins metadata and
// breaks distance ties deterministically.
const denseSQL = `SELECT ` + hitColumns + `, 1 - c.dist
FROM (SELECT document_id, ordinal, para_start, para_end, start_off, end_off, text, sentences,
             embedding <=> $1 AS dist
      FROM chunks ORDER BY embedding <=> $1 LIMIT $2) c
JOIN documents d ON d.id = c.document_id
ORDER BY c.dist, c.document_id, c.ordinal`

// lexicalSQL is the full-text arm with OR semantics: plainto_tsquery
// stems the question and drops stop words, and its AND operators become
// OR so a chunk matching only some content words still ranks (by ts_rank,
// which rewards more matches). A question with no content words yields an
// empty tsquery, which matches nothing.
//
// On a large store a common word matches a large share of the chunks, and
// ranking them all costs seconds, so the arm ranks a bounded candidate
// set ($3 rows from each branch): the chunks matching every content word
// (the AND query, served by the GIN index when it is selective), and the
// first chunks matching any of them. The planner sees the queries as
// constants (custom plans), so it picks the GIN index for rare words and a
// sequential scan that stops after $3 matches for common ones. Below $3
// matches per branch the result is exactly the full ranking. The top rows
// are picked first; metadata and COSINE (replaced by the cosine expression
// or 0) are computed only for them.
const lexicalSQL = `WITH m AS (
    (SELECT c.document_id, c.ordinal, c.tsv FROM chunks c
     WHERE c.tsv @@ plainto_tsquery('english', $1) LIMIT $3)
    UNION ALL
    (SELECT c.document_id, c.ordinal, c.tsv FROM chunks c
     WHERE c.tsv @@ replace(plainto_tsquery('english', $1)::text, ' & ', ' | ')::tsquery LIMIT $3)
), top AS (
    SELECT DISTINCT ON (rank, m.document_id, m.ordinal) m.document_id, m.ordinal,
           ts_rank(m.tsv, replace(plainto_tsquery('english', $1)::text, ' & ', ' | ')::tsquery) AS rank
    FROM m
    ORDER BY rank DESC, m.document_id, m.ordinal
    LIMIT $2
)
SELECT ` + hitColumns + `, COSINE
FROM top
JOIN chunks c ON c.document_id = top.document_id AND c.ordinal = top.ordinal
JOIN documents d ON d.id = c.document_id
ORDER BY top.rank DESC, c.document_id, c.ordinal`

// Search runs the dense arm (HNSW, cosine) and the lexical arm (full-text,
// OR over the question's content words) in one round trip (one implicit
// transaction), and fuses them with retrieval.Fuse. Each arm fetches
// max(q.K, q.Candidates) chunks, capped at 1000; hnsw.ef_search is raised
// to at least that. The lexical arm ranks at most 2 × max(LexicalScan,
// candidates) chunks (see Options.LexicalScan). A query without Vector runs only the lexical arm, one
// without Text only the dense arm. Hits carry document metadata (no text)
// and chunk sentences; Cosine is 1 - cosine distance (also for
// lexical-only hits when q.Vector is set). Errors: EMISMATCH when
// q.Embedder or the query's dimensions differ from the store's;
// EUNAVAILABLE when the database cannot be reached. An empty store
// returns no hits.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	if q.K <= 0 {
		return nil, nil
	}
	cand := min(max(q.Candidates, q.K), maxEfSearch)
	ef := max(s.efSearch, cand)
	scan := max(s.lexicalScan, cand)
	text := strings.ReplaceAll(strings.ToValidUTF8(q.Text, " "), "\x00", " ")
	dims := q.Dimensions
	if dims == 0 {
		dims = len(q.Vector)
	}

	// One round trip: the batch runs as one implicit transaction (one
	// Sync), so the set_config(..., true) settings hold for both arms.
	var b pgx.Batch
	b.Queue(`SELECT embedder, dimensions FROM store_meta`)
	// A generic plan for the k-NN query (LIMIT $2 unknown) prefers a
	// sequential scan over the HNSW index: force custom plans.
	b.Queue(`SELECT set_config('hnsw.ef_search', $1, true), set_config('plan_cache_mode', 'force_custom_plan', true)`, strconv.Itoa(ef))
	var vec any
	if q.Vector != nil {
		vec = pgvector.NewVector(q.Vector)
		b.Queue(denseSQL, vec, cand)
	}
	if strings.TrimSpace(text) != "" {
		if vec != nil {
			b.Queue(strings.Replace(lexicalSQL, "COSINE", "1 - (c.embedding <=> $4)", 1), text, cand, scan, vec)
		} else {
			b.Queue(strings.Replace(lexicalSQL, "COSINE", "0::float8", 1), text, cand, scan)
		}
	}
	br := s.pool.SendBatch(ctx, &b)
	defer br.Close()

	var m meta
	err := br.QueryRow().Scan(&m.embedder, &m.dims)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil // empty store
	case err != nil:
		return nil, s.classify(err, "search: read embedder")
	}
	if (q.Vector != nil || q.Embedder != "") && (m.embedder != q.Embedder || m.dims != dims) {
		return nil, mismatch(m, q.Embedder, dims)
	}
	if _, err := br.Exec(); err != nil {
		return nil, s.classify(err, "search: set ef_search")
	}
	var dense, lexical []retrieval.Hit
	if q.Vector != nil {
		if dense, err = collectHits(br); err != nil {
			return nil, s.classify(err, "search: dense")
		}
	}
	if strings.TrimSpace(text) != "" {
		if lexical, err = collectHits(br); err != nil {
			return nil, s.classify(err, "search: lexical")
		}
	}
	if err := br.Close(); err != nil {
		return nil, s.classify(err, "search")
	}
	return retrieval.Fuse(dense, lexical, q.K), nil
}

func collectHits(br pgx.BatchResults) ([]retrieval.Hit, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanHit)
}

func scanHit(row pgx.CollectableRow) (retrieval.Hit, error) {
	var h retrieval.Hit
	var ord, ps, pe, so, eo int32
	var sent []int32
	c, d := &h.Chunk, &h.Document
	err := row.Scan(&c.DocumentID, &ord, &ps, &pe, &so, &eo, &c.Text, &sent,
		&d.Title, &d.Date, &d.Outlet, &d.Author, &d.Source, &d.Hash, &h.Cosine)
	if err != nil {
		return h, err
	}
	c.Ordinal, c.ParaStart, c.ParaEnd, c.Start, c.End = int(ord), int(ps), int(pe), int(so), int(eo)
	d.ID = c.DocumentID
	if len(sent) > 0 {
		c.Sentences = make([]retrieval.Span, 0, len(sent)/2)
		for i := 0; i+1 < len(sent); i += 2 {
			c.Sentences = append(c.Sentences, retrieval.Span{Start: int(sent[i]), End: int(sent[i+1])})
		}
	}
	return h, nil
}
