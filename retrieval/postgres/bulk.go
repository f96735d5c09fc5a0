package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"

	"github.com/coopbot/coopbot/retrieval"
)

// Index names, as created by the migrations, PutDocument and BuildIndex.
// The HNSW index is one partial index per shard, named hnswIndex_j
// (hnswName); hnswIndex alone is the single index of stores built before
// shards (migration 00003 replaces it).
const (
	hnswIndex = "chunks_embedding_hnsw"
	ginIndex  = "chunks_lex_gin"
)

// Shards is how many HNSW graphs hold the chunks: each chunk belongs to
// the shard its document ID hashes to (shardPredicate), every shard has its
// own partial HNSW index, and the dense arm searches them all at once, one
// connection each, and merges their nearest chunks. Half the chunks make a
// graph in which the same ef_search finds more of the exact neighbours, so
// two half-size searches running side by side on two cores reach recall
// 0.95 sooner than one search of the whole graph (docs/performance.md). It
// must be a power of two.
const Shards = 2

// shardPredicate is shard j's partial-index predicate. The dense arm's
// query repeats it verbatim, which is how the planner picks the shard's
// index. hashtext is immutable; the bit mask keeps it non-negative.
func shardPredicate(j int) string {
	return `(hashtext(document_id) & ` + strconv.Itoa(Shards-1) + `) = ` + strconv.Itoa(j)
}

// hnswName is the name of shard j's HNSW index.
func hnswName(j int) string { return hnswIndex + "_" + strconv.Itoa(j) }

// createHNSW creates shard j's HNSW index. ef_construction is four times
// pgvector's default of 64: hash-embedded questions are far from every
// chunk, the hard case for HNSW, and a better-built graph finds more of
// their exact neighbours at the same ef_search. On a million chunks in one
// graph recall@10 at ef_search 200 went 0.911 → 0.924–0.935 (two builds)
// from ef_construction 128 to 256, for a 712–728 s build instead of 461 s
// (docs/performance.md); m stays at the default 16, since more neighbours
// make every search step dearer.
func createHNSW(j int) string {
	return `CREATE INDEX IF NOT EXISTS ` + hnswName(j) + ` ON chunks USING hnsw (embedding vector_cosine_ops)
		WITH (m = 16, ef_construction = 256) WHERE ` + shardPredicate(j)
}

// hnswStatements are the statements that create every shard's HNSW index.
func hnswStatements() []string {
	stmts := make([]string, Shards)
	for j := range stmts {
		stmts[j] = createHNSW(j)
	}
	return stmts
}

// hnswNames are the names of every shard's HNSW index.
func hnswNames() []string {
	names := make([]string, Shards)
	for j := range names {
		names[j] = hnswName(j)
	}
	return names
}

// dropHNSW are the statements that drop every HNSW index, the single one
// of a store built before shards included.
func dropHNSW() []string {
	stmts := []string{`DROP INDEX IF EXISTS ` + hnswIndex}
	for _, name := range hnswNames() {
		stmts = append(stmts, `DROP INDEX IF EXISTS `+name)
	}
	return stmts
}

// Bench is the bench's access to a Store (coopbot bench, bench/): bulk
// loading without index maintenance, building the indexes afterwards,
// and the dense arm alone, exact or approximate, for measuring recall.
// None of it serves questions, so it is kept off Store; a Bench shares
// its Store's pool and settings.
type Bench struct {
	s *Store
}

// NewBench returns the bench operations on s.
func NewBench(s *Store) *Bench { return &Bench{s: s} }

// BulkDocument is one new document and its embedded chunks for BulkLoad.
type BulkDocument struct {
	Document retrieval.Document
	Chunks   []retrieval.Chunk
	// Terms, when not nil, holds each chunk's terms as the store's
	// analyzer makes them (Terms of its text), for a caller that analyzed
	// the chunks already; nil leaves it to BulkLoad.
	Terms [][]string
}

