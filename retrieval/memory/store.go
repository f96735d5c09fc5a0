// Package memory is coopbot's in-process retrieval.Store: exact cosine
// search over every chunk vector plus BM25 full-text search, fused by
// reciprocal rank fusion exactly like the PostgreSQL store. It keeps
// everything in memory, needs no setup, and is what coopbot uses when
// DATABASE_URL is not set. It holds at most MaxChunks chunks.
package memory

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// MaxChunks is the most chunks the in-process store holds (about 200 MB of
// 512-dimensional vectors and text); PutDocument refuses more with
// EINVALID. Larger corpora belong in PostgreSQL.
const MaxChunks = 200_000

// BM25 parameters of the lexical arm (retrieval's, shared with the
// PostgreSQL store).
const (
	BM25K1 = retrieval.BM25K1
	BM25B  = retrieval.BM25B
)

var _ retrieval.Store = (*Store)(nil)

// Store implements retrieval.Store in memory. It is safe for concurrent
// use: searches run in parallel, writes are serialized, and a reader sees
// a document either wholly before or wholly after a PutDocument.
type Store struct {
	analyzer retrieval.Analyzer
	limit    int // MaxChunks; lowered only by this package's tests

	mu       sync.RWMutex
	embedder string // "" while the store is empty
	dims     int
	docs     map[string]*docEntry
	slots    []*chunkEntry // nil entries are free
	free     []int32       // free slots, reused first
	vecs     []float32     // slot i's vector is vecs[i*dims:(i+1)*dims]
	postings map[string]map[int32]int32
	live     int       // chunks stored
	termSum  int64     // total terms over all chunks, for BM25's average length
	updated  time.Time // the latest PutDocument; zero while empty

	scorePool sync.Pool // *scoreBuf for the lexical arm
}

type docEntry struct {
	doc   retrieval.Document // Text dropped
	slots []int32
}

type chunkEntry struct {
	chunk retrieval.Chunk // Vector nil; it lives in Store.vecs
	doc   *docEntry
	norm  float32 // L2 norm of the vector
	terms []termFreq
	len   int32 // number of terms, repeats included
}

type termFreq struct {
	term string
	n    int32
}

// New returns an empty Store that indexes chunk text with analyzer, the
// same Analyzer the caller uses for queries (see retrieval.Analyzer).
func New(analyzer retrieval.Analyzer) *Store {
	return &Store{
		analyzer:  analyzer,
		limit:     MaxChunks,
		docs:      make(map[string]*docEntry),
		postings:  make(map[string]map[int32]int32),
		scorePool: sync.Pool{New: func() any { return new(scoreBuf) }},
	}
}

// PutDocument stores doc and replaces all of its chunks in one step. The
// document and chunks are checked by retrieval.ValidateDocument. Errors:
// EINVALID for a malformed document or chunk, or when the store would
// exceed MaxChunks; EMISMATCH when the store was built by another embedder
// or dimensions. On error nothing changes.
func (s *Store) PutDocument(ctx context.Context, doc retrieval.Document, chunks []retrieval.Chunk, embedder string, dims int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put document: %w", err)
	}
	entries, err := s.prepare(doc, chunks, embedder, dims)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.embedder != "" && (embedder != s.embedder || dims != s.dims) {
		return retrieval.Errorf(retrieval.EMISMATCH,
			"store was built with %q (%d dims); document %q uses %q (%d dims): run coopbot ingest --reindex",
			s.embedder, s.dims, doc.ID, embedder, dims)
	}
	old := s.docs[doc.ID]
	keep := s.live
	if old != nil {
		keep -= len(old.slots)
	}
	if keep+len(entries) > s.limit {
		return retrieval.Errorf(retrieval.EINVALID,
			"the in-process store holds at most %d chunks; set DATABASE_URL to use PostgreSQL", s.limit)
	}
	if s.embedder == "" {
		s.embedder, s.dims = embedder, dims
	}
	if old != nil {
		s.remove(old)
	}
	d := doc
	d.Text = ""
	de := &docEntry{doc: d, slots: make([]int32, 0, len(entries))}
	for i := range entries {
		e := &entries[i]
		e.ce.doc = de
		de.slots = append(de.slots, s.insert(e))
	}
	s.docs[doc.ID] = de
	s.updated = time.Now()
	return nil
}

// prepared is a validated chunk ready to insert.
type prepared struct {
	ce  *chunkEntry
	vec []float32
}

