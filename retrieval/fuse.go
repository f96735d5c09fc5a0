package retrieval

import "sort"

// RRFK is the reciprocal rank fusion constant.
const RRFK = 60

// Fuse merges the hits of the dense and lexical arms (each ordered best
// first) by reciprocal rank fusion: a chunk's score is the sum over arms of
// 1/(RRFK + rank). It sets DenseRank, LexicalRank and Score, keeps the
// largest Cosine seen, and returns at most k hits, best first; ties break
// by document ID and ordinal so the order is deterministic.
func Fuse(dense, lexical []Hit, k int) []Hit {
	type key struct {
		doc string
		ord int
	}
	byKey := make(map[key]*Hit, len(dense)+len(lexical))
	var order []key
	add := func(hits []Hit, dense bool) {
		for i, h := range hits {
			kk := key{h.Chunk.DocumentID, h.Chunk.Ordinal}
			cur, ok := byKey[kk]
			if !ok {
				c := h
				c.DenseRank, c.LexicalRank, c.Score = 0, 0, 0
				cur = &c
				byKey[kk] = cur
				order = append(order, kk)
			}
			if h.Cosine > cur.Cosine {
				cur.Cosine = h.Cosine
			}
			rank := i + 1
			if dense {
				cur.DenseRank = rank
			} else {
				cur.LexicalRank = rank
			}
			cur.Score += 1 / float64(RRFK+rank)
		}
	}
	add(dense, true)
	add(lexical, false)
	out := make([]Hit, 0, len(order))
	for _, kk := range order {
		out = append(out, *byKey[kk])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		if out[i].Chunk.DocumentID != out[j].Chunk.DocumentID {
			return out[i].Chunk.DocumentID < out[j].Chunk.DocumentID
		}
		return out[i].Chunk.Ordinal < out[j].Chunk.Ordinal
	})
	if k >= 0 && len(out) > k {
		out = out[:k]
	}
	return out
}
