package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// measureQuality measures the lexical arm's and the hybrid search's
// recall@10 against exact search: the arm's top 10 (of the
// DefaultCandidates it fetches, as in Search) against exhaustive BM25 over
// every chunk holding a question term, and the store's fused top 10
// against exact k-NN and exhaustive BM25 fused by retrieval.Fuse, with the
// exact searches' latencies.
func measureQuality(ctx context.Context, s *postgres.Store, emb retrieval.Embedder, qs []string, vecs [][]float32, res *Result) error {
	bn := postgres.NewBench(s)
	cand := retrieval.DefaultCandidates
	var lexRecall, hybRecall float64
	var exactLexT []time.Duration
	for i, q := range qs {
		t := time.Now()
		exactLex, err := bn.Lexical(ctx, q, cand, true)
		if err != nil {
			return fmt.Errorf("exact lexical search: %w", err)
		}
		exactLexT = append(exactLexT, time.Since(t))
		arm, err := bn.Lexical(ctx, q, cand, false)
		if err != nil {
			return fmt.Errorf("lexical search: %w", err)
		}
		lexRecall += Recall(arm[:min(RecallK, len(arm))], exactLex[:min(RecallK, len(exactLex))])
		exactDense, err := bn.Nearest(ctx, vecs[i], cand, postgres.NearestOptions{Exact: true})
		if err != nil {
			return fmt.Errorf("exact search: %w", err)
		}
		want := retrieval.Fuse(asHits(exactDense), asHits(exactLex), RecallK)
		got, err := s.Search(ctx, retrieval.Query{Text: q, Vector: vecs[i], Embedder: emb.Name(), Dimensions: emb.Dimensions(),
			K: RecallK, Candidates: cand})
		if err != nil {
			return fmt.Errorf("hybrid search: %w", err)
		}
		hybRecall += overlap(got, want)
	}
	res.LexicalRecallAt10 = lexRecall / float64(len(qs))
	res.HybridRecallAt10 = hybRecall / float64(len(qs))
	res.ExactLexicalP50MS, res.ExactLexicalP95MS = percentile(exactLexT, 50), percentile(exactLexT, 95)
	return nil
}

// asHits turns neighbours into hits for retrieval.Fuse, which needs only
// their order and keys.
func asHits(ns []postgres.Neighbor) []retrieval.Hit {
	out := make([]retrieval.Hit, len(ns))
	for i, n := range ns {
		out[i].Chunk.DocumentID, out[i].Chunk.Ordinal = n.DocumentID, n.Ordinal
	}
	return out
}

// overlap is the share of want's chunks that got holds (1 when want is
// empty).
func overlap(got, want []retrieval.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	type key struct {
		doc string
		ord int
	}
	in := make(map[key]bool, len(got))
	for _, h := range got {
		in[key{h.Chunk.DocumentID, h.Chunk.Ordinal}] = true
	}
	n := 0
	for _, h := range want {
		if in[key{h.Chunk.DocumentID, h.Chunk.Ordinal}] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}
