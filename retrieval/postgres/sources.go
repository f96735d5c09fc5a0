package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/coopbot/coopbot/sources"
)

var _ sources.StateStore = (*Store)(nil)

// SourceStates implements sources.StateStore: every source's last
// refresh, by location.
func (s *Store) SourceStates(ctx context.Context) ([]sources.State, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT location, kind, etag, last_modified, fetched_at, status, documents
		FROM sources ORDER BY location COLLATE "C"`)
	if err != nil {
		return nil, s.check(ctx, err, "read sources")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sources.State, error) {
		var st sources.State
		var kind string
		err := r.Scan(&st.Location, &kind, &st.ETag, &st.LastModified, &st.FetchedAt, &st.Status, &st.Documents)
		st.Kind = sources.Kind(kind)
		return st, err
	})
	return out, s.check(ctx, err, "read sources")
}

// PutSourceState implements sources.StateStore.
func (s *Store) PutSourceState(ctx context.Context, st sources.State) error {
	docs := st.Documents
	if docs == nil {
		docs = []string{}
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO sources (location, kind, etag, last_modified, fetched_at, status, documents)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (location) DO UPDATE SET kind = $2, etag = $3, last_modified = $4,
			fetched_at = $5, status = $6, documents = $7`,
		st.Location, string(st.Kind), st.ETag, st.LastModified, st.FetchedAt, st.Status, docs)
	return s.check(ctx, err, "save source")
}
