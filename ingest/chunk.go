package ingest

import (
	"strings"

	"github.com/coopbot/coopbot/retrieval"
)

// ChunkOptions sizes chunks. Sizes are in bytes of UTF-8 text (characters,
// for English). Zero or negative fields take their defaults.
type ChunkOptions struct {
	// MinChars: a paragraph (or run of merged paragraphs) shorter than this
	// merges with its neighbour while the result stays within TargetChars.
	MinChars int
	// TargetChars is the size merged chunks and the pieces of a long
	// paragraph aim at.
	TargetChars int
	// MaxChars bounds every chunk. A longer paragraph is split at sentence
	// boundaries; a longer sentence at a word boundary.
	MaxChars int
}

// Default chunk sizes.
const (
	DefaultMinChars    = 100
	DefaultTargetChars = 800
	DefaultMaxChars    = 1200
	minMaxChars        = 16 // the smallest MaxChars honoured
)

// DefaultChunkOptions returns the default chunk sizes.
func DefaultChunkOptions() ChunkOptions {
	return ChunkOptions{MinChars: DefaultMinChars, TargetChars: DefaultTargetChars, MaxChars: DefaultMaxChars}
}

// withDefaults fills unset fields and makes Min ≤ Target ≤ Max hold.
func (o ChunkOptions) withDefaults() ChunkOptions {
	if o.MaxChars <= 0 {
		o.MaxChars = DefaultMaxChars
	}
	o.MaxChars = max(o.MaxChars, minMaxChars)
	if o.TargetChars <= 0 {
		o.TargetChars = min(DefaultTargetChars, o.MaxChars)
	}
	o.TargetChars = min(o.TargetChars, o.MaxChars)
	if o.MinChars <= 0 {
		o.MinChars = min(DefaultMinChars, o.TargetChars)
	}
	o.MinChars = min(o.MinChars, o.TargetChars)
	return o
}

// Chunk cuts doc.Text into passages. A paragraph (text between blank
// lines) is the unit: runs of short paragraphs merge up to TargetChars,
// and a paragraph longer than MaxChars is split at sentence boundaries
// into pieces of about TargetChars, consecutive pieces sharing one
// sentence. Every chunk has Text == doc.Text[Start:End], at most MaxChars
// bytes, no white space at either end, 1-based paragraph numbers, and its
// sentence spans relative to Text.
func Chunk(doc retrieval.Document, opts ChunkOptions) []retrieval.Chunk {
	return ChunkPages(doc, nil, opts)
}

// ChunkPages is Chunk for a paged document: pages[i] is the byte offset
// in doc.Text at which page i+1 begins (as Loaded.Pages). Every chunk
// stays on the page it starts on, unless one paragraph runs over a page
// break, and has that page's number.
func ChunkPages(doc retrieval.Document, pages []int, opts ChunkOptions) []retrieval.Chunk {
	o := opts.withDefaults()
	c := chunker{doc: doc, pages: pages, o: o}
	text := doc.Text
	var g struct {
		start, end, paraStart, paraEnd int
		units                          []retrieval.Span
	}
	flush := func() {
		if g.units != nil {
			c.emit(g.start, g.end, g.paraStart, g.paraEnd, g.units)
			g.units = nil
		}
	}
	for i, p := range paragraphSpans(text) {
		n := i + 1
		units := sentenceUnits(text, p, o.MaxChars)
		if p.End-p.Start > o.MaxChars {
			flush()
			c.pieces(units, n)
			continue
		}
		if g.units != nil {
			short := g.end-g.start < o.MinChars || p.End-p.Start < o.MinChars
			// A chunk stays on one page, so that its page number is
			// right for every paragraph it cites.
			samePage := pageAt(pages, g.start) == pageAt(pages, p.Start)
			if short && samePage && p.End-g.start <= o.TargetChars {
				g.end, g.paraEnd = p.End, n
				g.units = append(g.units, units...)
				continue
			}
			flush()
		}
		g.start, g.end, g.paraStart, g.paraEnd, g.units = p.Start, p.End, n, n, units
	}
	flush()
	return c.out
}

