// Package llm turns a language model's reply into a verified, cited
// retrieval.Answer. It holds the model-independent logic of generated
// answers: the Chat contract a model adapter implements (see
// llm/openai), the Answerer and Rewriter built on it, the citation-marker
// parser and verifier, abstention detection and the prompt budget. It
// imports only the standard library and coopbot's own domain and prompts
// packages.
package llm

import (
	"slices"
	"strconv"
	"strings"
)

// maxRef bounds the numbers a marker may hold and maxRange the length of
// a range such as [1-3]; anything larger is not a citation marker.
const (
	maxRef   = 9999
	maxRange = 50
)

// Marker is one bracketed citation marker in a reply: [1], [1, 2], [1;2],
// [1-3], [Source 2] or [sources 1 and 3]. Adjacent markers such as [1][2]
// are separate Markers.
type Marker struct {
	Start, End int   // byte offsets of the marker in the text, End exclusive
	Refs       []int // the numbers it cites, as written (ranges expanded)
}

// ParseMarkers returns the citation markers in text, in order. Bracketed
// text that is not a list of numbers (e.g. "[sic]", "[the ministers]") is
// not a marker.
func ParseMarkers(text string) []Marker {
	var out []Marker
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '[')
		if j < 0 {
			break
		}
		start := i + j
		if refs, end, ok := parseMarker(text, start); ok {
			out = append(out, Marker{Start: start, End: end, Refs: refs})
			i = end
			continue
		}
		i = start + 1
	}
	return out
}

// parseMarker parses the marker opening at text[start] == '['.
func parseMarker(text string, start int) (refs []int, end int, ok bool) {
	p := start + 1
	p = skipSpace(text, p)
	// Optional "source"/"sources"/"src" word.
	for _, w := range []string{"sources", "source", "src"} {
		if len(text)-p >= len(w) && strings.EqualFold(text[p:p+len(w)], w) {
			p += len(w)
			p = skipSpace(text, p)
			if p < len(text) && (text[p] == '#' || text[p] == ':') {
				p = skipSpace(text, p+1)
			}
			break
		}
	}
	for {
		n, q, ok := number(text, p)
		if !ok {
			return nil, 0, false
		}
		p = skipSpace(text, q)
		// A range: 1-3 or 1–3 (en dash).
		if dash := dashLen(text, p); dash > 0 {
			m, q2, ok := number(text, skipSpace(text, p+dash))
			if !ok || m < n || m-n >= maxRange {
				return nil, 0, false
			}
			for k := n; k <= m; k++ {
				refs = append(refs, k)
			}
			p = skipSpace(text, q2)
		} else {
			refs = append(refs, n)
		}
		if p >= len(text) {
			return nil, 0, false
		}
		switch {
		case text[p] == ']':
			return refs, p + 1, true
		case text[p] == ',' || text[p] == ';':
			p = skipSpace(text, p+1)
		case strings.HasPrefix(text[p:], "and "):
			p = skipSpace(text, p+4)
		default:
			return nil, 0, false
		}
		// "[1, and 2]"
		if strings.HasPrefix(text[p:], "and ") {
			p = skipSpace(text, p+4)
		}
	}
}

// number parses 1 to 4 ASCII digits at text[p].
func number(text string, p int) (n, end int, ok bool) {
	q := p
	for q < len(text) && q-p <= 4 && text[q] >= '0' && text[q] <= '9' {
		q++
	}
	if q == p || q-p > 4 {
		return 0, 0, false
	}
	n, err := strconv.Atoi(text[p:q])
	if err != nil || n > maxRef {
		return 0, 0, false
	}
	return n, q, true
}

func dashLen(text string, p int) int {
	switch {
	case strings.HasPrefix(text[p:], "-"):
		return 1
	case strings.HasPrefix(text[p:], "–"), strings.HasPrefix(text[p:], "—"):
		return len("–")
	}
	return 0
}

func skipSpace(text string, p int) int {
	for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
		p++
	}
	return p
}

// Verified is a reply whose citation markers have been checked against
// the sources that were sent.
type Verified struct {
	// Text is the reply with every marker rewritten as [k] markers,
	// numbered 1..m in order of first use; markers that cited no valid
	// source are removed.
	Text string
	// Cited lists the original 1-based source numbers in their new order:
	// Cited[k-1] is the source now cited as [k].
	Cited []int
	// Dropped lists the numbers cited that pointed to no source, in order
	// of appearance (duplicates removed).
	Dropped []int
}

// Verify checks the citation markers of reply against n sources numbered
// 1..n. Numbers outside 1..n are dropped (with the marker when nothing
// valid is left in it), valid ones are renumbered 1..m in order of first
// use, duplicates within a marker or a run of adjacent markers are
// collapsed, and each marker is rewritten as one [k] per source, e.g.
// "[3, 1]" → "[1][2]".
//
// Removing a marker can join the text around it into a new marker
// ("[0[9]]" → "[0]"), so Verify repeats until the text is stable; the
// result's markers then cite exactly 1..len(Cited).
func Verify(reply string, n int) Verified {
	v := verifyOnce(reply, n)
	for {
		w := verifyOnce(v.Text, len(v.Cited))
		if w.Text == v.Text {
			return v
		}
		cited := make([]int, len(w.Cited))
		for i, c := range w.Cited {
			cited[i] = v.Cited[c-1]
		}
		v.Text, v.Cited = w.Text, cited
		for _, d := range w.Dropped {
			if !slices.Contains(v.Dropped, d) {
				v.Dropped = append(v.Dropped, d)
			}
		}
	}
}

// verifyOnce is one pass of Verify.
func verifyOnce(reply string, n int) Verified {
	var v Verified
	renum := map[int]int{}
	dropped := map[int]bool{}
	var b strings.Builder
	b.Grow(len(reply))
	last := 0
	run := map[int]bool{} // numbers already written in the current run of adjacent markers
	for _, m := range ParseMarkers(reply) {
		between := reply[last:m.Start]
		if between != "" {
			run = map[int]bool{}
		}
		b.WriteString(between)
		last = m.End
		var out []int
		for _, r := range m.Refs {
			if r < 1 || r > n {
				if !dropped[r] {
					dropped[r] = true
					v.Dropped = append(v.Dropped, r)
				}
				continue
			}
			k, ok := renum[r]
			if !ok {
				k = len(v.Cited) + 1
				renum[r] = k
				v.Cited = append(v.Cited, r)
			}
			if !run[k] {
				run[k] = true
				out = append(out, k)
			}
		}
		if len(out) == 0 {
			// Remove the marker and the space before it when what follows
			// is punctuation, space or the end: "claim [9]." → "claim.".
			if next := reply[m.End:]; next == "" || strings.ContainsAny(next[:1], " \t\n.,;:!?)") {
				trimTrailingSpace(&b)
			}
			continue
		}
		for _, k := range out {
			b.WriteString("[")
			b.WriteString(strconv.Itoa(k))
			b.WriteString("]")
		}
	}
	b.WriteString(reply[last:])
	v.Text = strings.TrimSpace(b.String())
	return v
}

// trimTrailingSpace removes spaces and tabs at the end of b.
func trimTrailingSpace(b *strings.Builder) {
	s := b.String()
	t := strings.TrimRight(s, " \t")
	if len(t) != len(s) {
		b.Reset()
		b.WriteString(t)
	}
}
