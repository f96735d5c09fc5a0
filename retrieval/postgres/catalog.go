package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/retrieval"
)

var (
	_ retrieval.Catalog   = (*Store)(nil)
	_ retrieval.Freshness = (*Store)(nil)
)

// Updated implements retrieval.Freshness: the latest updated_at, which a
// document's insert or replacement sets (an unchanged re-ingest does not).
func (s *Store) Updated(ctx context.Context) (time.Time, error) {
	if err := s.answering(); err != nil {
		return time.Time{}, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var t *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT max(updated_at) FROM documents`).Scan(&t); err != nil {
		return time.Time{}, s.check(ctx, err, "updated")
	}
	if t == nil {
		return time.Time{}, nil
	}
	return *t, nil
}

// Catalog implements retrieval.Catalog: documents newest first (by date,
// then ID), and how many there are.
func (s *Store) Catalog(ctx context.Context, limit int) ([]retrieval.Document, int, error) {
	if err := s.answering(); err != nil {
		return nil, 0, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `
		SELECT id, title, date, outlet, author, source, count(*) OVER ()
		FROM documents
		ORDER BY date DESC, id COLLATE "C"
		LIMIT $1`, max(limit, 1))
	if err != nil {
		return nil, 0, s.check(ctx, err, "catalog")
	}
	var total int
	docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (retrieval.Document, error) {
		var d retrieval.Document
		err := r.Scan(&d.ID, &d.Title, &d.Date, &d.Outlet, &d.Author, &d.Source, &total)
		return d, err
	})
	if err != nil {
		return nil, 0, s.check(ctx, err, "catalog")
	}
	if limit < 1 && len(docs) > 0 {
		docs = docs[:0]
	}
	return docs, total, nil
}
