package openai

import (
	"context"
	"fmt"
	"strings"
	"sync"

	oai "github.com/openai/openai-go"

	"github.com/coopbot/coopbot/retrieval"
)

// DefaultBatchSize is the number of texts sent in one embeddings request.
const DefaultBatchSize = 64

// Embedder embeds texts with an embedding model on an OpenAI-compatible
// server (/embeddings). Its name is "openai:<model>"; its dimensions are
// learned from the first successful response.
type Embedder struct {
	model string
	c     *client
	svc   oai.EmbeddingService

	mu   sync.Mutex
	dims int
}

var _ retrieval.Embedder = (*Embedder)(nil)

// NewEmbedder returns an Embedder for model (EMBEDDING_MODEL, e.g.
// "nomic-embed-text" or "text-embedding-3-small"). Errors: EINVALID for
// an empty model or a bad base URL.
func NewEmbedder(model string, o Options) (*Embedder, error) {
	model = strings.TrimSpace(model)
	if model == "" {
		return nil, retrieval.Errorf(retrieval.EINVALID, "EMBEDDING_MODEL: an embedding model name is required with EMBEDDER=openai")
	}
	c, err := newClient(o)
	if err != nil {
		return nil, err
	}
	return &Embedder{model: model, c: c, svc: oai.NewEmbeddingService(c.opts...)}, nil
}

// Name implements retrieval.Embedder: "openai:<model>".
func (e *Embedder) Name() string { return "openai:" + e.model }

// Dimensions implements retrieval.Embedder: 0 until the first successful
// Embed, then the length of the model's vectors.
func (e *Embedder) Dimensions() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dims
}

// Embed implements retrieval.Embedder, sending DefaultBatchSize texts per
// request. Errors: EUNAVAILABLE when the server fails or returns a
// malformed response (wrong count, empty or ragged vectors); EMISMATCH
// when the model's dimensions change between calls.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += DefaultBatchSize {
		batch := texts[start:min(start+DefaultBatchSize, len(texts))]
		vecs, err := e.embed(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *Embedder) embed(ctx context.Context, batch []string) ([][]float32, error) {
	input := make([]string, len(batch))
	for i, t := range batch {
		if strings.TrimSpace(t) == "" {
			t = " " // the API rejects empty strings
		}
		input[i] = t
	}
	params := oai.EmbeddingNewParams{
		Model:          e.model,
		Input:          oai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: input},
		EncodingFormat: oai.EmbeddingNewParamsEncodingFormatFloat,
	}
	var res *oai.CreateEmbeddingResponse
	err := e.c.call(ctx, "embeddings", e.model, func(ctx context.Context) error {
		var err error
		res, err = e.svc.New(ctx, params)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("embed %d texts: %w", len(batch), err)
	}
	bad := func(format string, args ...any) error {
		return retrieval.WrapError(retrieval.EUNAVAILABLE, fmt.Errorf(format, args...), "The embedding model returned a malformed response.")
	}
	if len(res.Data) != len(batch) {
		return nil, bad("got %d embeddings for %d texts", len(res.Data), len(batch))
	}
	vecs := make([][]float32, len(batch))
	dims := 0
	for _, d := range res.Data {
		i := int(d.Index)
		if i < 0 || i >= len(batch) || vecs[i] != nil {
			return nil, bad("embedding index %d out of range or repeated", d.Index)
		}
		if len(d.Embedding) == 0 || (dims != 0 && len(d.Embedding) != dims) {
			return nil, bad("embedding %d has %d dimensions; want %d", i, len(d.Embedding), dims)
		}
		dims = len(d.Embedding)
		v := make([]float32, dims)
		for j, x := range d.Embedding {
			v[j] = float32(x)
		}
		vecs[i] = v
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.dims == 0:
		e.dims = dims
	case e.dims != dims:
		return nil, retrieval.Errorf(retrieval.EMISMATCH, "The embedding model %s now returns %d dimensions instead of %d; run coopbot ingest --reindex.", e.model, dims, e.dims)
	}
	return vecs, nil
}
