package retrieval

import (
	"math"
	"slices"
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
	// Best returns the highest Similarity between t and any of us, and
	// the index in us of that term (-1 when none is known).
	Best(t string, us []string) (float64, int)
	// Similarities sets out[i][j] to Similarity(ts[i], us[j]); out has
	// a row as long as us for each of ts.
	Similarities(ts, us []string, out [][]float64)
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
	// own holds the question's terms: a passage term that is one of
	// them lends no meaning to another ("minister" does not stand in
	// for "prime" in "prime minister", nor "executive" for "chief").
	own map[string]bool
	// strict holds terms that earn no nearest-word credit (the roles a
	// "who" question asks about).
	strict map[string]bool
	// sims holds each question term's similarity to the candidates'
	// meaningful terms, a row in column order (see prepare); column
	// gives a term's column.
	sims   map[string][]float64
	column map[string]int
	// near maps a question term to the candidates' terms closest to it
	// in meaning (see prepare).
	near map[string][]string
	// acronyms are the question's terms written as acronyms: a passage
	// that spells one out covers it (see spellsOut).
	acronyms map[string]bool
	// holders are each document's titled people whose title or name
	// shares a term with the question (see learnHolders).
	holders map[string][]holder
	// surnames are the surnames of every titled person the candidates
	// name (see learnHolders).
	surnames map[string]bool
	// years are the question's years, which a relative date of a report
	// of that year or the next covers (see withYears).
	years []string
	// calendar holds the terms of weekdays and months, which match only
	// by spelling (see calendarTermsFor).
	calendar map[string]bool
	// places holds the terms of countries, peoples and capitals
	// (placeNames), which match only one another by spelling.
	places map[string]bool
	// spelled holds the question's terms that some candidate spells
	// (or names by an alias); see prepare.
	spelled map[string]bool
}

// withAcronyms returns set with the question's acronyms that text spells
// out ("beyond a visual range" for "BVR"); set itself is not changed.
func (m *matcher) withAcronyms(set termSet, text string) termSet {
	var add []string
	for t := range m.acronyms {
		if _, ok := set[t]; !ok && spellsOut(t, text) {
			add = append(add, t)
		}
	}
	return set.with(add)
}

// with returns set with the terms ts added: set itself when it has them
// all, else a copy, so a shared analyzed set is never changed.
func (s termSet) with(ts []string) termSet {
	out, copied := s, false
	for _, t := range ts {
		if _, ok := out[t]; ok {
			continue
		}
		if !copied {
			out, copied = make(termSet, len(s)+len(ts)), true
			for u := range s {
				out[u] = struct{}{}
			}
		}
		out[t] = struct{}{}
	}
	return out
}

func newMatcher(a Analyzer, lex Lexicon, q Question) *matcher {
	own := make(map[string]bool, len(q.Terms))
	for _, t := range q.Terms {
		own[t] = true
	}
	m := &matcher{lex: lex, aliases: withPhrases(aliasesFor(a), phraseAliases(a, q.Terms)), names: q.Names, own: own, acronyms: q.Acronyms, calendar: calendarTermsFor(a), places: placeTermsFor(a), years: questionYears(q)}
	if q.Intent == IntentWho {
		// "Who is the ambassador?" asks for the holder of that role: a
		// passage about ministers does not answer it.
		m.strict = roleTermsFor(a)
	}
	return m
}

var roleCache, calendarCache, placeCache, cityCache sync.Map // Analyzer → map[string]bool

// cityTermsFor returns the analyzer terms of cityNames.
func cityTermsFor(a Analyzer) map[string]bool {
	return perAnalyzer(&cityCache, a, func() map[string]bool { return termsOf(a, cityNames, nil) })
}

// placeTermsFor returns the analyzer terms of placeNames.
func placeTermsFor(a Analyzer) map[string]bool {
	return perAnalyzer(&placeCache, a, func() map[string]bool { return termsOf(a, placeNames, nil) })
}

// roleTermsFor returns the analyzer terms of roleWords.
func roleTermsFor(a Analyzer) map[string]bool {
	return perAnalyzer(&roleCache, a, func() map[string]bool { return termsOf(a, roleWords, nil) })
}

