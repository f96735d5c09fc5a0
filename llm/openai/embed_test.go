package openai_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/coopbot/coopbot/llm/openai"
	"github.com/coopbot/coopbot/llm/openai/openaitest"
	"github.com/coopbot/coopbot/retrieval"
)

func newEmbedder(t *testing.T, srv *openaitest.Server) *openai.Embedder {
	t.Helper()
	e, err := openai.NewEmbedder(embedModel, openai.Options{BaseURL: srv.URL, APIKey: apiKey, Timeout: 10 * time.Second, RetryBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEmbedder(t *testing.T) {
	srv := newServer(t)
	srv.ReverseEmbeddings()
	e := newEmbedder(t, srv)
	if got, want := e.Name(), "openai:"+embedModel; got != want {
		t.Errorf("Name() = %q; want %q", got, want)
	}
	if d := e.Dimensions(); d != 0 {
		t.Errorf("Dimensions() before Embed = %d; want 0", d)
	}
	texts := make([]string, openai.DefaultBatchSize+6)
	for i := range texts {
		texts[i] = fmt.Sprintf("paragraph %d about the JNAAM missile", i)
	}
	texts[3] = "" // sent as a space: the API rejects empty input
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("Embed returned %d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs {
		want := openaitest.Vector(texts[i], 8)
		if texts[i] == "" {
			want = openaitest.Vector(" ", 8)
		}
		if len(v) != 8 {
			t.Fatalf("vector %d has %d dimensions; want 8", i, len(v))
		}
		for j := range v {
			if math.Abs(float64(v[j])-want[j]) > 1e-6 {
				t.Fatalf("vector %d = %v; want %v (order must follow each item's index)", i, v, want)
			}
		}
	}
	if got := srv.EmbeddingRequests(); got != 2 {
		t.Errorf("Embed(%d texts) made %d requests; want 2 batches", len(texts), got)
	}
	if d := e.Dimensions(); d != 8 {
		t.Errorf("Dimensions() after Embed = %d; want 8", d)
	}
	// Deterministic: the same text embeds to the same vector.
	again, err := e.Embed(context.Background(), texts[:1])
	if err != nil || fmt.Sprint(again[0]) != fmt.Sprint(vecs[0]) {
		t.Errorf("Embed again = %v, %v; want %v", again, err, vecs[0])
	}
	// The model changes its dimensions: a clear EMISMATCH.
	srv.SetDims(16)
	if _, err := e.Embed(context.Background(), texts[:1]); retrieval.ErrorCode(err) != retrieval.EMISMATCH {
		t.Errorf("Embed after a dimension change: error = %v; want code %s", err, retrieval.EMISMATCH)
	}
	if vecs, err := e.Embed(context.Background(), nil); err != nil || len(vecs) != 0 {
		t.Errorf("Embed(nil) = %v, %v; want no vectors", vecs, err)
	}
}

func TestEmbedderUnavailable(t *testing.T) {
	e, err := openai.NewEmbedder(embedModel, openai.Options{BaseURL: "http://127.0.0.1:1/v1", MaxRetries: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"x"}); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("Embed(unreachable) error = %v; want code %s", err, retrieval.EUNAVAILABLE)
	}
	if d := e.Dimensions(); d != 0 {
		t.Errorf("Dimensions() after a failed Embed = %d; want 0", d)
	}
}
