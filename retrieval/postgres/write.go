package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/coopbot/coopbot/retrieval"
)

// meta is the store_meta row: the embedder that built the store.
type meta struct {
	embedder string
	dims     int
}

func mismatch(built meta, embedder string, dims int) error {
	return retrieval.Detailf(retrieval.EMISMATCH, nil,
		"store was built with %q (%d dims); query uses %q (%d dims): run coopbot ingest --reindex",
		built.embedder, built.dims, embedder, dims)
}

// readMeta returns the store's embedder record; ok is false for an empty
// store.
func readMeta(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (m meta, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT embedder, dimensions FROM store_meta`).Scan(&m.embedder, &m.dims)
	if errors.Is(err, pgx.ErrNoRows) {
		return meta{}, false, nil
	}
	return m, err == nil, err
}

// validate checks doc and its chunks before anything is written: the
// contract's checks (retrieval.ValidateDocument) and pgvector's limit on
// indexed dimensions.
func validate(doc retrieval.Document, chunks []retrieval.Chunk, embedder string, dims int) error {
	if err := retrieval.ValidateDocument(doc, chunks, embedder, dims); err != nil {
		return err
	}
	if dims > maxDimensions {
		return retrieval.Errorf(retrieval.EINVALID, "document %q: embedding dimensions must be between 1 and %d, not %d", doc.ID, maxDimensions, dims)
	}
	return nil
}

// PutDocument writes doc and replaces its chunks in one transaction. On
// the first write into an empty store (with or without chunks) it records
// embedder and dims, fixes
// the embedding column to vector(dims) and builds the HNSW index. Errors:
// EINVALID for a malformed document or chunk (nothing is written);
// EMISMATCH when the store was built by another embedder; EUNAVAILABLE
// when the database cannot be reached.
func (s *Store) PutDocument(ctx context.Context, doc retrieval.Document, chunks []retrieval.Chunk, embedder string, dims int) error {
	if err := s.answering(); err != nil {
		return err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := validate(doc, chunks, embedder, dims); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.check(ctx, err, "put document")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit

	if err := s.claim(ctx, tx, embedder, dims); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO documents (id, title, date, outlet, author, source, hash, text, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
		ON CONFLICT (id) DO UPDATE SET title = $2, date = $3, outlet = $4, author = $5,
			source = $6, hash = $7, text = $8, updated_at = now()`,
		doc.ID, doc.Title, doc.Date, doc.Outlet, doc.Author, doc.Source, doc.Hash, doc.Text)
	if err != nil {
		return s.check(ctx, err, "upsert document")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM chunks WHERE document_id = $1`, doc.ID); err != nil {
		return s.check(ctx, err, "delete old chunks")
	}
	rows := make([][]any, len(chunks))
	for i, c := range chunks {
		rows[i] = copyRow(s.analyzer, doc.ID, c, nil)
	}
	if len(rows) > 0 {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, chunkColumns, pgx.CopyFromRows(rows))
		if err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				return retrieval.WrapError(retrieval.EINVALID, err, "document %q has two chunks with the same ordinal", doc.ID)
			}
			return s.check(ctx, err, "copy chunks")
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return s.check(ctx, err, "commit document")
	}
	return nil
}

// recordMeta records embedder/dims as the store's if it has none yet and
// reports whether it did (the first write); otherwise it checks that they
// match the recorded ones (EMISMATCH). Two writers racing on an empty
// store serialize on the store_meta primary key: the loser waits, then
// sees the winner's row.
func (s *Store) recordMeta(ctx context.Context, tx pgx.Tx, embedder string, dims int) (first bool, err error) {
	tag, err := tx.Exec(ctx, `INSERT INTO store_meta (id, embedder, dimensions) VALUES (true, $1, $2) ON CONFLICT (id) DO NOTHING`, embedder, dims)
	if err != nil {
		return false, s.check(ctx, err, "record embedder")
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	m, ok, err := readMeta(ctx, tx)
	if err != nil {
		return false, s.check(ctx, err, "read embedder")
	}
	if ok && (m.embedder != embedder || m.dims != dims) {
		return false, mismatch(m, embedder, dims)
	}
	return false, nil
}

// claim makes sure the store belongs to embedder/dims, recording them if
// the store is empty. Two writers racing on an empty store serialize on
// the store_meta primary key: the loser waits, then sees the winner's row.
func (s *Store) claim(ctx context.Context, tx pgx.Tx, embedder string, dims int) error {
	if first, err := s.recordMeta(ctx, tx, embedder, dims); err != nil || !first {
		return err
	}
	// First write: fix the dimension and index it. dims is a validated
	// int, so formatting it into DDL (which takes no parameters) is safe.
	stmts := append([]string{`ALTER TABLE chunks ALTER COLUMN embedding TYPE vector(` + strconv.Itoa(dims) + `)`}, hnswStatements()...)
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "22000" {
				// Rows left with another dimension (a store emptied by
				// hand without Reset).
				return retrieval.Detailf(retrieval.EMISMATCH, err, "store holds vectors of another dimension: run coopbot ingest --reindex")
			}
			return s.check(ctx, err, "set vector dimension")
		}
	}
	s.log.Info("postgres store claimed", "embedder", embedder, "dimensions", dims)
	return nil
}

// DocumentHash returns the stored hash of document id, or ENOTFOUND.
func (s *Store) DocumentHash(ctx context.Context, id string) (string, error) {
	if err := s.answering(); err != nil {
		return "", err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var h string
	err := s.pool.QueryRow(ctx, `SELECT hash FROM documents WHERE id = $1`, id).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", retrieval.Errorf(retrieval.ENOTFOUND, "document %q not found", id)
	}
	if err != nil {
		return "", s.check(ctx, err, "document hash")
	}
	return h, nil
}

// DocumentIDs lists all document IDs in byte order.
func (s *Store) DocumentIDs(ctx context.Context) ([]string, error) {
	if err := s.answering(); err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT id FROM documents ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, s.check(ctx, err, "document ids")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, s.check(ctx, err, "document ids")
	}
	return ids, nil
}

// DeleteDocument removes document id and its chunks; ENOTFOUND if absent.
func (s *Store) DeleteDocument(ctx context.Context, id string) error {
	if err := s.answering(); err != nil {
		return err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	tag, err := s.pool.Exec(ctx, `DELETE FROM documents WHERE id = $1`, id)
	if err != nil {
		return s.check(ctx, err, "delete document")
	}
	if tag.RowsAffected() == 0 {
		return retrieval.Errorf(retrieval.ENOTFOUND, "document %q not found", id)
	}
	return nil
}

// Stats reports document and chunk counts and the embedder that built the
// store ("" and 0 when it is empty).
func (s *Store) Stats(ctx context.Context) (retrieval.Stats, error) {
	if err := s.answering(); err != nil {
		return retrieval.Stats{}, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var st retrieval.Stats
	var emb *string
	var dims *int32
	// chunks before documents, the order every reader and a rebuild's
	// swap lock them in (see Rebuild.Commit).
	err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM documents),
		(SELECT embedder FROM store_meta), (SELECT dimensions FROM store_meta)`).Scan(&st.Chunks, &st.Documents, &emb, &dims)
	if err != nil {
		return retrieval.Stats{}, s.check(ctx, err, "stats")
	}
	if emb != nil {
		st.Embedder = *emb
	}
	if dims != nil {
		st.Dimensions = int(*dims)
	}
	return st, nil
}

// String describes the store for logs, without credentials.
func (s *Store) String() string { return fmt.Sprintf("postgres(%s)", s.addr) }
