package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/coopbot/coopbot/retrieval"
)

// hitColumns are selected by both arms, in scanHit's order. The
// document's updated_at tells the versions of a document apart (see
// oneVersion).
const hitColumns = `c.document_id, c.ordinal, c.para_start, c.para_end, c.start_off, c.end_off, c.text, c.sentences, c.page,
	d.title, d.date, d.outlet, d.author, d.source, d.hash, d.updated_at`

// denseSQL is the k-NN arm's query for the limit nearest chunks of shard
// j: the inner query is the shape the shard's partial HNSW index serves
// (its predicate, ORDER BY distance LIMIT n); the outer one joins metadata
// and breaks distance ties deterministically. The limit is written into
// the text, not a parameter: a generic plan that does not know it prefers
// a sequential scan over the index.
func denseSQL(j, limit int) string {
	return `SELECT ` + hitColumns + `, 1 - c.dist
FROM (SELECT document_id, ordinal, para_start, para_end, start_off, end_off, text, sentences, page,
             embedding <=> $1 AS dist
      FROM chunks WHERE ` + shardPredicate(j) + ` ORDER BY embedding <=> $1 LIMIT ` + strconv.Itoa(limit) + `) c
JOIN documents d ON d.id = c.document_id
ORDER BY c.dist, c.document_id, c.ordinal`
}

// denseSettings precede a denseSQL or nearestSQL query in its batch: the
// search breadth ($1) and the generic plan their written-in LIMIT allows
// (see Search).
const denseSettings = `SELECT set_config('hnsw.ef_search', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)`

// Search runs the dense arm (HNSW, cosine; one search per shard, see
// Shards) and the lexical arm (BM25 over the analyzer's terms of the
// question, any of them; exact top k, see lexicalArm) concurrently, each
// on its own connections, and fuses them with retrieval.Fuse. Each arm
// fetches max(q.K, q.Candidates) chunks, capped at 1000; hnsw.ef_search is
// raised to at least that. A query
// without Vector runs only the lexical arm, one without Text only the
// dense arm. Hits carry document metadata (no text) and chunk sentences;
// Cosine is 1 - cosine distance (also for lexical-only hits when q.Vector
// is set). Errors: EMISMATCH when q.Embedder or the query's dimensions
// differ from the store's; EUNAVAILABLE when the database cannot be
// reached. An empty store returns no hits.
func (s *Store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	if err := s.answering(); err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if q.K < 1 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "search needs k of at least 1 (got %d)", q.K)
	}
	cand := min(max(q.Candidates, q.K), MaxEfSearch)
	ef := max(s.efSearch, cand)
	text := strings.ReplaceAll(strings.ToValidUTF8(q.Text, " "), "\x00", " ")
	hasText := strings.TrimSpace(text) != ""
	check := queryCheck(q)
	// A zero vector has no direction: its cosine distance to every chunk
	// is NaN. It ranks nothing, and hits get Cosine 0.
	var vec any
	if !isZero(q.Vector) {
		vec = pgvector.NewVector(q.Vector)
	}
	if !hasText && vec == nil {
		return nil, s.checkOnly(ctx, q, check)
	}

	var lexical []armHit
	var lexErr error
	var wg sync.WaitGroup
	if hasText {
		run := func() { lexical, lexErr = s.lexicalArm(ctx, text, vec, cand, vec == nil, check) }
		if vec == nil {
			run()
		} else {
			wg.Go(run)
		}
	}
	var dense []armHit
	if vec != nil {
		var err error
		dense, err = s.denseArm(ctx, vec, ef, cand, check)
		wg.Wait()
		if err != nil {
			if errors.Is(err, errEmpty) {
				return nil, nil
			}
			return nil, err
		}
	}
	if lexErr != nil {
		if errors.Is(lexErr, errEmpty) {
			return nil, nil
		}
		return nil, lexErr
	}
	d, l := oneVersion(dense, lexical)
	return retrieval.Fuse(d, l, q.K), nil
}

// armHit is a hit with the version (updated_at) of its document.
type armHit struct {
	retrieval.Hit
	version time.Time
}

// oneVersion returns the arms' hits without any chunk of an older version
// of a document than the newest either arm saw. The arms run on their own
// connections, each with its own snapshot, so a PutDocument committing
// between them can show one arm the old chunks and the other the new;
// retrieval.Store promises readers one version or the other.
func oneVersion(dense, lexical []armHit) ([]retrieval.Hit, []retrieval.Hit) {
	newest := make(map[string]time.Time, len(dense)+len(lexical))
	for _, h := range slices.Concat(dense, lexical) {
		if v, ok := newest[h.Chunk.DocumentID]; !ok || h.version.After(v) {
			newest[h.Chunk.DocumentID] = h.version
		}
	}
	keep := func(hits []armHit) []retrieval.Hit {
		out := make([]retrieval.Hit, 0, len(hits))
		for _, h := range hits {
			if h.version.Equal(newest[h.Chunk.DocumentID]) {
				out = append(out, h.Hit)
			}
		}
		return out
	}
	return keep(dense), keep(lexical)
}

// queryCheck returns the check of a store's embedder record against q
// (retrieval.Store's EMISMATCH): a query with a vector or a named
// embedder must match its name and dimensions.
func queryCheck(q retrieval.Query) func(meta) error {
	dims := q.Dimensions
	if dims == 0 {
		dims = len(q.Vector)
	}
	return func(m meta) error {
		if (q.Vector != nil || q.Embedder != "") && (m.embedder != q.Embedder || m.dims != dims || q.Vector != nil && len(q.Vector) != m.dims) {
			return mismatch(m, q.Embedder, max(dims, len(q.Vector)))
		}
		return nil
	}
}

