package retrieval

import "math"

// BM25 parameters of both stores' lexical arms.
const (
	BM25K1 = 1.2
	BM25B  = 0.75
)

// BM25Weight is a query term's weight, idf × (k1 + 1), in a store of n
// chunks of which df contain the term (Lucene's idf, never negative). It
// is also the term's upper bound: no chunk's score for the term reaches
// it (see BM25Term), which is what lets a store skip chunks matching only
// low-weight terms.
func BM25Weight(n, df int64) float64 {
	idf := math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
	return float64(idf * (BM25K1 + 1))
}

// BM25Norm is the length normalization k1 × (1 - b + b × dl / avg) of a
// chunk of dl terms in a store whose chunks average avg terms.
func BM25Norm(dl int64, avg float64) float64 {
	return float64(BM25K1 * float64(1-BM25B+float64(float64(BM25B*float64(dl))/avg)))
}

// BM25Term is a chunk's score for one query term of weight w that it
// holds tf times, with length normalization norm: w × tf / (tf + norm). A
// chunk's score is the sum of its terms' in the query's term order.
//
// The PostgreSQL store computes the same in SQL, one IEEE operation at a
// time in this order, so both stores score a chunk identically to the
// bit; the float64 conversions keep the compiler from fusing a multiply
// and an add into one rounding.
func BM25Term(w float64, tf int64, norm float64) float64 {
	f := float64(tf)
	return float64(w*f) / (f + norm)
}
