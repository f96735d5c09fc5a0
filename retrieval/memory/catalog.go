package memory

import (
	"context"
	"fmt"
	"sort"

	"github.com/coopbot/coopbot/retrieval"
)

var _ retrieval.Catalog = (*Store)(nil)

// Catalog implements retrieval.Catalog: documents newest first (by date,
// then ID); none for a limit below 1, as in the PostgreSQL store.
func (s *Store) Catalog(ctx context.Context, limit int) ([]retrieval.Document, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("catalog: %w", err)
	}
	s.mu.RLock()
	docs := make([]retrieval.Document, 0, len(s.docs))
	for _, d := range s.docs {
		m := d.doc
		m.Text = ""
		docs = append(docs, m)
	}
	s.mu.RUnlock()
	sort.Slice(docs, func(i, j int) bool {
		if docs[i].Date != docs[j].Date {
			return docs[i].Date > docs[j].Date
		}
		return docs[i].ID < docs[j].ID
	})
	total := len(docs)
	docs = docs[:min(max(limit, 0), len(docs))]
	return docs, total, nil
}
