package ingest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// checkChunks asserts the chunk invariants: ordinals count from 0, Text is
// exactly doc.Text[Start:End] with no white space at either end and at most
// MaxChars bytes, chunks come in text order and cover every non-space
// character, paragraph numbers are 1-based and never go back, and sentence
// spans lie inside the chunk, in order, covering it. When exactParas is
// set (normalized text), ParaStart/ParaEnd must equal the number of
// "\n\n" separators before Start/End plus one.
func checkChunks(t testing.TB, doc retrieval.Document, chunks []retrieval.Chunk, opts ChunkOptions, exactParas bool) {
	t.Helper()
	o := opts.withDefaults()
	covered := 0 // text[:covered] is covered or white space
	para := 1
	seps, counted := 0, 0 // "\n\n" separators in doc.Text[:counted]
	for i, c := range chunks {
		if c.Ordinal != i || c.DocumentID != doc.ID {
			t.Fatalf("chunk %d: ordinal %d, document %q", i, c.Ordinal, c.DocumentID)
		}
		if c.Start < 0 || c.End > len(doc.Text) || c.Start >= c.End {
			t.Fatalf("chunk %d: bad range [%d:%d] of %d", i, c.Start, c.End, len(doc.Text))
		}
		if c.Text != doc.Text[c.Start:c.End] {
			t.Fatalf("chunk %d: Text is not doc.Text[%d:%d]", i, c.Start, c.End)
		}
		if len(c.Text) > o.MaxChars {
			t.Fatalf("chunk %d: %d bytes > MaxChars %d", i, len(c.Text), o.MaxChars)
		}
		if strings.TrimFunc(c.Text, unicode.IsSpace) != c.Text {
			t.Fatalf("chunk %d: white space at an end: %q", i, c.Text)
		}
		if c.Start > covered {
			if gap := doc.Text[covered:c.Start]; strings.TrimFunc(gap, unicode.IsSpace) != "" {
				t.Fatalf("chunk %d: text %q before it is in no chunk", i, gap)
			}
		}
		if i > 0 && c.Start < chunks[i-1].Start {
			t.Fatalf("chunk %d starts before chunk %d", i, i-1)
		}
		covered = max(covered, c.End)
		if c.ParaStart < para || c.ParaEnd < c.ParaStart {
			t.Fatalf("chunk %d: paragraphs %d-%d after %d", i, c.ParaStart, c.ParaEnd, para)
		}
		para = c.ParaEnd
		if exactParas {
			// Count separators incrementally: chunks never start earlier
			// than the one before.
			seps += strings.Count(doc.Text[counted:c.Start], "\n\n")
			counted = c.Start
			if want := seps + 1; c.ParaStart != want {
				t.Fatalf("chunk %d: ParaStart %d, want %d", i, c.ParaStart, want)
			}
			if want := seps + strings.Count(c.Text, "\n\n") + 1; c.ParaEnd != want {
				t.Fatalf("chunk %d: ParaEnd %d, want %d", i, c.ParaEnd, want)
			}
		}
		if len(c.Sentences) == 0 {
			t.Fatalf("chunk %d: no sentences", i)
		}
		if c.Sentences[0].Start != 0 || c.Sentences[len(c.Sentences)-1].End != len(c.Text) {
			t.Fatalf("chunk %d: sentences %v do not span the chunk (%d bytes)", i, c.Sentences, len(c.Text))
		}
		checkSpans(t, c.Text, c.Sentences)
	}
	if tail := doc.Text[covered:]; strings.TrimFunc(tail, unicode.IsSpace) != "" {
		t.Fatalf("tail %.40q is in no chunk", tail)
	}
}

func TestChunkCorpus(t *testing.T) {
	total := 0
	for _, d := range corpusDocs(t) {
		chunks := Chunk(d, ChunkOptions{})
		checkChunks(t, d, chunks, ChunkOptions{}, true)
		total += len(chunks)
		if c := chunks[0]; c.ParaStart != 1 || c.Start != 0 {
			t.Errorf("%s: first chunk %+v", d.ID, c)
		}
		// Every sentence span is a sentence of the splitter, and no chunk
		// ends inside "Jan. 8" or "Mr.".
		for _, c := range chunks {
			for _, s := range c.Sentences {
				st := c.Text[s.Start:s.End]
				if strings.HasSuffix(st, "Jan.") || strings.HasSuffix(st, "Mr.") {
					t.Errorf("%s: sentence ends at an abbreviation: %q", d.ID, st)
				}
			}
		}
	}
	t.Logf("bundled corpus: %d chunks", total)
	if total != 31 {
		t.Errorf("bundled corpus gives %d chunks, want 31", total)
	}
}

