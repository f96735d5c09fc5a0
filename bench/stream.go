package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// batch is one BulkLoad's worth of documents, numbered in generation
// order.
type batch struct {
	seq    int
	docs   []postgres.BulkDocument
	chunks int
}

// docsPerBatch aims at opts.BatchChunks chunks (about 6.5 per document),
// or a little more than opts.Chunks when that is smaller.
func docsPerBatch(opts StreamOptions) int {
	return max(min(opts.BatchChunks, opts.Chunks+opts.Chunks/4)*2/13, 1)
}

// StreamOptions size a Stream.
type StreamOptions struct {
	Chunks      int // exactly this many chunks
	BatchChunks int // about this many chunks per write; 0 means DefaultBatchChunks
	Writers     int // concurrent writes; 0 means DefaultWriters
	// Embedder, when set, embeds the chunks before they are written; nil
	// leaves Vector empty (for a writer that embeds itself).
	Embedder retrieval.Embedder
	// Analyzer, when it is a retrieval.Tokenizer and Embedder a
	// retrieval.TokenEmbedder, analyzes each chunk once for both: the
	// embedders embed its tokens and the chunk carries its terms
	// (BulkDocument.Terms) to the writer.
	Analyzer retrieval.Analyzer
	Progress io.Writer // a line per tenth written; nil discards
}

// StreamStats counts what a Stream wrote.
type StreamStats struct {
	Chunks, Documents int
	Seconds           float64
}

// Stream generates the synthetic corpus's first opts.Chunks chunks, chunks
// and embeds them, and hands them to write in batches, from opts.Writers
// goroutines at once. One goroutine generates document texts (cheap, and
// serial so the corpus is deterministic); GOMAXPROCS workers chunk (the
// sentence splitter is the costliest step) and embed whole batches; a
// sequencer puts the batches back in order and cuts the corpus at exactly
// opts.Chunks, so every Stream writes the same chunks. The first error
// stops it.
func Stream(ctx context.Context, opts StreamOptions, write func(context.Context, []postgres.BulkDocument) error) (StreamStats, error) {
	var res StreamStats
	if opts.BatchChunks <= 0 {
		opts.BatchChunks = DefaultBatchChunks
	}
	if opts.Writers <= 0 {
		opts.Writers = DefaultWriters
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	gen, err := NewCorpus()
	if err != nil {
		return res, err
	}
	emb := opts.Embedder
	g, ctx := errgroup.WithContext(ctx)
	stop := make(chan struct{}) // closed by the sequencer when it has enough
	texts := make(chan batch, 1)
	chunked := make(chan batch, 2)
	toWrite := make(chan batch, opts.Writers)
	start := time.Now()
	g.Go(func() error {
		defer close(texts)
		for seq := 0; ; seq++ {
			b := batch{seq: seq, docs: make([]postgres.BulkDocument, docsPerBatch(opts))}
			for i := range b.docs {
				b.docs[i].Document = gen.NextDocument()
			}
			select {
			case texts <- b:
			case <-stop:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			for b := range texts {
				select {
				case <-stop: // enough chunks: skip the rest
					continue
				default:
				}
				var all []string
				for i := range b.docs {
					b.docs[i].Chunks = ChunkDocument(b.docs[i].Document)
					for _, c := range b.docs[i].Chunks {
						all = append(all, c.Text)
					}
				}
				b.chunks = len(all)
				if emb != nil {
					if err := embedBatch(ctx, emb, opts.Analyzer, b, all); err != nil {
						return err
					}
				}
				select {
				case chunked <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() { wg.Wait(); close(chunked) }()
	g.Go(func() error { // the sequencer
		defer close(toWrite)
		defer func() {
			close(stop)
			for range chunked { // let the workers finish
			}
		}()
		pending := map[int]batch{}
		next, total := 0, 0
		for b := range chunked {
			pending[b.seq] = b
			for {
				b, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if rest := opts.Chunks - total; b.chunks >= rest {
					b = truncate(b, rest)
				}
				total += b.chunks
				res.Documents += len(b.docs)
				select {
				case toWrite <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
				if total == opts.Chunks {
					return nil
				}
			}
		}
		return ctx.Err()
	})
	var mu sync.Mutex
	written, nextReport := 0, max(opts.Chunks/10, 1)
	for range opts.Writers {
		g.Go(func() error {
			for b := range toWrite {
				if err := write(ctx, b.docs); err != nil {
					return err
				}
				mu.Lock()
				written += b.chunks
				if written >= nextReport {
					el := time.Since(start).Seconds()
					fmt.Fprintf(opts.Progress, "bench: loaded %d/%d chunks in %.1fs (%.0f chunks/s)\n", written, opts.Chunks, el, float64(written)/el)
					nextReport += max(opts.Chunks/10, 1)
				}
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return res, err
	}
	res.Chunks = written
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// embedBatch embeds the texts of b's chunks (all, in order) into them,
// from one analysis of each that also gives the chunks' terms when an
// and emb allow it.
func embedBatch(ctx context.Context, emb retrieval.Embedder, an retrieval.Analyzer, b batch, all []string) error {
	var (
		vecs [][]float32
		toks [][]retrieval.Token // nil: embedded from the texts
		err  error
	)
	tz, okT := an.(retrieval.Tokenizer)
	te, okE := emb.(retrieval.TokenEmbedder)
	if okT && okE {
		toks = make([][]retrieval.Token, len(all))
		for i, text := range all {
			toks[i] = tz.Tokens(text)
		}
		vecs, err = te.EmbedTokens(ctx, all, toks)
	} else {
		vecs, err = emb.Embed(ctx, all)
	}
	if err != nil {
		return fmt.Errorf("embed chunks: %w", err)
	}
	if len(vecs) != len(all) {
		return fmt.Errorf("embed chunks: got %d vectors for %d texts", len(vecs), len(all))
	}
	k := 0
	for i := range b.docs {
		d := &b.docs[i]
		if toks != nil {
			d.Terms = make([][]string, len(d.Chunks))
		}
		for j := range d.Chunks {
			d.Chunks[j].Vector = vecs[k]
			if toks != nil {
				d.Terms[j] = termsOf(toks[k])
			}
			k++
		}
	}
	return nil
}

// termsOf is the terms of toks, as the analyzer's Terms gives them.
func termsOf(toks []retrieval.Token) []string {
	terms := make([]string, 0, len(toks))
	for _, t := range toks {
		if t.Term != "" {
			terms = append(terms, t.Term)
		}
	}
	return terms
}

// truncate keeps the first n chunks of b (whole documents, then part of
// the last one).
func truncate(b batch, n int) batch {
	kept := 0
	for i := range b.docs {
		c := b.docs[i].Chunks
		if kept+len(c) >= n {
			b.docs[i].Chunks = c[:n-kept]
			if b.docs[i].Terms != nil {
				b.docs[i].Terms = b.docs[i].Terms[:n-kept]
			}
			b.docs = b.docs[:i+1]
			b.chunks = n
			return b
		}
		kept += len(c)
	}
	return b
}
