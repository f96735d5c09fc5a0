package pdf

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// run is a piece of text on one line in one font, as PDFium reports it,
// with its box in points (y grows up the page).
type run struct {
	text                     string
	left, right, top, bottom float64
}

// page is the text runs of one page and its size in points.
type page struct {
	width, height float64
	runs          []run
}

// line is runs side by side, in one column (-1: across the columns).
type line struct {
	runs        []run
	top, bottom float64
	col         int
}

// Layout constants, as shares of the page or of a line's height.
const (
	marginShare  = 0.08 // top and bottom bands where running headers and footers live
	spanShare    = 0.6  // a run wider than this share of the page spans the columns
	minGutter    = 6.0  // points of empty width between two columns
	paraGapShare = 0.8  // a gap between lines over this share of the taller one's height starts a paragraph (glyph boxes are tight: "year." is shorter than "Typhoon")
	wordGapShare = 0.2  // a gap between runs over this share of their height is a space
)

// softHyphen is how PDFium marks a hyphen that the layout added at the
// end of a line.
const softHyphen = "\x02"

// pageNumber matches a margin line that is only a page number, with
// digits replaced by '#': "#", "Page # of #", "- # -", "#/#".
var pageNumber = regexp.MustCompile(`^[-–—\s]*(page\s+|p\.\s*)?#+(\s*(of|/)\s*#+)?[-–—\s]*$`)

// layout returns each page's text in reading order: running headers and
// footers (a line in the page's top or bottom band that recurs on
// another page, digits aside) and page numbers dropped, columns read one
// after the other, paragraphs separated by a blank line and hyphenated
// line ends joined.
func layout(pages []page) []string {
	seen := map[string]int{} // margin line key → pages it is on
	for _, p := range pages {
		keys := map[string]bool{}
		for _, r := range p.runs {
			if inMargin(p, r) {
				keys[marginKey(r.text)] = true
			}
		}
		for k := range keys {
			seen[k]++
		}
	}
	out := make([]string, len(pages))
	for i, p := range pages {
		var body []run
		for _, r := range p.runs {
			if strings.TrimSpace(r.text) == "" {
				continue
			}
			if k := marginKey(r.text); inMargin(p, r) && (seen[k] > 1 || pageNumber.MatchString(k)) {
				continue
			}
			body = append(body, r)
		}
		out[i] = pageText(p.width, body)
	}
	return out
}

func inMargin(p page, r run) bool {
	band := p.height * marginShare
	return r.bottom >= p.height-band || r.top <= band
}

// marginKey is a margin line as compared across pages: lower case, digits
// as '#', spaces collapsed.
func marginKey(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return '#'
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// pageText puts a page's body runs in reading order: lines that span the
// columns in place, and between them the left column's lines, then the
// right column's.
func pageText(width float64, runs []run) string {
	gutter := findGutter(width, runs)
	lines := groupLines(runs, gutter)
	var blocks [][]line
	var cols [2][]line
	flush := func() {
		for c := range cols {
			if len(cols[c]) > 0 {
				blocks = append(blocks, cols[c])
				cols[c] = nil
			}
		}
	}
	for _, l := range lines {
		if l.col < 0 {
			flush()
			if n := len(blocks); n > 0 && blocks[n-1][0].col < 0 {
				blocks[n-1] = append(blocks[n-1], l)
			} else {
				blocks = append(blocks, []line{l})
			}
			continue
		}
		cols[l.col] = append(cols[l.col], l)
	}
	flush()
	var b strings.Builder
	for _, blk := range blocks {
		for i, l := range blk {
			t := lineText(l)
			switch {
			case b.Len() == 0:
			case i > 0 && blk[i-1].bottom-l.top > paraGapShare*max(height(blk[i-1]), height(l)):
				b.WriteString("\n\n")
			case i == 0 && !continues(b.String(), t):
				b.WriteString("\n\n") // a new column or band
			default:
				joinLine(&b, t)
				continue
			}
			b.WriteString(t)
		}
	}
	return strings.ReplaceAll(b.String(), softHyphen, "")
}

func height(l line) float64 { return l.top - l.bottom }

// joinLine appends line t to the paragraph in b: after a hyphen at the
// end of the last line, when t goes on in lower case, the word is joined
// without the hyphen; otherwise on a new line.
func joinLine(b *strings.Builder, t string) {
	s := b.String()
	first, _ := utf8.DecodeRuneInString(t)
	if unicode.IsLower(first) {
		for _, h := range []string{softHyphen, "-"} {
			if rest, ok := strings.CutSuffix(s, h); ok && endsInLetter(rest) {
				b.Reset()
				b.WriteString(rest + t)
				return
			}
		}
	}
	b.WriteString("\n" + t)
}

func endsInLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r)
}