func TestChunkMergesShortParagraphs(t *testing.T) {
	doc := retrieval.Document{ID: "d", Text: "Short one.\n\nShort two.\n\n" + strings.Repeat("Long sentence here. ", 20) + "End.\n\nTail."}
	chunks := Chunk(doc, ChunkOptions{})
	checkChunks(t, doc, chunks, ChunkOptions{}, true)
	// The two short paragraphs merge, the long one takes the first two
	// (short), and the tail merges too: all within the 800-byte target.
	if len(chunks) != 1 || chunks[0].ParaStart != 1 || chunks[0].ParaEnd != 4 {
		t.Fatalf("chunks = %+v", chunks)
	}
	// Smaller sizes: the 404-byte paragraph is split into three pieces.
	opts := ChunkOptions{MinChars: 20, TargetChars: 200, MaxChars: 300}
	chunks = Chunk(doc, opts)
	checkChunks(t, doc, chunks, opts, true)
	var got []string
	for _, c := range chunks {
		got = append(got, fmt.Sprintf("%d-%d", c.ParaStart, c.ParaEnd))
	}
	if strings.Join(got, " ") != "1-2 3-3 3-3 3-3 4-4" {
		t.Errorf("paragraph ranges = %v", got)
	}
}

func TestChunkSplitsLongParagraph(t *testing.T) {
	var sents []string
	for i := range 40 {
		sents = append(sents, fmt.Sprintf("Sentence %d tells what Mr. Fallon said on Jan. %d about the U.S. and Japan.", i, i%28+1))
	}
	doc := retrieval.Document{ID: "long", Text: "Intro paragraph that is long enough to stand on its own as a chunk of the document text, more than two hundred bytes for sure, so it does not merge with the long paragraph that follows it here.\n\n" + strings.Join(sents, " ")}
	chunks := Chunk(doc, ChunkOptions{})
	checkChunks(t, doc, chunks, ChunkOptions{}, true)
	if len(chunks) < 4 {
		t.Fatalf("%d chunks", len(chunks))
	}
	for i := 2; i < len(chunks); i++ {
		prev, cur := chunks[i-1], chunks[i]
		if prev.ParaStart != 2 || cur.ParaStart != 2 || cur.ParaEnd != 2 {
			t.Fatalf("chunk %d paragraphs %d-%d", i, cur.ParaStart, cur.ParaEnd)
		}
		// One sentence of overlap: the previous piece's last sentence opens this one.
		last := prev.Sentences[len(prev.Sentences)-1]
		if prev.Start+last.Start != cur.Start {
			t.Errorf("chunk %d does not start with the last sentence of chunk %d", i, i-1)
		}
		if len(cur.Text) > DefaultTargetChars+200 {
			t.Errorf("chunk %d: %d bytes", i, len(cur.Text))
		}
	}
	for _, c := range chunks[1:] {
		for _, s := range c.Sentences {
			if st := c.Text[s.Start:s.End]; !strings.HasPrefix(st, "Sentence ") || !strings.HasSuffix(st, "Japan.") {
				t.Errorf("sentence %q", st)
			}
		}
	}
}

func TestChunkHardSplit(t *testing.T) {
	words := strings.Repeat("word ", 1000)           // one 5000-byte "sentence"
	glued := strings.Repeat("x", 3000) + " tail end" // a 3000-byte word
	runes := strings.Repeat("日本", 700)               // 4200 bytes, no space
	for _, text := range []string{words, glued, runes, "Short. " + words + "end. Next one."} {
		for _, opts := range []ChunkOptions{{}, {MaxChars: 100}, {MaxChars: 1}} {
			doc := retrieval.Document{ID: "h", Text: text}
			chunks := Chunk(doc, opts)
			checkChunks(t, doc, chunks, opts, true)
			for _, c := range chunks {
				if !utf8.ValidString(c.Text) {
					t.Fatalf("chunk cuts a character: %q", c.Text)
				}
			}
		}
	}
}