// chunkColumns are the chunks columns COPY writes, in copyRow's order.
var chunkColumns = []string{"document_id", "ordinal", "para_start", "para_end", "start_off", "end_off", "text", "sentences", "embedding", "page",
	"lex_terms", "lex_tfs", "lex_len"}

// copyRow is chunk c's row; terms are its analyzer terms, or nil for
// copyRow to analyze it with a.
func copyRow(a retrieval.Analyzer, docID string, c retrieval.Chunk, terms []string) []any {
	sent := make([]int32, 0, 2*len(c.Sentences))
	for _, sp := range c.Sentences {
		sent = append(sent, int32(sp.Start), int32(sp.End))
	}
	if terms == nil {
		terms = a.Terms(c.Text)
	}
	distinct, tfs, n := countTerms(terms)
	return []any{docID, int32(c.Ordinal), int32(c.ParaStart), int32(c.ParaEnd),
		int32(c.Start), int32(c.End), c.Text, sent, pgvector.NewVector(c.Vector), int32(c.Page), distinct, tfs, n}
}

// countTerms returns the distinct terms of all (a text's analyzer terms)
// in order of first occurrence, how often each occurs, and the number of
// terms (repeats included): the lexical arm's columns of a chunk.
func countTerms(all []string) (terms []string, tfs []int32, n int32) {
	at := make(map[string]int, len(all))
	terms, tfs = make([]string, 0, len(all)), make([]int32, 0, len(all))
	for _, t := range all {
		i, ok := at[t]
		if !ok {
			i = len(terms)
			at[t] = i
			terms = append(terms, t)
			tfs = append(tfs, 0)
		}
		tfs[i]++
	}
	return terms, tfs, int32(len(all))
}

// BulkLoad writes many new documents and their chunks in one transaction
// with COPY: the fast path for loading a large corpus into a store (see
// coopbot bench). Unlike PutDocument it does not replace documents: every
// document must be new, or nothing is written (EINVALID naming the
// duplicate). When BulkLoad is the first write into an empty store it
// records embedder and dims and fixes the vector column like PutDocument
// does, but it leaves the store without its HNSW and full-text indexes, so
// that the rows go in without index maintenance: call BuildIndex after the
// last BulkLoad (searches stay correct before that, but scan every chunk).
// Concurrent BulkLoads of disjoint documents are safe. Errors: EINVALID
// for a malformed or already stored document (nothing is written);
// EMISMATCH when the store was built by another embedder; EUNAVAILABLE
// when the database cannot be reached.
func (b *Bench) BulkLoad(ctx context.Context, docs []BulkDocument, embedder string, dims int) error {
	s := b.s
	n := 0
	for _, d := range docs {
		if err := validate(d.Document, d.Chunks, embedder, dims); err != nil {
			return err
		}
		if d.Terms != nil && len(d.Terms) != len(d.Chunks) {
			return retrieval.Errorf(retrieval.EINVALID, "bulk load: document %q has terms for %d of its %d chunks", d.Document.ID, len(d.Terms), len(d.Chunks))
		}
		n += len(d.Chunks)
	}
	if len(docs) == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.classify(err, "bulk load")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	if n > 0 {
		if err := s.claimBulk(ctx, tx, embedder, dims); err != nil {
			return err
		}
	}
	// Without the full-text index (a first load, until BuildIndex) the
	// BM25 statistics are left to BuildIndex too: counted once at the end
	// instead of by every batch, whose writers would serialize on them.
	// The statistics trigger keeps a copy of every row COPY writes (its
	// transition table) in at most work_mem, 4 MB by default, and spills
	// the rest to a temporary file: 3.7 GB written and read back over a
	// million chunks, the kernel's copying of which was a growing share of
	// the load. work_mem is raised for this transaction to hold it.
	if _, err := tx.Exec(ctx, `SELECT set_config('coopbot.bm25_defer', CASE WHEN to_regclass($1) IS NULL THEN 'on' ELSE 'off' END, true),
		set_config('work_mem', $2, true)`, ginIndex, strconv.Itoa(transitionKB(docs, dims))+"kB"); err != nil {
		return s.classify(err, "bulk load: statistics")
	}
	docRows := make([][]any, len(docs))
	for i, d := range docs {
		doc := d.Document
		docRows[i] = []any{doc.ID, doc.Title, doc.Date, doc.Outlet, doc.Author, doc.Source, doc.Hash, doc.Text}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"documents"},
		[]string{"id", "title", "date", "outlet", "author", "source", "hash", "text"}, pgx.CopyFromRows(docRows))
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return retrieval.WrapError(retrieval.EINVALID, err, "bulk load: a document is already stored or listed twice (%s): bulk loading only adds new documents", pgErr.Detail)
		}
		return s.classify(err, "bulk load: copy documents")
	}
	i, j := 0, 0 // document, chunk within it
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for i < len(docs) && j >= len(docs[i].Chunks) {
			i, j = i+1, 0
		}
		if i == len(docs) {
			return nil, nil
		}
		c := docs[i].Chunks[j]
		var terms []string
		if docs[i].Terms != nil {
			terms = docs[i].Terms[j]
		}
		j++
		return copyRow(s.analyzer, docs[i].Document.ID, c, terms), nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, chunkColumns, src); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return retrieval.WrapError(retrieval.EINVALID, err, "bulk load: two chunks share a document and ordinal (%s)", pgErr.Detail)
		}
		return s.classify(err, "bulk load: copy chunks")
	}
	if err := tx.Commit(ctx); err != nil {
		return s.classify(err, "bulk load: commit")
	}
	return nil
}

