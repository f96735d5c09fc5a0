package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/retrieval"
)

var _ retrieval.Catalog = (*Store)(nil)

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