type chunker struct {
	doc   retrieval.Document
	pages []int
	o     ChunkOptions
	out   []retrieval.Chunk
}

// emit appends the chunk doc.Text[start:end] whose sentences are units
// (absolute spans).
func (c *chunker) emit(start, end, paraStart, paraEnd int, units []retrieval.Span) {
	sents := make([]retrieval.Span, len(units))
	for i, u := range units {
		sents[i] = retrieval.Span{Start: u.Start - start, End: u.End - start}
	}
	c.out = append(c.out, retrieval.Chunk{
		DocumentID: c.doc.ID,
		Ordinal:    len(c.out),
		ParaStart:  paraStart,
		ParaEnd:    paraEnd,
		Page:       pageAt(c.pages, start),
		Start:      start,
		End:        end,
		Text:       c.doc.Text[start:end],
		Sentences:  sents,
	})
}

// pieces packs the sentence units of one long paragraph into chunks of
// about TargetChars (never over MaxChars); each chunk after the first
// starts with the last sentence of the one before, unless that would take
// it over MaxChars.
func (c *chunker) pieces(u []retrieval.Span, para int) {
	target, maxLen := c.o.TargetChars, c.o.MaxChars
	overlap := false
	for i := 0; i < len(u); {
		j := i
		for j+1 < len(u) {
			size := u[j+1].End - u[i].Start
			// A piece that opens with the overlap sentence must take at
			// least one new sentence: MaxChars is its only limit then.
			if size > target && !(overlap && j == i && size <= maxLen) {
				break
			}
			j++
		}
		c.emit(u[i].Start, u[j].End, para, para, u[i:j+1])
		if j+1 >= len(u) {
			return
		}
		overlap = j > i && u[j+1].End-u[j].Start <= maxLen
		if overlap {
			i = j
		} else {
			i = j + 1
		}
	}
}

// paragraphSpans returns the paragraphs of text: runs of lines between
// blank lines (lines of white space only), trimmed.
func paragraphSpans(text string) []retrieval.Span {
	var out []retrieval.Span
	start, end := -1, 0
	add := func() {
		if start >= 0 {
			if sp, ok := trimSpan(text, retrieval.Span{Start: start, End: end}); ok {
				out = append(out, sp)
			}
			start = -1
		}
	}
	for ls := 0; ls < len(text); {
		le := strings.IndexByte(text[ls:], '\n')
		if le < 0 {
			le = len(text)
		} else {
			le += ls
		}
		if strings.TrimSpace(text[ls:le]) == "" {
			add()
		} else {
			if start < 0 {
				start = ls
			}
			end = le
		}
		ls = le + 1
	}
	add()
	return out
}

// sentenceUnits splits paragraph p of text into sentences (absolute
// spans), cutting any sentence longer than maxLen at word boundaries (or,
// in a word longer than maxLen, at a character boundary).
func sentenceUnits(text string, p retrieval.Span, maxLen int) []retrieval.Span {
	var out []retrieval.Span
	for _, s := range SplitSentences(text[p.Start:p.End]) {
		s = retrieval.Span{Start: p.Start + s.Start, End: p.Start + s.End}
		for s.End-s.Start > maxLen {
			cut := cutPoint(text, s.Start, s.Start+maxLen)
			if piece, ok := trimSpan(text, retrieval.Span{Start: s.Start, End: cut}); ok {
				out = append(out, piece)
			}
			rest, ok := trimSpan(text, retrieval.Span{Start: cut, End: s.End})
			s = rest
			if !ok {
				break
			}
		}
		if s.End > s.Start {
			out = append(out, s)
		}
	}
	if len(out) == 0 { // cannot happen for a trimmed, non-empty paragraph
		out = append(out, p)
	}
	return out
}
