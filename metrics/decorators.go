package metrics

import (
	"context"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// Embedder returns an Embedder that records the latency of every Embed
// call in coopbot_embed_seconds. It returns e unchanged when m is nil.
func (m *Metrics) Embedder(e retrieval.Embedder) retrieval.Embedder {
	if m == nil || e == nil {
		return e
	}
	return &embedder{m: m, next: e}
}

type embedder struct {
	m    *Metrics
	next retrieval.Embedder
}

var _ retrieval.Embedder = (*embedder)(nil)

func (e *embedder) Name() string    { return e.next.Name() }
func (e *embedder) Dimensions() int { return e.next.Dimensions() }

func (e *embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	start := time.Now()
	v, err := e.next.Embed(ctx, texts)
	e.m.embed.Observe(time.Since(start).Seconds())
	return v, err
}

// Store returns a Store that records the latency of every Search in
// coopbot_search_seconds and counts writes in the ingest counters
// (coopbot_ingest_documents_total by result, coopbot_ingest_chunks_total).
// It returns s unchanged when m is nil, and keeps s's retrieval.Catalog:
// a refusal names what the store holds, an overview opens its documents.
func (m *Metrics) Store(s retrieval.Store) retrieval.Store {
	if m == nil || s == nil {
		return s
	}
	st := &store{m: m, next: s}
	if c, ok := s.(retrieval.Catalog); ok {
		return catalogStore{st, c}
	}
	return st
}

// catalogStore is a store whose next one is also a Catalog.
type catalogStore struct {
	*store
	catalog retrieval.Catalog
}

func (s catalogStore) Catalog(ctx context.Context, limit int) ([]retrieval.Document, int, error) {
	return s.catalog.Catalog(ctx, limit)
}

type store struct {
	m    *Metrics
	next retrieval.Store
}

var _ retrieval.Store = (*store)(nil)

func (s *store) Search(ctx context.Context, q retrieval.Query) ([]retrieval.Hit, error) {
	start := time.Now()
	hits, err := s.next.Search(ctx, q)
	s.m.search.Observe(time.Since(start).Seconds())
	return hits, err
}

func (s *store) PutDocument(ctx context.Context, doc retrieval.Document, chunks []retrieval.Chunk, embedder string, dims int) error {
	err := s.next.PutDocument(ctx, doc, chunks, embedder, dims)
	if err != nil {
		s.m.ingestDocs.WithLabelValues("failed").Inc()
		return err
	}
	s.m.ingestDocs.WithLabelValues("stored").Inc()
	s.m.ingestChunks.Add(float64(len(chunks)))
	return nil
}

func (s *store) DocumentHash(ctx context.Context, id string) (string, error) {
	return s.next.DocumentHash(ctx, id)
}

func (s *store) DocumentIDs(ctx context.Context) ([]string, error) {
	return s.next.DocumentIDs(ctx)
}

func (s *store) DeleteDocument(ctx context.Context, id string) error {
	err := s.next.DeleteDocument(ctx, id)
	if err == nil {
		s.m.ingestDocs.WithLabelValues("deleted").Inc()
	}
	return err
}

func (s *store) Stats(ctx context.Context) (retrieval.Stats, error) {
	return s.next.Stats(ctx)
}