// denseArm asks every shard's HNSW index for its cand nearest chunks,
// one batch per shard, all at once (the first also reads the store's
// embedder), and merges them.
func (s *Store) denseArm(ctx context.Context, vec any, ef, cand int, check func(meta) error) ([]armHit, error) {
	parts := make([][]armHit, Shards)
	err := eachShard(func(j int) error {
		var b pgx.Batch
		if j == 0 {
			b.Queue(`SELECT embedder, dimensions FROM store_meta`)
		}
		b.Queue(denseSettings, strconv.Itoa(ef))
		b.Queue(denseSQL(j, cand), vec)
		var err error
		parts[j], err = s.runArm(ctx, &b, j == 0, check, "dense")
		return err
	})
	if err != nil {
		return nil, err
	}
	return mergeShards(parts, cand, hitKey), nil
}

// checkOnly checks a query that runs neither arm against the store's
// embedder, as if it had run (retrieval.Store's EMISMATCH).
func (s *Store) checkOnly(ctx context.Context, q retrieval.Query, check func(meta) error) error {
	if q.Vector == nil && q.Embedder == "" {
		return nil
	}
	m, ok, err := readMeta(ctx, s.pool)
	if err != nil {
		return s.check(ctx, err, "search: read embedder")
	}
	if !ok {
		return nil
	}
	return check(m)
}

// isZero reports whether v is nil or all zeros.
func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// eachShard runs f for every shard at once (shard 0 on the calling
// goroutine) and returns the first shard's error, in shard order.
func eachShard(f func(j int) error) error {
	errs := make([]error, Shards)
	var wg sync.WaitGroup
	for j := 1; j < Shards; j++ {
		wg.Go(func() { errs[j] = f(j) })
	}
	errs[0] = f(0)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// mergeShards merges the shards' lists, each closest first, into the n
// closest overall, ties broken by document ID and ordinal as within a
// shard; key gives an item's distance (smaller is closer), document ID and
// ordinal.
func mergeShards[T any](parts [][]T, n int, key func(T) (float64, string, int)) []T {
	var all []T
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.SortStableFunc(all, func(a, b T) int {
		da, ia, oa := key(a)
		db, ib, ob := key(b)
		if c := cmp.Compare(da, db); c != 0 {
			return c
		}
		if c := strings.Compare(ia, ib); c != 0 {
			return c
		}
		return cmp.Compare(oa, ob)
	})
	return all[:min(n, len(all))]
}

// hitKey is a dense hit's mergeShards key: closer means a larger cosine.
func hitKey(h armHit) (float64, string, int) {
	return -h.Cosine, h.Chunk.DocumentID, h.Chunk.Ordinal
}

// errEmpty reports an empty store (no embedder recorded) from runArm.
var errEmpty = errors.New("empty store")

// runArm sends one arm's batch: optionally the store_meta read (checked
// with check; errEmpty when the store is empty), the settings, and the
// arm's query, whose hits it returns.
func (s *Store) runArm(ctx context.Context, b *pgx.Batch, withMeta bool, check func(meta) error, arm string) ([]armHit, error) {
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if withMeta {
		if err := s.checkArmMeta(ctx, br, check); err != nil {
			return nil, err
		}
	}
	if _, err := br.Exec(); err != nil {
		return nil, s.check(ctx, err, "search: settings")
	}
	hits, err := collectHits(br)
	if err != nil {
		return nil, s.check(ctx, err, "search: "+arm)
	}
	if err := br.Close(); err != nil {
		return nil, s.check(ctx, err, "search: "+arm)
	}
	return hits, nil
}

// checkArmMeta reads the store_meta row an arm's batch starts with and
// checks it with check; errEmpty when the store is empty.
func (s *Store) checkArmMeta(ctx context.Context, br pgx.BatchResults, check func(meta) error) error {
	var m meta
	err := br.QueryRow().Scan(&m.embedder, &m.dims)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errEmpty
	case err != nil:
		return s.check(ctx, err, "search: read embedder")
	}
	return check(m)
}

func collectHits(br pgx.BatchResults) ([]armHit, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanHit)
}

func scanHit(row pgx.CollectableRow) (armHit, error) { return scanHitWith(row) }

// scanHitWith scans a hit's columns (hitColumns and the cosine) and then
// extra.
func scanHitWith(row pgx.CollectableRow, extra ...any) (armHit, error) {
	var h armHit
	var ord, ps, pe, so, eo, page int32
	var sent []int32
	c, d := &h.Chunk, &h.Document
	err := row.Scan(append([]any{&c.DocumentID, &ord, &ps, &pe, &so, &eo, &c.Text, &sent, &page,
		&d.Title, &d.Date, &d.Outlet, &d.Author, &d.Source, &d.Hash, &h.version, &h.Cosine}, extra...)...)
	if err != nil {
		return h, err
	}
	c.Ordinal, c.ParaStart, c.ParaEnd, c.Start, c.End, c.Page = int(ord), int(ps), int(pe), int(so), int(eo), int(page)
	d.ID = c.DocumentID
	if len(sent) > 0 {
		c.Sentences = make([]retrieval.Span, 0, len(sent)/2)
		for i := 0; i+1 < len(sent); i += 2 {
			c.Sentences = append(c.Sentences, retrieval.Span{Start: int(sent[i]), End: int(sent[i+1])})
		}
	}
	return h, nil
}
