package retrieval

import (
	"math"
	"strings"
)

// termSet is the set of analyzer terms of a text.
type termSet map[string]struct{}

func newTermSet(terms []string) termSet {
	s := make(termSet, len(terms))
	for _, t := range terms {
		s[t] = struct{}{}
	}
	return s
}

// has reports whether the set holds t, or, for words of five letters or
// more, a term one edit away ("micheal"/"michael", "falon"/"fallon") or
// one that starts with the other ("cyber"/"cybersecur", "japan"/"japanes").
func (s termSet) has(t string) bool {
	if _, ok := s[t]; ok {
		return true
	}
	if len(t) < 5 || isNumber(t) {
		return false
	}
	for u := range s {
		if len(u) < 4 || u[0] != t[0] {
			continue
		}
		if absInt(len(u)-len(t)) <= 1 && withinOneEdit(t, u) {
			return true
		}
		if len(u) >= 5 && (strings.HasPrefix(u, t) || strings.HasPrefix(t, u)) {
			return true
		}
	}
	return false
}

func uniqueTerms(terms []string) []string {
	seen := make(map[string]bool, len(terms))
	out := terms[:0:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// termWeights gives each query term an inverse-document-frequency weight
// computed over the candidate chunks: terms most candidates share (such as
// "japan" in this corpus) count little; terms none of them contains count
// most, so a question about something the sources never mention has low
// coverage however many common words it shares with them.
func termWeights(terms []string, sets []termSet) map[string]float64 {
	n := float64(len(sets))
	w := make(map[string]float64, len(terms))
	for _, t := range terms {
		df := 0.0
		for _, s := range sets {
			if s.has(t) {
				df++
			}
		}
		w[t] = math.Log(1 + (n+1)/(df+0.5))
	}
	return w
}

// coverage is the weighted share of terms that set contains.
func coverage(terms []string, w map[string]float64, set termSet) float64 {
	var have, all float64
	for _, t := range terms {
		all += w[t]
		if set.has(t) {
			have += w[t]
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// snippet builds a Snippet from a hit, marking the sentence with the
// highest weighted coverage of the query terms (the first on ties).
func snippet(h Hit, terms []string, w map[string]float64, set termSet, a Analyzer) Snippet {
	c := h.Chunk
	sn := Snippet{
		DocumentID: c.DocumentID,
		Title:      h.Document.Title,
		Date:       h.Document.Date,
		Outlet:     h.Document.Outlet,
		Author:     h.Document.Author,
		Paragraph:  c.ParaStart,
		ParaEnd:    c.ParaEnd,
		Ordinal:    c.Ordinal,
		Start:      c.Start,
		End:        c.End,
		Text:       c.Text,
		Score:      h.Score,
		Cosine:     h.Cosine,
		Coverage:   coverage(terms, w, set),
	}
	best, bestScore := Span{0, len(c.Text)}, -1.0
	for _, sp := range c.Sentences {
		if sp.Start < 0 || sp.End > len(c.Text) || sp.Start >= sp.End {
			continue
		}
		score := coverage(terms, w, newTermSet(a.Terms(c.Text[sp.Start:sp.End])))
		if score > bestScore {
			best, bestScore = sp, score
		}
	}
	sn.Highlight = strings.TrimSpace(c.Text[best.Start:best.End])
	return sn
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or transposition of adjacent bytes.
func withinOneEdit(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	switch {
	case len(a) == len(b):
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // transposition
	case len(b)-len(a) == 1:
		return a[i:] == b[i+1:] // insertion
	}
	return false
}

// AbstainRule decides when the evidence for a question is too weak.
type AbstainRule struct {
	// MinCoverage is the weighted share of the question's terms that at
	// least one of the top Top snippets must contain.
	MinCoverage float64
	Top         int
}

// DefaultAbstain was calibrated on the golden set in eval/golden.jsonl.
var DefaultAbstain = AbstainRule{MinCoverage: 0.38, Top: 3}

// Weak reports whether snippets are too weak evidence for a question with
// the given terms: no content terms, no snippets, or no top snippet whose
// Evidence (weighted term coverage, title included) reaches MinCoverage.
func (r AbstainRule) Weak(terms []string, snips []Snippet) bool {
	if len(terms) == 0 || len(snips) == 0 {
		return true
	}
	top := r.Top
	if top <= 0 || top > len(snips) {
		top = len(snips)
	}
	best := 0.0
	for _, s := range snips[:top] {
		best = math.Max(best, s.Evidence)
	}
	return best < r.MinCoverage
}