// prepare validates doc and chunks and analyzes the chunk text, outside
// the lock.
func (s *Store) prepare(doc retrieval.Document, chunks []retrieval.Chunk, embedder string, dims int) ([]prepared, error) {
	if err := retrieval.ValidateDocument(doc, chunks, embedder, dims); err != nil {
		return nil, err
	}
	out := make([]prepared, 0, len(chunks))
	for _, c := range chunks {
		c.DocumentID = doc.ID
		c.Sentences = slices.Clone(c.Sentences)
		vec := c.Vector
		c.Vector = nil
		var n float64
		for _, x := range vec {
			n += float64(x) * float64(x)
		}
		ce := &chunkEntry{chunk: c, norm: float32(math.Sqrt(n))}
		ce.terms, ce.len = countTerms(s.analyzer.Terms(c.Text))
		out = append(out, prepared{ce: ce, vec: vec})
	}
	return out, nil
}

// countTerms returns the distinct terms with their frequencies (in order
// of first occurrence) and the number of terms.
func countTerms(terms []string) ([]termFreq, int32) {
	idx := make(map[string]int, len(terms))
	var out []termFreq
	for _, t := range terms {
		if i, ok := idx[t]; ok {
			out[i].n++
			continue
		}
		idx[t] = len(out)
		out = append(out, termFreq{term: t, n: 1})
	}
	return out, int32(len(terms))
}

// insert places a prepared chunk in a slot and indexes it.
func (s *Store) insert(p *prepared) int32 {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
		s.slots[slot] = p.ce
		copy(s.vecs[int(slot)*s.dims:], p.vec)
	} else {
		slot = int32(len(s.slots))
		s.slots = append(s.slots, p.ce)
		s.vecs = append(s.vecs, p.vec...)
	}
	for _, tf := range p.ce.terms {
		post := s.postings[tf.term]
		if post == nil {
			post = make(map[int32]int32)
			s.postings[tf.term] = post
		}
		post[slot] = tf.n
	}
	s.live++
	s.termSum += int64(p.ce.len)
	return slot
}

// remove unindexes a document's chunks and frees their slots.
func (s *Store) remove(de *docEntry) {
	for _, slot := range de.slots {
		ce := s.slots[slot]
		for _, tf := range ce.terms {
			post := s.postings[tf.term]
			delete(post, slot)
			if len(post) == 0 {
				delete(s.postings, tf.term)
			}
		}
		s.live--
		s.termSum -= int64(ce.len)
		s.slots[slot] = nil
		clear(s.vecs[int(slot)*s.dims : int(slot+1)*s.dims])
		s.free = append(s.free, slot)
	}
	delete(s.docs, de.doc.ID)
}

// DocumentHash returns the stored hash of the document, or ENOTFOUND.
func (s *Store) DocumentHash(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("document hash: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	de, ok := s.docs[id]
	if !ok {
		return "", retrieval.Errorf(retrieval.ENOTFOUND, "no document %q", id)
	}
	return de.doc.Hash, nil
}

// DocumentIDs lists the IDs of all stored documents, sorted.
func (s *Store) DocumentIDs(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("document ids: %w", err)
	}
	s.mu.RLock()
	ids := make([]string, 0, len(s.docs))
	for id := range s.docs {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	sort.Strings(ids)
	return ids, nil
}

// DeleteDocument removes a document and its chunks, or returns ENOTFOUND.
// The store keeps its embedder, as retrieval.Store requires, even when
// the last document goes.
func (s *Store) DeleteDocument(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete document: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	de, ok := s.docs[id]
	if !ok {
		return retrieval.Errorf(retrieval.ENOTFOUND, "no document %q", id)
	}
	s.remove(de)
	return nil
}

// Updated implements retrieval.Freshness: when a document was last
// stored or replaced (zero for a store never written).
func (s *Store) Updated(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, fmt.Errorf("updated: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.updated, nil
}

// Stats reports the number of documents and chunks and the embedder that
// built the store ("" and 0 when it is empty).
func (s *Store) Stats(ctx context.Context) (retrieval.Stats, error) {
	if err := ctx.Err(); err != nil {
		return retrieval.Stats{}, fmt.Errorf("stats: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return retrieval.Stats{Documents: len(s.docs), Chunks: s.live, Embedder: s.embedder, Dimensions: s.dims}, nil
}