func TestChunkOptionsDefaults(t *testing.T) {
	tests := []struct{ in, want ChunkOptions }{
		{ChunkOptions{}, DefaultChunkOptions()},
		{ChunkOptions{MinChars: -1, TargetChars: -1, MaxChars: -1}, DefaultChunkOptions()},
		{ChunkOptions{MaxChars: 500}, ChunkOptions{MinChars: 100, TargetChars: 500, MaxChars: 500}},
		{ChunkOptions{MinChars: 900, TargetChars: 2000, MaxChars: 1000}, ChunkOptions{MinChars: 900, TargetChars: 1000, MaxChars: 1000}},
		{ChunkOptions{MaxChars: 3}, ChunkOptions{MinChars: minMaxChars, TargetChars: minMaxChars, MaxChars: minMaxChars}},
	}
	for _, tc := range tests {
		if got := tc.in.withDefaults(); got != tc.want {
			t.Errorf("%+v.withDefaults() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestChunkGenerated checks the invariants on random normalized texts.
func TestChunkGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"the", "Japan", "Britain", "missile", "Mr.", "Jan.", "8", "U.S.", "défense", "日本", "—", "\"quoted\"", "co-operation", "P-1", "2015."}
	docs := 80
	if raceEnabled {
		docs = 20
	}
	for n := range docs {
		var paras []string
		for range 1 + rng.IntN(12) {
			var b strings.Builder
			for range 1 + rng.IntN(60) {
				for k := range 1 + rng.IntN(25) {
					if k > 0 {
						b.WriteByte(' ')
					}
					b.WriteString(words[rng.IntN(len(words))])
				}
				b.WriteString([]string{". ", "? ", "! ", ", ", " "}[rng.IntN(5)])
			}
			paras = append(paras, b.String())
		}
		doc, err := Parse(fmt.Sprint(n), "gen.txt", []byte(strings.Join(paras, "\n\n")))
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range []ChunkOptions{{}, {MinChars: 50, TargetChars: 150, MaxChars: 300}, {MaxChars: 40}} {
			checkChunks(t, doc, Chunk(doc, opts), opts, true)
		}
	}
}

// TestChunkHuge loads a 6 MB single-paragraph file and chunks it: chunks
// stay bounded and the work stays fast. Under -race, where the sentence
// splitter runs about twenty times slower, the inputs shrink to 1 MB and
// the time is not checked; cmd/coopbot's TestIngestBinary still ingests a
// 6 MB paragraph through the uninstrumented binary.
func TestChunkHuge(t *testing.T) {
	size := 6 << 20
	if raceEnabled {
		size = 1 << 20
	}
	sentence := "Britain and Japan agreed on Jan. 8 to study a new missile with the U.S. and Mr. Fallon said so. "
	raw := []byte(strings.Repeat(sentence, size/len(sentence)+1))
	start := time.Now()
	doc, err := Parse("huge", "huge.txt", raw)
	if err != nil {
		t.Fatal(err)
	}
	chunks := Chunk(doc, ChunkOptions{})
	elapsed := time.Since(start)
	checkChunks(t, doc, chunks, ChunkOptions{}, true)
	t.Logf("%d-byte paragraph: %d chunks in %v", len(raw), len(chunks), elapsed)
	if min := len(doc.Text) / DefaultMaxChars; len(chunks) < min {
		t.Errorf("%d chunks; want at least %d", len(chunks), min)
	}
	if elapsed > 30*time.Second && !raceEnabled {
		t.Errorf("took %v", elapsed) // about 3 s on a 2-core machine
	}
	// No sentence punctuation at all: hard splits only.
	doc = retrieval.Document{ID: "words", Text: strings.Repeat("word ", size/5)}
	start = time.Now()
	chunks = Chunk(doc, ChunkOptions{})
	t.Logf("%d bytes without punctuation: %d chunks in %v", len(doc.Text), len(chunks), time.Since(start))
	checkChunks(t, doc, chunks, ChunkOptions{}, true)
}

func TestChunkEmpty(t *testing.T) {
	if c := Chunk(retrieval.Document{ID: "e", Text: " \n\n "}, ChunkOptions{}); len(c) != 0 {
		t.Errorf("chunks of blank text: %+v", c)
	}
}