// continues reports whether t goes on with the paragraph s ends with:
// s ends without closing punctuation and t starts in lower case.
func continues(s, t string) bool {
	last, _ := utf8.DecodeLastRuneInString(strings.TrimSuffix(s, softHyphen))
	first, _ := utf8.DecodeRuneInString(t)
	return !strings.ContainsRune(".!?:;\"”’)]", last) && unicode.IsLower(first)
}

// findGutter returns the x of the gap between two columns of text, or -1
// for a single column: the widest stretch in the middle half of the page
// that no run narrower than spanShare of the page crosses, with text on
// both sides.
func findGutter(width float64, runs []run) float64 {
	if width <= 0 || width > 1e5 {
		return -1
	}
	covered := make([]bool, int(width)+1)
	for _, r := range runs {
		if r.right-r.left > spanShare*width {
			continue
		}
		for x := max(0, int(r.left)); x <= min(len(covered)-1, int(r.right)); x++ {
			covered[x] = true
		}
	}
	best, bestLen := -1.0, 0
	for x := int(width / 4); x < int(width*3/4); {
		if covered[x] {
			x++
			continue
		}
		end := x
		for end < len(covered) && !covered[end] {
			end++
		}
		if end-x > bestLen && float64(end-x) >= minGutter {
			best, bestLen = float64(x+end)/2, end-x
		}
		x = end
	}
	if best < 0 {
		return -1
	}
	left, right := 0, 0
	for _, r := range runs {
		switch {
		case r.right <= best:
			left++
		case r.left >= best:
			right++
		}
	}
	if left < 2 || right < 2 {
		return -1
	}
	return best
}

// groupLines puts runs into lines, top to bottom: a run joins a line of
// its column that its vertical middle lies within.
func groupLines(runs []run, gutter float64) []line {
	sorted := append([]run(nil), runs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].top > sorted[j].top })
	var lines []line
	for _, r := range sorted {
		col := 0
		if gutter >= 0 {
			switch {
			case r.right <= gutter:
				col = 0
			case r.left >= gutter:
				col = 1
			default:
				col = -1
			}
		}
		mid := (r.top + r.bottom) / 2
		placed := false
		for i := len(lines) - 1; i >= 0 && !placed; i-- {
			l := &lines[i]
			if l.col == col && mid <= l.top && mid >= l.bottom {
				l.runs = append(l.runs, r)
				l.top, l.bottom = max(l.top, r.top), min(l.bottom, r.bottom)
				placed = true
			}
		}
		if !placed {
			lines = append(lines, line{runs: []run{r}, top: r.top, bottom: r.bottom, col: col})
		}
	}
	return lines
}

// lineText joins a line's runs left to right, with a space where they
// stand apart.
func lineText(l line) string {
	runs := l.runs
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].left < runs[j].left })
	var b strings.Builder
	for i, r := range runs {
		t := strings.Map(func(c rune) rune {
			if c == '\r' || c == '\n' || c == '\t' {
				return ' '
			}
			return c
		}, r.text)
		if i > 0 && r.left-runs[i-1].right > wordGapShare*(r.top-r.bottom) &&
			!strings.HasSuffix(b.String(), " ") && !strings.HasPrefix(t, " ") {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return strings.TrimSpace(b.String())
}
