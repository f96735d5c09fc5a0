package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	bundledcorpus "github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// Ranked is a chunk of a lexical ranking.
type Ranked struct {
	DocumentID string
	Ordinal    int
}

func (r Ranked) String() string { return key(r.DocumentID, r.Ordinal) }

// BM25Top is the reference lexical ranking: the k chunks with the best
// BM25 score (retrieval.BM25Weight, BM25Norm, BM25Term, the terms' scores
// added in the question's order) for the distinct terms a makes of
// question, among every chunk holding any of them, ties broken by
// document ID (bytes) and ordinal. Every store's lexical arm must return
// exactly this (testLexicalRanking).
func BM25Top(a retrieval.Analyzer, chunks []retrieval.Chunk, question string, k int) []Ranked {
	var terms []string
	for _, t := range a.Terms(question) {
		if !slices.Contains(terms, t) {
			terms = append(terms, t)
		}
	}
	tfs := make([]map[string]int64, len(chunks))
	df := map[string]int64{}
	var total int64
	for i, c := range chunks {
		tfs[i] = map[string]int64{}
		for _, t := range a.Terms(c.Text) {
			if tfs[i][t] == 0 {
				df[t]++
			}
			tfs[i][t]++
			total++
		}
	}
	n := int64(len(chunks))
	if n == 0 || total == 0 {
		return nil
	}
	avg := float64(total) / float64(n)
	type scored struct {
		r Ranked
		s float64
	}
	var all []scored
	for i, c := range chunks {
		score, hit := 0.0, false
		for _, t := range terms {
			if tf := tfs[i][t]; tf > 0 {
				score += retrieval.BM25Term(retrieval.BM25Weight(n, df[t]), tf, retrieval.BM25Norm(int64(len(a.Terms(c.Text))), avg))
				hit = true
			}
		}
		if hit {
			all = append(all, scored{Ranked{c.DocumentID, c.Ordinal}, score})
		}
	}
	slices.SortFunc(all, func(x, y scored) int {
		if c := cmp.Compare(y.s, x.s); c != 0 {
			return c
		}
		if c := strings.Compare(x.r.DocumentID, y.r.DocumentID); c != 0 {
			return c
		}
		return cmp.Compare(x.r.Ordinal, y.r.Ordinal)
	})
	out := make([]Ranked, 0, k)
	for _, s := range all[:min(k, len(all))] {
		out = append(out, s.r)
	}
	return out
}

// LexicalCorpus is a generated corpus for ranking tests: n documents of
// three chunks drawn from a skewed vocabulary (a few words in most chunks,
// many rare ones, codes such as "P-1" and "MR4"), and questions mixing
// common and rare words.
func LexicalCorpus(seed uint64, n int) (docs []retrieval.Document, chunks [][]retrieval.Chunk, questions []string) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	common := []string{"defence", "minister", "said", "programme", "cost", "navy", "fighter", "year", "build", "agreement"}
	rare := []string{"Kagoshima", "P-1", "MR4", "Tempest", "Mogami", "frigate", "radar", "Meteor", "Type 26", "Lockheed", "Osaka", "tender"}
	word := func() string {
		switch x := r.IntN(10); {
		case x < 6:
			return common[int(r.ExpFloat64()*2)%len(common)]
		case x < 8:
			return rare[r.IntN(len(rare))]
		default:
			return fmt.Sprintf("w%d", r.IntN(400))
		}
	}
	vec := []float32{1, 0, 0, 0}
	for d := range n {
		paras := make([]string, 3)
		for p := range paras {
			words := make([]string, 3+r.IntN(25))
			for i := range words {
				words[i] = word()
			}
			paras[p] = strings.Join(words, " ") + "."
		}
		doc, cs := Doc(fmt.Sprintf("gen%03d", d), "Generated "+fmt.Sprint(d), [][]float32{vec, vec, vec}, paras...)
		docs, chunks = append(docs, doc), append(chunks, cs)
	}
	questions = []string{"Who builds the Tempest fighter?", "What did the minister say about the cost of the programme?",
		"When will the P-1 fly?", "Is MR4 part of the agreement?", "What does the navy build at Kagoshima?",
		"How much will the Meteor radar cost each year?", "defence", "Which frigate, the Mogami or the Type 26?",
		"Did Lockheed win the Osaka tender?", "w7 w19 w250 said"}
	return docs, chunks, questions
}

// bundled returns the bundled corpus's documents and chunks as ingest
// chunks them, every chunk with the same vector.
func bundled(t *testing.T) ([]retrieval.Document, [][]retrieval.Chunk) {
	t.Helper()
	docs, errs := ingest.LoadFS(bundledcorpus.FS, ".")
	if len(errs) > 0 || len(docs) == 0 {
		t.Fatalf("LoadFS(corpus) = %d documents, %v", len(docs), errs)
	}
	var chunks [][]retrieval.Chunk
	for _, d := range docs {
		cs := ingest.Chunk(d, ingest.ChunkOptions{})
		for i := range cs {
			cs[i].Vector = []float32{0, 1, 0, 0}
		}
		chunks = append(chunks, cs)
	}
	return docs, chunks
}

// testLexicalRanking checks that the lexical arm (a query without a
// vector) returns exactly BM25Top, on the bundled corpus and on a
// generated one: the property that makes the stores rank identically.
func testLexicalRanking(t *testing.T, s retrieval.Store) {
	bdocs, bchunks := bundled(t)
	gdocs, gchunks, questions := LexicalCorpus(7, 120)
	docs, chunks := slices.Concat(bdocs, gdocs), slices.Concat(bchunks, gchunks)
	var flat []retrieval.Chunk
	for i, d := range docs {
		if err := s.PutDocument(context.Background(), d, chunks[i], Embedder, Dims); err != nil {
			t.Fatalf("PutDocument(%s) = %v", d.ID, err)
		}
		flat = append(flat, chunks[i]...)
	}
	questions = append(questions, "What did Grant Shapps say about the GCAP fighter?", "UK-Japan cooperation on the Reciprocal Access Agreement",
		"Who is Japan's defence minister?")
	a := snowball.New()
	for _, q := range questions {
		for _, k := range []int{10, 40} {
			got := search(t, s, retrieval.Query{Text: q, K: k, Candidates: k})
			want := BM25Top(a, flat, q, k)
			if !sameRanking(got, want) {
				t.Errorf("Search(%q, k=%d) = %v; want %v", q, k, ids(got), want)
			}
		}
	}
}

// sameRanking reports whether hits are exactly want, in order.
func sameRanking(hits []retrieval.Hit, want []Ranked) bool {
	if len(hits) != len(want) {
		return false
	}
	for i, h := range hits {
		if h.Chunk.DocumentID != want[i].DocumentID || h.Chunk.Ordinal != want[i].Ordinal {
			return false
		}
	}
	return true
}
