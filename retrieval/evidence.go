package retrieval

import (
	"math"
	"slices"
	"time"
)

// candidate is a hit with how well it covers the question: by its own
// text, and read under its document's title.
type candidate struct {
	hit Hit
	set termSet // the chunk's terms
	// coverage and evidence are weighted shares of the question's terms
	// the chunk covers, without and with its title ("2+2" is in a title,
	// not in the text); evidence decides abstention.
	coverage, evidence float64
	// ranking is evidence without the nearest-word credits: it orders
	// the candidates, which a loose reading of one word must not do.
	ranking float64
	// gap is the largest weighted share one term leaves uncovered (an
	// unspelt name counts whole); missing counts the uncovered terms of
	// some weight.
	gap     float64
	missing int
	// focus reports whether the chunk, read under its title, covers the
	// question's focus (Question.Focus).
	focus bool
	// firstMention marks the chunk where its document first names what
	// a "what is X" question asks about (Question.Define).
	firstMention bool
	// titled is the weighted share of the question its document's title
	// (with the date) covers alone.
	titled float64
	// weakest is the least support a question term of some weight finds
	// in the chunk or its title: its credit, or for a word the lexicon
	// knows its best similarity to the chunk's words (see creditsOf).
	weakest float64
}

// nameShare is the least weighted share of the question a proper name
// must carry for a passage that does not spell it to be out.
const nameShare = 0.15

// score computes each hit's coverage of q and the question terms'
// weights. Each (term, chunk) credit is computed once: it serves the
// weights, the coverage, the evidence and the gap.
func (m *matcher) score(q Question, hits []Hit, a Analyzer) ([]candidate, map[string]float64) {
	sets := make([]termSet, len(hits))
	lists := make([][]string, len(hits))
	m.learnHolders(a, q, hits)
	for i, h := range hits {
		at := analyze(a, h.Chunk.Text)
		sets[i], lists[i] = m.readAs(at.set, h.Chunk.DocumentID, h.Document.Date, h.Chunk.Text), at.list
	}
	cols := m.prepare(q.Terms, lists)
	first := firstMentions(hits, sets, q.Define)
	facts := m.factsOfAll(q.Terms)
	cands := make([]candidate, len(hits))
	credits := make([][]float64, len(hits))
	directs := make([][]float64, len(hits))
	supports := make([][]float64, len(hits))
	cells := make([]float64, 3*len(hits)*len(q.Terms)) // the three's rows, in one allocation
	titles := map[string]titleTerms{}
	for i, h := range hits {
		o, ok := first[h.Chunk.DocumentID]
		cands[i] = candidate{hit: h, set: sets[i], firstMention: ok && o == h.Chunk.Ordinal}
		var listCols []int
		if cols != nil {
			listCols = cols[i]
		}
		r := m.readingOf(sets[i], lists[i], listCols)
		credits[i], directs[i], supports[i] = row(&cells, len(q.Terms)), row(&cells, len(q.Terms)), row(&cells, len(q.Terms))
		for j := range q.Terms {
			d, n, sup := m.creditsOf(facts[j], r)
			credits[i][j], directs[i][j], supports[i][j] = math.Max(d, n), d, sup
		}
		splitNames(q, a, h.Chunk.Text, credits[i], directs[i])
		ts, ok := titles[h.Chunk.DocumentID]
		if !ok {
			ts = m.titleOf(q, a, h.Document)
			titles[h.Chunk.DocumentID] = ts
		}
		cands[i].focus = m.coversFocus(q, r, ts.set, ts.soft) && m.reportsSpeaker(q, a, h.Chunk)
	}
	w := weights(q.Terms, credits)
	credit := make(map[string][]float64, len(titles))
	for id, ts := range titles {
		credit[id] = ts.credit
	}
	m.discountUnknown(q, w, cands, credits, credit)
	wt := make([]float64, len(q.Terms)) // w by term index, for measure's loops
	for j, t := range q.Terms {
		wt[j] = w[t]
	}
	for i := range cands {
		m.measure(facts, wt, &cands[i], credits[i], directs[i], supports[i], credit[cands[i].hit.Chunk.DocumentID])
	}
	return cands, w
}

// row cuts the next n cells off *cells, as a row of its own.
func row(cells *[]float64, n int) []float64 {
	r := (*cells)[:n:n]
	*cells = (*cells)[n:]
	return r
}

// titleTerms is what a document's title, with its date, gives the
// question: its terms, their meaningful ones (for the focus test) and
// the credit of each question term.
type titleTerms struct {
	set    termSet
	soft   []string
	credit []float64
}

// titleOf reads d's title and date once per document: they are how the
// document is read ("the January 2016 visit").
func (m *matcher) titleOf(q Question, a Analyzer, d Document) titleTerms {
	title := d.Title + " " + spokenDate(d.Date)
	at := analyze(a, title)
	set := m.withAcronyms(at.set, title)
	soft := m.meaningful(at.list)
	tc := make([]float64, len(q.Terms))
	for j, t := range q.Terms {
		tc[j] = m.credit(t, set, soft)
	}
	return titleTerms{set: set, soft: soft, credit: tc}
}