// transitionKB is a work_mem, in kB, that holds the rows of docs: twice
// an estimate of each row (its text, about as much again for its terms,
// its vector and sentences), at least PostgreSQL's default of 4 MB and at
// most 1 GB.
func transitionKB(docs []BulkDocument, dims int) int {
	bytes := 0
	for _, d := range docs {
		for _, c := range d.Chunks {
			bytes += 2 * (2*len(c.Text) + 4*dims + 8*len(c.Sentences) + 256)
		}
	}
	return min(max(bytes/1024, 4096), 1<<20)
}

// claimBulk is claim without building the HNSW index; on the first write
// into an empty store it also drops the full-text index, which BuildIndex
// recreates after the load.
func (s *Store) claimBulk(ctx context.Context, tx pgx.Tx, embedder string, dims int) error {
	if first, err := s.recordMeta(ctx, tx, embedder, dims); err != nil || !first {
		return err
	}
	var hasRows bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chunks)`).Scan(&hasRows); err != nil {
		return s.classify(err, "bulk load: check chunks")
	}
	stmts := []string{`ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(` + strconv.Itoa(dims) + `)`}
	if !hasRows {
		stmts = append(append(stmts, `DROP INDEX IF EXISTS `+ginIndex), dropHNSW()...)
	}
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "22000" {
				return retrieval.WrapError(retrieval.EMISMATCH, err, "store holds vectors of another dimension: run coopbot ingest --reindex")
			}
			return s.classify(err, "set vector dimension")
		}
	}
	s.log.Info("postgres store claimed for bulk load", "embedder", embedder, "dimensions", dims)
	return nil
}

// IndexOptions tune BuildIndex. The zero value keeps the server's
// settings.
type IndexOptions struct {
	// MaintenanceWorkMem is the memory the build may use, as a PostgreSQL
	// size ("2GB", "512MB"); "" keeps the server's maintenance_work_mem.
	// The HNSW build is much faster when the whole graph fits: about
	// chunks × (4 × dimensions + 200) bytes.
	MaintenanceWorkMem string
	// ParallelWorkers sets max_parallel_maintenance_workers for the build;
	// 0 keeps the server's setting, a negative value disables them.
	ParallelWorkers int
}

// BuildIndex creates the indexes a BulkLoad left out — the full-text GIN
// index and the HNSW index on the embeddings — if they are missing, cuts
// the lexical arm's blocks afresh (bm25_build_blocks), then vacuums and
// analyzes the tables. Index creation is a no-op on a store that has
// them, and an empty store gets only the full-text index (PutDocument
// builds the HNSW index on first write).
// Errors: EINVALID for a malformed option; EUNAVAILABLE when the database
// cannot be reached.
func (b *Bench) BuildIndex(ctx context.Context, opts IndexOptions) error {
	s := b.s
	if opts.MaintenanceWorkMem != "" && !validSize(opts.MaintenanceWorkMem) {
		return retrieval.Errorf(retrieval.EINVALID, "maintenance_work_mem must be a size such as 2GB or 512MB, not %q", opts.MaintenanceWorkMem)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.classify(err, "build index")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if opts.MaintenanceWorkMem != "" {
		// work_mem too: cutting the lexical blocks sorts every posting.
		if _, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', $1, true), set_config('work_mem', $1, true)`, opts.MaintenanceWorkMem); err != nil {
			return s.classify(err, "build index: set maintenance_work_mem")
		}
	}
	if opts.ParallelWorkers != 0 {
		if _, err := tx.Exec(ctx, `SELECT set_config('max_parallel_maintenance_workers', $1, true)`, strconv.Itoa(max(opts.ParallelWorkers, 0))); err != nil {
			return s.classify(err, "build index: set max_parallel_maintenance_workers")
		}
	}
	var hadGIN bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, ginIndex).Scan(&hadGIN); err != nil {
		return s.classify(err, "build index: check full-text index")
	}
	if !hadGIN {
		if _, err := tx.Exec(ctx, `CREATE INDEX `+ginIndex+` ON chunks USING gin (lex_terms)`); err != nil {
			return s.classify(err, "build full-text index")
		}
		if err := s.countTerms(ctx, tx); err != nil {
			return err
		}
	} else if _, err := tx.Exec(ctx, `SELECT bm25_build_blocks()`); err != nil {
		// The blocks later writes added, recut into the best-first order.
		return s.classify(err, "build lexical blocks")
	}
	_, claimed, err := readMeta(ctx, tx)
	if err != nil {
		return s.classify(err, "build index: read embedder")
	}
	if claimed {
		for _, stmt := range hnswStatements() {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return s.classify(err, "build hnsw index")
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return s.classify(err, "build index: commit")
	}
	// VACUUM cannot run in a transaction block. After a bulk load it sets
	// the hint bits and the visibility map, so the first searches do not
	// write every heap page they read, and autovacuum does not start on
	// the table in the middle of them; ANALYZE gives the planner and the
	// lexical arm (commonWords) the table's statistics.
	if _, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) chunks, documents, bm25_blocks`); err != nil {
		return s.classify(err, "build index: vacuum")
	}
	return nil
}

// validSize accepts a PostgreSQL memory size: digits and an optional
// unit (kB, MB, GB, TB).
func validSize(v string) bool {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return false
	}
	switch v[i:] {
	case "", "kB", "MB", "GB", "TB":
		return true
	}
	return false
}

// Neighbor is one chunk a nearest-neighbour search found.
type Neighbor struct {
	DocumentID string
	Ordinal    int
	Distance   float64 // cosine distance, 1 - cosine similarity
}

// NearestOptions choose how Nearest searches.
type NearestOptions struct {
	// Exact scans every chunk instead of using the HNSW index: the ground
	// truth for measuring the index's recall.
	Exact bool
	// EfSearch is the HNSW search breadth for this call; 0 means the
	// store's (raised to k when smaller).
	EfSearch int
}

// Nearest returns the k chunks closest to vec by cosine distance, closest
// first (ties broken by document ID and ordinal): the dense arm alone,
// approximate (every shard's HNSW graph, merged) unless opts.Exact. It is
// meant for measuring the index (coopbot bench). Errors: EINVALID for k or
// EfSearch out of range; EMISMATCH when vec's dimension differs from the
// store's; EUNAVAILABLE when the database cannot be reached.
func (b *Bench) Nearest(ctx context.Context, vec []float32, k int, opts NearestOptions) ([]Neighbor, error) {
	s := b.s
	if k <= 0 || k > MaxEfSearch {
		return nil, retrieval.Errorf(retrieval.EINVALID, "k must be between 1 and %d, not %d", MaxEfSearch, k)
	}
	if opts.EfSearch < 0 || opts.EfSearch > MaxEfSearch {
		return nil, retrieval.Errorf(retrieval.EINVALID, "ef_search must be between 1 and %d, not %d", MaxEfSearch, opts.EfSearch)
	}
	ef := opts.EfSearch
	if ef == 0 {
		ef = s.efSearch
	}
	ef = max(ef, k)
	m, ok, err := readMeta(ctx, s.pool)
	if err != nil {
		return nil, s.classify(err, "nearest: read embedder")
	}
	if !ok {
		return nil, nil
	}
	if m.dims != len(vec) {
		return nil, retrieval.Errorf(retrieval.EMISMATCH, "store holds %d-dimensional vectors; the query has %d", m.dims, len(vec))
	}
	v := pgvector.NewVector(vec)
	if opts.Exact {
		var batch pgx.Batch
		batch.Queue(`SELECT set_config('enable_indexscan', 'off', true)`)
		batch.Queue(nearestSQL("true", k), v)
		return s.nearest(ctx, &batch)
	}
	// Like the dense arm: every shard's graph at once, merged.
	parts := make([][]Neighbor, Shards)
	err = eachShard(func(j int) error {
		var batch pgx.Batch
		batch.Queue(denseSettings, strconv.Itoa(ef))
		batch.Queue(nearestSQL(shardPredicate(j), k), v)
		var err error
		parts[j], err = s.nearest(ctx, &batch)
		return err
	})
	if err != nil {
		return nil, err
	}
	return mergeShards(parts, k, func(n Neighbor) (float64, string, int) {
		return n.Distance, n.DocumentID, n.Ordinal
	}), nil
}

// nearestSQL is Nearest's query for the limit chunks matching where that
// are closest to $1; like denseSQL it has the limit written in, for a
// generic plan that uses the index.
func nearestSQL(where string, limit int) string {
	return `SELECT document_id, ordinal, dist FROM (
		SELECT document_id, ordinal, embedding <=> $1 AS dist FROM chunks WHERE ` + where + `
		ORDER BY embedding <=> $1 LIMIT ` + strconv.Itoa(limit) + `) c
		ORDER BY dist, document_id, ordinal`
}

// nearest sends b, settings then one nearestSQL query, and returns the
// query's neighbours.
func (s *Store) nearest(ctx context.Context, b *pgx.Batch) ([]Neighbor, error) {
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, s.classify(err, "nearest: settings")
	}
	rows, err := br.Query()
	if err != nil {
		return nil, s.classify(err, "nearest")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Neighbor, error) {
		var n Neighbor
		var ord int32
		err := row.Scan(&n.DocumentID, &ord, &n.Distance)
		n.Ordinal = int(ord)
		return n, err
	})
	if err != nil {
		return nil, s.classify(err, "nearest")
	}
	if err := br.Close(); err != nil {
		return nil, s.classify(err, "nearest")
	}
	return out, nil
}

// HasIndexes reports whether every shard's HNSW index and the full-text
// index exist (a BulkLoad without BuildIndex leaves them out).
func (b *Bench) HasIndexes(ctx context.Context) (hnsw, fullText bool, err error) {
	s := b.s
	err = s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM unnest($1::text[]) n WHERE to_regclass(n) IS NOT NULL) = cardinality($1::text[]),
		to_regclass($2) IS NOT NULL`, hnswNames(), ginIndex).Scan(&hnsw, &fullText)
	if err != nil {
		return false, false, s.classify(err, "check indexes")
	}
	return hnsw, fullText, nil
}