// calendarTermsFor returns the analyzer terms of the days of the week
// and the months: like numbers they match only by spelling. "Friday" is
// near "Wednesday" in meaning (GloVe 0.9), but a passage about a meeting
// on Wednesday says nothing of Friday's weather.
func calendarTermsFor(a Analyzer) map[string]bool {
	return perAnalyzer(&calendarCache, a, func() map[string]bool {
		// "may", "jan." and the like are other words too
		long := func(w string) bool { return len(w) > 4 }
		return termsOf(a, months, long, dateWords)
	})
}

// termsOf returns the analyzer terms of the words of sets that keep
// accepts (every word when keep is nil) and of the words of more.
func termsOf(a Analyzer, set map[string]bool, keep func(string) bool, more ...map[string]bool) map[string]bool {
	m := map[string]bool{}
	add := func(w string) {
		for _, t := range a.Terms(w) {
			m[t] = true
		}
	}
	for w := range set {
		if keep == nil || keep(w) {
			add(w)
		}
	}
	for _, s := range more {
		for w := range s {
			add(w)
		}
	}
	return m
}

// perAnalyzer returns what build makes from a, built once per analyzer
// and kept in cache: word lists analyzed ahead of the questions.
func perAnalyzer[T any](cache *sync.Map, a Analyzer, build func() T) T {
	if v, ok := cache.Load(a); ok {
		return v.(T)
	}
	v := build()
	cache.Store(a, v)
	return v
}

// meaningful returns the terms of list that may lend their meaning to a
// question term: those that are not question terms themselves. A list
// holding none (most sentences) is returned itself, clipped so that an
// append copies it; the result is not to be changed.
func (m *matcher) meaningful(list []string) []string {
	for k, u := range list {
		if !m.own[u] {
			continue
		}
		out := append(make([]string, 0, len(list)-1), list[:k]...)
		for _, u := range list[k+1:] {
			if !m.own[u] {
				out = append(out, u)
			}
		}
		return out
	}
	return slices.Clip(list)
}

// credit returns how well set covers term t, from 0 (not at all) to 1;
// soft holds set's terms that may match by meaning (see meaningful).
func (m *matcher) credit(t string, set termSet, soft []string) float64 {
	direct, near := m.credits(t, set, soft)
	return math.Max(direct, near)
}

// credits returns credit's two parts: by spelling, alias and meaning
// (direct), and by being one of t's nearest candidate words (near).
func (m *matcher) credits(t string, set termSet, soft []string) (direct, near float64) {
	direct, near, _ = m.creditsOf(m.factsOf(t), reading{set: set, soft: soft})
	return direct, near
}

// termFacts is what credits reads about a question term t whatever the
// passage: looked up once for all the passages t is read in, not for
// each. They hold once prepare has run.
type termFacts struct {
	t       string
	place   bool       // a place term (m.places)
	name    bool       // a name (m.names), matched by spelling only
	aliases [][]string // m.aliases[t]
	// meant reports that t may match by meaning: the lexicon knows it,
	// and it is no name, number, count or day.
	meant   bool
	sims    []float64 // m.sims[t], when hasSims
	hasSims bool
	near    []string // m.near[t]
}

// factsOf returns t's termFacts.
func (m *matcher) factsOf(t string) termFacts {
	f := termFacts{t: t, place: m.places[t], name: m.names[t], aliases: m.aliases[t], near: m.near[t]}
	f.meant = m.lex != nil && !f.name && !isNumber(t) && !countWords[t] && !m.calendar[t] && m.lex.Known(t)
	f.sims, f.hasSims = m.sims[t]
	return f
}

// factsOfAll returns the termFacts of each of ts.
func (m *matcher) factsOfAll(ts []string) []termFacts {
	out := make([]termFacts, len(ts))
	for j, t := range ts {
		out[j] = m.factsOf(t)
	}
	return out
}

// reading is a passage's terms as credits reads them: its set, every
// term of it listed (all, nil = scan the set; see termSet.hasListed), its
// meaningful terms (soft) and their columns in prepare's similarity rows
// (cols, -1 for a term without one; nil = look each up). A passage read
// for every question term is worth listing and looking up once.
type reading struct {
	set  termSet
	all  []string
	soft []string
	cols []int
}