// measure sets c's coverage, evidence, ranking, gap, title share,
// missing terms and weakest support from its credits (cr, direct: per
// question term), its supports (sup) and its title's credits (tc), the
// question's terms (facts) weighted by w (by term index).
func (m *matcher) measure(facts []termFacts, w []float64, c *candidate, cr, direct, sup, tc []float64) {
	var all float64
	for j := range facts {
		all += w[j]
	}
	var own, with, rank, worst, titled float64
	c.weakest = 1
	for j, f := range facts {
		ct := math.Max(cr[j], tc[j])
		if w[j] > weakestShare*all {
			c.weakest = math.Min(c.weakest, math.Max(sup[j], tc[j]))
		}
		own += w[j] * cr[j]
		titled += w[j] * tc[j]
		with += w[j] * ct
		rank += w[j] * math.Max(direct[j], tc[j])
		miss := w[j] * (1 - ct)
		if f.name && ct < 1 && all > 0 && w[j]/all >= nameShare {
			// A name the passage does not spell is never covered by it.
			miss = all
		}
		worst = math.Max(worst, miss)
		if ct < 0.3 && all > 0 && w[j]/all >= 0.1 {
			c.missing++
		}
	}
	if all > 0 {
		c.coverage, c.evidence, c.ranking, c.gap = own/all, with/all, rank/all, worst/all
		c.titled = titled / all
	} else {
		c.gap = 1
	}
}

// weakestShare is the least share of the question's weight a term needs
// to count for a candidate's weakest support: a filler word of little
// weight does not decide it.
const weakestShare = 0.1

// splitNames takes the credit of a name phrase's terms back from a
// passage that spells its words apart (see apart): "South" and "Korea"
// in "the South China Sea and the North Korean announcement".
func splitNames(q Question, a Analyzer, text string, credits, directs []float64) {
	if len(q.NamePhrases) == 0 {
		return
	}
	at := analyze(a, text)
	for _, p := range q.NamePhrases {
		if !apart(p, at.seq, at.set) {
			continue
		}
		for j, t := range q.Terms {
			if slices.Contains(p, t) {
				credits[j], directs[j] = 0, 0
			}
		}
	}
}

// unknownWeight is the share of its weight a question word keeps that
// neither the lexicon nor any candidate knows, and that is no name or
// number (see unknownWord).
const unknownWeight = 0.5

// unknownWord reports whether question term j is a word the lexicon does
// not know and no candidate or title covers at all, and no name or
// number: a typo
// or chat slang ("wishlist", "smthng"), which says less about the topic
// than a word the sources could have used. A question about something
// the sources do not name names it (capitalised, an acronym), and a
// near miss uses ordinary words ("cost", "successor").
func (m *matcher) unknownWord(t string, credits [][]float64, titles map[string][]float64, j int) bool {
	if m.lex == nil || m.names[t] || m.acronyms[t] || isNumber(t) || m.lex.Known(t) {
		return false
	}
	for _, c := range credits {
		if c[j] > 0 {
			return false
		}
	}
	for _, c := range titles {
		if c[j] > 0 {
			return false
		}
	}
	return true
}

// discountUnknown weighs each unknown word of q (see unknownWord) by
// unknownWeight, in a question that is on the sources' topic (onTopic).
func (m *matcher) discountUnknown(q Question, w map[string]float64, cands []candidate, credits [][]float64, titles map[string][]float64) {
	if !onTopic(q.Terms, cands) {
		return
	}
	for j, t := range q.Terms {
		if m.unknownWord(t, credits, titles, j) {
			w[t] *= unknownWeight
		}
	}
}

// onTopic reports whether some candidate spells some question term
// exactly: only then is an unknown word read as a typo in a question
// about the sources. "What is the recipe for a chocolate soufflé?" has
// none ("recipe" is only a prefix of "reciprocal"), and its unknown word
// is no typo.
func onTopic(terms []string, cands []candidate) bool {
	for _, c := range cands {
		for _, t := range terms {
			if _, ok := c.set[t]; ok {
				return true
			}
		}
	}
	return false
}

// weights gives each question term an inverse-document-frequency weight
// over the candidate chunks, a chunk counting by how well it covers the
// term: terms most candidates share (such as "japan" in this corpus)
// count little. A term no candidate covers even by meaning counts
// foreignWeight of what its rarity would give it, rising to full weight
// as candidates cover it: one word the sources never use, often a
// paraphrase or filler, lowers coverage without sinking it alone.
func weights(terms []string, credits [][]float64) map[string]float64 {
	n := float64(len(credits))
	w := make(map[string]float64, len(terms))
	for j, t := range terms {
		df := 0.0
		for _, c := range credits {
			df += c[j]
		}
		// From foreignWeight for a term no candidate covers to full weight
		// for one a whole candidate covers, smoothly.
		w[t] = math.Log(1+(n+1)/(df+0.5)) * (foreignWeight + (1-foreignWeight)*math.Min(1, df))
	}
	return w
}

// spokenDate writes a YYYY-MM-DD date as words ("8 January 2016"), or ""
// for anything else.
func spokenDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return ""
	}
	return t.Format("2 January 2006")
}
