// Package retrieval is coopbot's domain: documents, chunks, embedders, stores,
// and the core that turns a question into ranked, cited snippets and an
// answer. It imports only the standard library; adapters live in
// sub-packages named after what they adapt (retrieval/postgres,
// retrieval/memory, retrieval/hash) and in bot/, ingest/ and cmd/.
package retrieval

import (
	"context"
	"strings"
)

// Document is one source text (a news report) with its metadata.
type Document struct {
	// ID is stable across runs: the source file's path relative to the
	// ingested root, with forward slashes and without extension
	// (e.g. "000_36fd46dc1482b52a").
	ID     string `json:"id"`
	Title  string `json:"title"`
	Date   string `json:"date"` // YYYY-MM-DD, or "" when unknown
	Outlet string `json:"outlet,omitempty"`
	Author string `json:"author,omitempty"`
	// Source is where the document was loaded from (a path or URL).
	Source string `json:"source,omitempty"`
	// Text is the normalized (NFC) main text: paragraphs separated by
	// exactly one blank line ("\n\n"), boilerplate removed. Chunk offsets
	// index into it.
	Text string `json:"-"`
	// Hash is the hex SHA-256 of the raw file bytes plus metadata; an
	// unchanged hash means re-ingesting changes nothing.
	Hash string `json:"-"`
}

// Span is a half-open byte range [Start, End).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Chunk is a passage of a Document: one paragraph, several short
// paragraphs merged, or a sentence-aligned piece of a long paragraph.
type Chunk struct {
	DocumentID string
	// Ordinal is the chunk's 0-based position within its document.
	Ordinal int
	// ParaStart and ParaEnd are the 1-based numbers of the first and last
	// paragraph the chunk covers (equal for a single paragraph).
	ParaStart, ParaEnd int
	// Page is the 1-based page the chunk starts on in a paged document
	// (PDF), or 0.
	Page int
	// Start and End are byte offsets into Document.Text; Text is exactly
	// Document.Text[Start:End].
	Start, End int
	Text       string
	// Sentences are the sentence spans within Text (offsets relative to
	// Text), as found by the ingest sentence splitter.
	Sentences []Span
	// Vector is the chunk's embedding; nil until embedded.
	Vector []float32
}

// sentence returns the text of sentence span sp of c, and false for a
// span outside c.Text (a malformed store row must not panic a search).
func (c Chunk) sentence(sp Span) (string, bool) {
	if sp.Start < 0 || sp.End > len(c.Text) || sp.Start >= sp.End {
		return "", false
	}
	return c.Text[sp.Start:sp.End], true
}

// paragraphAt returns the number of the paragraph of c that byte offset
// off of c.Text is in: paragraphs are separated by one blank line.
func (c Chunk) paragraphAt(off int) int {
	return c.ParaStart + strings.Count(c.Text[:off], "\n\n")
}