// readingOf returns the reading of a passage whose terms are set, built
// from its distinct terms list; listCols, when not nil, holds each of
// list's columns as prepare gave them (-1 for a question term), which
// saves looking them up.
func (m *matcher) readingOf(set termSet, list []string, listCols []int) reading {
	r := reading{set: set, all: listed(set, list)}
	if listCols != nil {
		r.soft, r.cols = meaningfulAt(list, listCols)
		return r
	}
	r.soft = m.meaningful(list)
	if m.column != nil {
		r.cols = make([]int, len(r.soft))
		for k, u := range r.soft {
			j, ok := m.column[u]
			if !ok || j < 0 {
				j = -1
			}
			r.cols[k] = j
		}
	}
	return r
}

// meaningfulAt is meaningful for a list whose columns are cols: a
// question term's column is -1. A list holding none is returned itself.
func meaningfulAt(list []string, cols []int) (soft []string, softCols []int) {
	k := slices.Index(cols, -1)
	if k < 0 {
		return slices.Clip(list), slices.Clip(cols)
	}
	soft, softCols = make([]string, k, len(list)-1), make([]int, k, len(list)-1)
	copy(soft, list[:k])
	copy(softCols, cols[:k])
	for i := k + 1; i < len(list); i++ {
		if cols[i] >= 0 {
			soft, softCols = append(soft, list[i]), append(softCols, cols[i])
		}
	}
	return soft, softCols
}

// creditsOf returns credits' two parts for t in r, and t's support
// there: the credit, or for a word the lexicon knows and no name, its
// best similarity to the passage's meaningful words when that is more.
// Support reads every word of the passage in meaning, where the credits
// count only close ones: near misses ask about something no word of the
// passage is even near ("Which university …"). Computed together, they
// look up t's similarities once.
func (m *matcher) creditsOf(f termFacts, r reading) (direct, near, support float64) {
	t, set := f.t, r.set
	if f.place {
		// A country, people or capital matches only another form of a
		// place: "philippines" starts with "philip", which is Hammond.
		if set.hasPlace(t, m.places, r.all) {
			return 1, 0, 1
		}
	} else if set.hasListed(t, r.all) || f.name && set.hasName(t, r.all) {
		return 1, 0, 1
	}
	for _, alt := range f.aliases {
		all := true
		for _, u := range alt {
			if _, ok := set[u]; !ok {
				all = false
				break
			}
		}
		if all {
			return 1, 0, 1
		}
	}
	if !f.meant {
		return 0, 0, 0
	}
	best := m.bestSimilarity(f, r.soft, r.cols)
	switch {
	case best >= softFull:
		return 1, 0, 1
	case best > softFloor:
		direct = (best - softFloor) / (softFull - softFloor)
	}
	// The candidates' own nearest words to t stand in for it even below
	// softFloor: a question word the sources never use is read as the
	// closest thing they do say.
	for _, u := range f.near {
		if _, ok := set[u]; ok {
			near = nearCredit
		}
	}
	return direct, near, math.Max(math.Max(direct, near), best)
}

// countWords are the analyzer terms of number words and ordinals. Like
// digits they match only by spelling: "second" is near "first" in
// meaning (GloVe 0.9) but "the second stage" is not "a first phase", nor
// "three" "two". "One" is not among them: it is also a pronoun, and
// "phase one" is "the first phase".
var countWords = map[string]bool{
	"two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "eleven": true, "twelv": true, "twelve": true,
	"hundr": true, "hundred": true, "thousand": true, "million": true, "billion": true,
	"first": true, "second": true, "third": true, "fourth": true, "fifth": true,
}

// prepare finds, for each question term the candidates do not spell, its
// nearestN closest terms among the candidates' terms (lists, each
// passage's distinct terms) with a similarity of at least nearFloor. It
// returns each list's columns (see vocabulary), or nil without a
// lexicon.
func (m *matcher) prepare(terms []string, lists [][]string) [][]int {
	if m.lex == nil {
		return nil
	}
	m.near = map[string][]string{}
	m.sims = map[string][]float64{}
	m.spelled = map[string]bool{}
	soft, vocab, cols := m.vocabulary(lists)
	var ts []string
	for _, t := range terms {
		if !m.names[t] && !isNumber(t) && !m.calendar[t] && m.lex.Known(t) {
			ts = append(ts, t)
		}
	}
	rows := make([][]float64, len(ts))
	cells := make([]float64, len(ts)*len(soft))
	for i := range rows {
		rows[i] = cells[i*len(soft) : (i+1)*len(soft) : (i+1)*len(soft)]
	}
	m.lex.Similarities(ts, soft, rows)
	for i, t := range ts {
		sims := rows[i]
		var top [nearestN]string
		var topS [nearestN]float64
		for j, u := range soft {
			sv := sims[j]
			// Keep the nearestN best at nearFloor or above, best first;
			// ties go by spelling, so map order cannot change them.
			for k := range top {
				if sv >= nearFloor && (top[k] == "" || sv > topS[k] || sv == topS[k] && u < top[k]) {
					copy(top[k+1:], top[k:])
					copy(topS[k+1:], topS[k:])
					top[k], topS[k] = u, sv
					break
				}
			}
		}
		m.sims[t] = sims
		if m.spelt(t, vocab) {
			m.spelled[t] = true
		}
		if m.strict[t] {
			continue
		}
		for _, u := range top {
			if u != "" {
				m.near[t] = append(m.near[t], u)
			}
		}
	}
	return cols
}

