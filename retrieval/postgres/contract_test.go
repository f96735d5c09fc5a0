package postgres_test

import (
	"context"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/storetest"
)

// TestContract runs the retrieval.Store contract suite against a real
// PostgreSQL: one database, migrated once, Reset before each subtest.
func TestContract(t *testing.T) {
	s := open(t, pgtest.NewDB(t, "contract"))
	storetest.Run(t, func(t *testing.T) retrieval.Store {
		if err := s.Reset(context.Background()); err != nil {
			t.Fatalf("Reset() = %v", err)
		}
		return s
	})
}
