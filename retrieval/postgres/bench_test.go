package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

const benchDims = 512

var benchWords = strings.Fields(`britain japan defence cooperation fighter jet gcap submarine exercise
	treaty reciprocal access agreement navy army air force tokyo london minister talks industry
	italy partnership security pacific indo carrier frigate drill missile research programme`)

func randVec(r *rand.Rand) []float32 {
	v := make([]float32, benchDims)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func randText(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = benchWords[r.IntN(len(benchWords))]
	}
	return strings.Join(w, " ") + "."
}

// benchStore fills a fresh store with docs documents of 10 chunks each.
func benchStore(b *testing.B, docs int) *postgres.Store {
	b.Helper()
	url := pgtest.NewDB(b, "retrieval_postgres_bench")
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, postgres.Options{Analyzer: snowball.New()})
	if err != nil {
		b.Fatalf("Open() = %v", err)
	}
	b.Cleanup(s.Close)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range docs {
		d, cs := benchDoc(r, fmt.Sprintf("doc%04d", i))
		if err := s.PutDocument(ctx, d, cs, "bench-512", benchDims); err != nil {
			b.Fatalf("PutDocument() = %v", err)
		}
	}
	return s
}

// benchDoc is a document of 10 random chunks.
func benchDoc(r *rand.Rand, id string) (retrieval.Document, []retrieval.Chunk) {
	var paras []string
	for range 10 {
		paras = append(paras, randText(r, 60))
	}
	d := retrieval.Document{ID: id, Title: "T", Text: strings.Join(paras, "\n\n"), Hash: "h"}
	var cs []retrieval.Chunk
	off := 0
	for j, p := range paras {
		cs = append(cs, retrieval.Chunk{DocumentID: d.ID, Ordinal: j, ParaStart: j + 1, ParaEnd: j + 1,
			Start: off, End: off + len(p), Text: p, Vector: randVec(r)})
		off += len(p) + 2
	}
	return d, cs
}

// BenchmarkSearch measures one hybrid search (both arms, fusion) over
// 5,000 chunks of 512 dimensions, 40 candidates per arm.
func BenchmarkSearch(b *testing.B) {
	s := benchStore(b, 500)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	q := retrieval.Query{Text: "What does the reciprocal access agreement let the navy do?", Vector: randVec(r),
		Embedder: "bench-512", Dimensions: benchDims, K: 8, Candidates: 40}
	dense, lexical := q, q
	dense.Text, lexical.Vector = "", nil
	for _, bc := range []struct {
		name string
		q    retrieval.Query
	}{{"hybrid", q}, {"dense", dense}, {"lexical", lexical}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutDocument measures replacing a 10-chunk document.
func BenchmarkPutDocument(b *testing.B) {
	s := benchStore(b, 50)
	ctx := context.Background()
	d, cs := benchDoc(rand.New(rand.NewPCG(5, 6)), "doc0001")
	d.Hash = "h2"
	b.ResetTimer()
	for b.Loop() {
		if err := s.PutDocument(ctx, d, cs, "bench-512", benchDims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutDocumentParallel measures new 10-chunk documents written
// by 4 × GOMAXPROCS goroutines at once: how far the writers' BM25
// statistics (migration 00007) serialize them.
func BenchmarkPutDocumentParallel(b *testing.B) {
	s := benchStore(b, 50)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(uint64(next.Add(1)), 7))
		for pb.Next() {
			d, cs := benchDoc(r, fmt.Sprintf("new%07d", next.Add(1)))
			if err := s.PutDocument(ctx, d, cs, "bench-512", benchDims); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "chunks/s")
}