// vocabulary sets m.column for the candidates' terms (lists, each
// passage's distinct terms) and returns them once each: all of them
// (vocab) and those that may lend their meaning (soft; see meaningful),
// in column order, with each list's columns (cols, -1 for a question
// term). One map tells both whether a term is the candidates' and its
// column, and the columns serve the passages' readings (readingOf)
// without looking their terms up again. Any order serves: a term's
// column is looked up, and the nearest terms' ties go by spelling.
func (m *matcher) vocabulary(lists [][]string) (soft, vocab []string, cols [][]int) {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	// About half of the candidates' terms are distinct (356 of 701 in
	// the bundled corpus): so sized, the map and lists grow once at most.
	m.column = make(map[string]int, n/2)
	soft, vocab = make([]string, 0, n/2), make([]string, 0, n/2)
	cells := make([]int, n)
	cols = make([][]int, len(lists))
	for i, l := range lists {
		cols[i], cells = cells[:len(l):len(l)], cells[len(l):]
		for k, u := range l {
			j, ok := m.column[u]
			if !ok {
				j = -1
				vocab = append(vocab, u)
				if !m.own[u] {
					j = len(soft)
					soft = append(soft, u)
				}
				m.column[u] = j
			}
			cols[i][k] = j
		}
	}
	return soft, vocab, cols
}

// spelt reports whether the candidates' terms (vocab, each a key of
// m.column) hold t by spelling or by an alias.
func (m *matcher) spelt(t string, vocab []string) bool {
	if _, ok := m.column[t]; ok || hasIn(vocab, t) {
		return true
	}
	for _, alt := range m.aliases[t] {
		all := true
		for _, u := range alt {
			if _, ok := m.column[u]; !ok {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// bestSimilarity is Lexicon.Best's score for f's term over us, from the
// similarities prepare computed where it can; cols, when not nil, holds
// each of us's column (-1 for none).
func (m *matcher) bestSimilarity(f termFacts, us []string, cols []int) float64 {
	t, sims := f.t, f.sims
	if !f.hasSims {
		best, _ := m.lex.Best(t, us)
		return best
	}
	best := 0.0
	for k, u := range us {
		j, ok := -1, false
		if cols != nil {
			j = cols[k]
			ok = j >= 0
		} else {
			j, ok = m.column[u]
			ok = ok && j >= 0
		}
		sv := 0.0
		if ok {
			sv = sims[j]
		} else {
			sv = m.lex.Similarity(t, u)
		}
		best = math.Max(best, sv)
	}
	return best
}

// Nearest-word calibration (on the eval dev split, docs/answering.md): a
// question term's nearestN closest candidate terms, each at least
// nearFloor alike, earn nearCredit.
const (
	nearestN   = 2
	nearFloor  = 0.3
	nearCredit = 0.4
)

// softCoverage is the weighted share of terms that a sentence (its
// reading r) covers, each term counting by its credit, for choosing a
// lead sentence; a term some candidate spells earns no nearest-word
// credit here (see spelled).
func (m *matcher) softCoverage(terms []termFacts, w map[string]float64, r reading) float64 {
	var have, all float64
	for _, f := range terms {
		t := f.t
		all += w[t]
		direct, near, _ := m.creditsOf(f, r)
		if m.spelled[t] {
			// The lead is the sentence that says it: a word some
			// candidate spells ("bases") is not half-said by another
			// sentence's nearest word to it ("basis").
			near = 0
		}
		have += w[t] * math.Max(direct, near)
	}
	if all == 0 {
		return 0
	}
	return have / all
}