// Embedder turns texts into vectors.
type Embedder interface {
	// Name is a versioned identifier such as "hash-v2-512". Vectors from
	// embedders with different names are not comparable.
	Name() string
	// Dimensions is the length of every vector Embed returns. An embedder
	// that learns its dimensions from a remote model returns 0 until the
	// first successful Embed.
	Dimensions() int
	// Embed returns one vector per text, in order. It returns an error
	// with code EUNAVAILABLE when a remote model cannot be reached.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Query is what a Store searches for.
type Query struct {
	Text   string    // the question, for the lexical arm
	Vector []float32 // the question's embedding, for the dense arm
	// Embedder names the embedder that made Vector. A store built by a
	// different embedder (name or dimensions) refuses with EMISMATCH.
	Embedder   string
	Dimensions int
	// K is the number of fused hits wanted; each arm fetches Candidates
	// (at least K) before fusion.
	K          int
	Candidates int
}

// Hit is one chunk a Store found, with its document and ranks.
type Hit struct {
	Chunk    Chunk
	Document Document // metadata only; Text may be empty
	// DenseRank and LexicalRank are 1-based ranks in each arm; 0 means the
	// chunk was not returned by that arm.
	DenseRank, LexicalRank int
	// Cosine is the cosine similarity to the query vector (when the dense
	// arm saw the chunk; otherwise it may be computed or left 0).
	Cosine float64
	// Score is the fused reciprocal-rank score.
	Score float64
}

// Store holds documents and their embedded chunks. Both implementations
// (retrieval/memory and retrieval/postgres) pass the same contract suite,
// retrieval/storetest, which checks every rule written here.
//
// A store belongs to one embedder: the first PutDocument records its name
// and dimensions (Stats.Embedder, Stats.Dimensions), and they stay until
// the store is rebuilt (coopbot ingest --reindex builds a new index beside
// the old one and swaps it in); deleting documents does not forget them.
//
// Every method may also fail with EUNAVAILABLE when the backing database
// cannot be reached or does not answer within the store's bound (for
// PostgreSQL, STATEMENT_TIMEOUT plus a margin), and passes the context's
// error through (wrapped) when ctx ends first. Messages of EUNAVAILABLE
// errors never name a host, port or user; the wrapped cause may.
type Store interface {
	// Search runs the dense arm (q.Vector against every chunk's vector,
	// by cosine similarity) and the lexical arm (q.Text's words, OR
	// semantics) and returns up to q.K hits fused by reciprocal rank
	// fusion (see Fuse), best first; ties break by document ID, then
	// ordinal. Each arm fetches max(q.K, q.Candidates) chunks (a store may
	// cap this; PostgreSQL at 1000).
	//
	// A query without Vector runs only the lexical arm; one whose Text has
	// no content words (empty, only stop words or punctuation) runs only
	// the dense arm; one with neither finds nothing. A zero vector ranks
	// nothing in the dense arm (its cosine is undefined). Hits carry the
	// chunk (text, offsets, paragraphs, sentences; no Vector), its
	// document's metadata (no Text), DenseRank and LexicalRank (1-based; 0
	// for the arm that did not return it), Score, and Cosine: the cosine
	// similarity to q.Vector for every hit when q.Vector is set and not
	// zero, whichever arm found it, else 0.
	//
	// A store nothing was ever written to returns no hits and no error
	// for any query with q.K ≥ 1. Errors: EINVALID when q.K < 1; EMISMATCH when
	// q.Vector is set or q.Embedder is named and the embedder name, the
	// dimensions (q.Dimensions, or len(q.Vector) when 0) or len(q.Vector)
	// differ from what built the store.
	Search(ctx context.Context, q Query) ([]Hit, error)

	// PutDocument writes doc (metadata, hash and text) and replaces all of
	// its chunks atomically: readers see either the old or the new
	// version, never a mix, and on any error nothing changes. Chunks are
	// checked as ValidateDocument does, and each must carry a vector made
	// by embedder (dims long). A document may have no chunks. Errors:
	// EINVALID for a malformed document or chunk (see ValidateDocument)
	// or input beyond the store's limits (the in-process store's
	// MaxChunks, PostgreSQL's 2000 dimensions); EMISMATCH when the store
	// was built by another embedder name or dimensions (rebuild the index,
	// coopbot ingest --reindex, to switch).
	PutDocument(ctx context.Context, doc Document, chunks []Chunk, embedder string, dims int) error

	// DocumentHash returns the stored Hash of the document with the given
	// ID. Errors: ENOTFOUND when there is no such document.
	DocumentHash(ctx context.Context, id string) (string, error)

	// DocumentIDs lists the IDs of all stored documents in byte order
	// (empty for an empty store).
	DocumentIDs(ctx context.Context) ([]string, error)

	// DeleteDocument removes a document and all of its chunks. The store
	// keeps its embedder. Errors: ENOTFOUND when there is no such
	// document.
	DeleteDocument(ctx context.Context, id string) error

	// Stats reports the number of documents and chunks and the embedder
	// that built the store ("" and 0 until the first PutDocument).
	Stats(ctx context.Context) (Stats, error)
}

// Stats describes a Store's contents.
type Stats struct {
	Documents  int    `json:"documents"`
	Chunks     int    `json:"chunks"`
	Embedder   string `json:"embedder"` // "" when empty
	Dimensions int    `json:"dimensions"`
}

// Analyzer turns text into index terms: lower-cased, stemmed content words
// with stop words removed. The same Analyzer must serve indexing and
// querying.
type Analyzer interface {
	Terms(text string) []string
}

// Token is one word of a text as an analyzer splits it.
type Token struct {
	Word   string // the folded word
	Term   string // its index term; "" for a stop word
	Joined bool   // the joined form of a hyphenated word, after its parts
}

// Tokenizer is an Analyzer that also returns the words its terms come
// from, so that everything that reads a text — the embedders, the
// lexical columns — can share one analysis of it (a bulk load tokenized
// every chunk three times). The Terms of Tokens(text) that are not ""
// are Terms(text), in order.
type Tokenizer interface {
	Analyzer
	Tokens(text string) []Token
}

// TokenEmbedder is an Embedder that can embed texts from their tokens.
// toks[i] must be Tokens(texts[i]) of the Tokenizer the embedder was made
// with; EmbedTokens then returns exactly what Embed(ctx, texts) returns,
// with the same errors.
type TokenEmbedder interface {
	Embedder
	EmbedTokens(ctx context.Context, texts []string, toks [][]Token) ([][]float32, error)
}
