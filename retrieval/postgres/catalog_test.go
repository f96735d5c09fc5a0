package postgres_test

import (
	"context"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// Catalog lists documents newest first with the total, for the refusal.
func TestCatalog(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.NewDB(t, "retrieval_postgres_catalog"), postgres.Options{Analyzer: snowball.New()})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer s.Close()
	if docs, total, err := s.Catalog(ctx, 3); err != nil || total != 0 || len(docs) != 0 {
		t.Fatalf("Catalog of an empty store = %v, %d, %v; want nothing", docs, total, err)
	}
	for _, d := range []retrieval.Document{
		{ID: "a", Title: "Old", Date: "2015-01-21", Text: "Typhoon jets."},
		{ID: "b", Title: "New", Date: "2016-01-08", Text: "Missile study."},
		{ID: "c", Title: "Undated", Text: "Cyber talks."},
	} {
		c := retrieval.Chunk{DocumentID: d.ID, ParaStart: 1, ParaEnd: 1, End: len(d.Text), Text: d.Text,
			Sentences: []retrieval.Span{{Start: 0, End: len(d.Text)}}, Vector: []float32{1, 0}}
		if err := s.PutDocument(ctx, d, []retrieval.Chunk{c}, "test-2", 2); err != nil {
			t.Fatalf("PutDocument(%q) = %v", d.ID, err)
		}
	}
	docs, total, err := s.Catalog(ctx, 2)
	if err != nil || total != 3 || len(docs) != 2 || docs[0].ID != "b" || docs[1].ID != "a" || docs[0].Title != "New" || docs[0].Text != "" {
		t.Errorf("Catalog(2) = %+v, %d, %v; want b then a of 3, without text", docs, total, err)
	}
}
