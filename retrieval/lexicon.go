package retrieval

import (
	_ "embed"
	"math"
	"strings"
	"sync"
)

// Lexicon knows what analyzer terms mean: how alike two terms are. The
// retrieval core uses it to count a question word that a passage does not
// spell out ("drills", "fighter jets") by the closest word the passage
// does use ("exercise", "combat jets").
type Lexicon interface {
	// Similarity returns the cosine similarity of two terms' meanings in
	// [-1, 1]: 1 for equal terms, 0 when either is unknown.
	Similarity(a, b string) float64
	// Known reports whether the lexicon has a meaning for term.
	Known(term string) bool
}

// Soft-match calibration: a similarity below softFloor earns nothing, one
// at softFull or above counts as a match, and in between it earns a
// share (see docs/embedding.md for how they were chosen).
const (
	softFloor     = 0.50
	softFull      = 0.80
	foreignWeight = 0.6
)

// matcher decides how well a passage's terms cover a question's terms:
// by spelling (termSet.has), by a known alias ("RAF" for "Royal Air
// Force"), or by meaning through the Lexicon.
type matcher struct {
	lex     Lexicon // nil = spelling and aliases only
	aliases map[string][][]string
	names   map[string]bool // terms that match by spelling only
	memo    map[[2]string]float64
}

func newMatcher(a Analyzer, lex Lexicon, names map[string]bool) *matcher {
	return &matcher{lex: lex, aliases: aliasesFor(a), names: names, memo: map[[2]string]float64{}}
}

// credit returns how well set covers term t, from 0 (not at all) to 1.
func (m *matcher) credit(t string, set termSet) float64 {
	if set.has(t) {
		return 1
	}
	for _, alt := range m.aliases[t] {
		all := true
		for _, u := range alt {
			if _, ok := set[u]; !ok {
				all = false
				break
			}
		}
		if all {
			return 1
		}
	}
	if m == nil || m.lex == nil || m.names[t] || isNumber(t) || !m.lex.Known(t) {
		return 0
	}
	best := 0.0
	for u := range set {
		if s := m.similarity(t, u); s > best {
			best = s
		}
	}
	switch {
	case best >= softFull:
		return 1
	case best <= softFloor:
		return 0
	}
	return (best - softFloor) / (softFull - softFloor)
}

func (m *matcher) similarity(t, u string) float64 {
	k := [2]string{t, u}
	if s, ok := m.memo[k]; ok {
		return s
	}
	s := m.lex.Similarity(t, u)
	m.memo[k] = s
	return s
}

// gap returns the largest weighted share of terms that one term leaves
// uncovered by set: a question about a cost, a successor or an ambassador
// that a passage matches in every other word leaves that one word out.
func (m *matcher) gap(terms []string, w map[string]float64, set termSet) (gap float64, missing int) {
	var all, worst float64
	for _, t := range terms {
		all += w[t]
	}
	if all == 0 {
		return 1, len(terms)
	}
	for _, t := range terms {
		c := m.credit(t, set)
		miss := w[t] * (1 - c)
		if m.names[t] && c < 1 && w[t]/all >= nameShare {
			// A name the passage does not spell is never covered by it.
			miss = all
		}
		if miss > worst {
			worst = miss
		}
		if c < 0.3 && w[t]/all >= 0.1 {
			missing++
		}
	}
	return worst / all, missing
}

// nameShare is the least weighted share of the question a proper name
// must carry for a passage that does not spell it to be out.
const nameShare = 0.15

// termWeights gives each question term an inverse-document-frequency
// weight over the candidate passages, a passage counting by how well it
// covers the term (see credit): terms most candidates share (such as
// "japan" in this corpus) count little. A term that no candidate covers
// even by meaning counts foreignWeight of the most: one word the sources
// never use, often a paraphrase or filler, lowers coverage without
// sinking it alone.
func (m *matcher) termWeights(terms []string, sets []termSet) map[string]float64 {
	n := float64(len(sets))
	w := make(map[string]float64, len(terms))
	for _, t := range terms {
		df := 0.0
		for _, s := range sets {
			df += m.credit(t, s)
		}
		w[t] = math.Log(1 + (n+1)/(df+0.5))
		if df == 0 {
			w[t] *= foreignWeight
		}
	}
	return w
}

// softCoverage is the weighted share of terms that set covers, each term
// counting by its credit.
func (m *matcher) softCoverage(terms []string, w map[string]float64, set termSet) float64 {
	var have, all float64
	for _, t := range terms {
		all += w[t]
		have += w[t] * m.credit(t, set)
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// synonymsTxt holds the alias groups: spellings of one thing that the
// sources and the people asking use interchangeably.
//
//go:embed synonyms.txt
var synonymsTxt string

// aliasGroups parses synonymsTxt.
func aliasGroups() [][]string {
	var out [][]string
	for _, line := range strings.Split(synonymsTxt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var g []string
		for _, m := range strings.Split(line, "|") {
			if m = strings.TrimSpace(m); m != "" {
				g = append(g, m)
			}
		}
		out = append(out, g)
	}
	return out
}

var aliasCache sync.Map // Analyzer → map[string][][]string

// aliasesFor maps each single-term member of an alias group, analyzed by
// a, to the term lists of the group's other members.
func aliasesFor(a Analyzer) map[string][][]string {
	if m, ok := aliasCache.Load(a); ok {
		return m.(map[string][][]string)
	}
	m := map[string][][]string{}
	for _, g := range aliasGroups() {
		var members [][]string
		for _, p := range g {
			if ts := a.Terms(strings.ReplaceAll(p, "-", " ")); len(ts) > 0 {
				members = append(members, ts)
			}
			if ts := a.Terms(p); len(ts) == 1 {
				members = append(members, ts)
			}
		}
		for i, mi := range members {
			if len(mi) != 1 {
				continue
			}
			for j, mj := range members {
				if j != i && !(len(mj) == 1 && mj[0] == mi[0]) {
					m[mi[0]] = append(m[mi[0]], mj)
				}
			}
		}
	}
	aliasCache.Store(a, m)
	return m
}
