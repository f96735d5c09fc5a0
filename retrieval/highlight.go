package retrieval

import (
	"math"
	"slices"
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
// more, a term of five letters or more one edit away ("micheal"/"michael",
// "falon"/"fallon", but not "spend"/"send") or one that starts with the
// other ("cyber"/"cybersecur", "japan"/"japanes").
func (s termSet) has(t string) bool { return s.hasListed(t, nil) }

// hasListed is has, its loose match scanning all, which lists every term
// of s (nil = scan s itself): a slice is scanned several times faster
// than a map is iterated, and the loose matches were a tenth of a search.
func (s termSet) hasListed(t string, all []string) bool {
	if _, ok := s[t]; ok {
		return true
	}
	if len(t) < 5 || isNumber(t) {
		return false
	}
	return s.some(all, func(u string) bool { return nearSpelling(t, u) })
}

// some reports whether f holds for a term of s, listed in all (nil = the
// terms of s itself).
func (s termSet) some(all []string, f func(u string) bool) bool {
	if all == nil {
		for u := range s {
			if f(u) {
				return true
			}
		}
		return false
	}
	for _, u := range all {
		if f(u) {
			return true
		}
	}
	return false
}

// listed returns every term of set, which was built from list (its
// distinct terms) and may have had terms added since: list itself when it
// has none.
func listed(set termSet, list []string) []string {
	if len(set) == len(list) {
		return list
	}
	out := make([]string, 0, len(set))
	for u := range set {
		out = append(out, u)
	}
	return out
}

// nearSpelling is has's loose match of a term of five letters or more
// (t) to a passage's term u.
func nearSpelling(t, u string) bool {
	if len(u) < 5 || u[0] != t[0] {
		return false // four letters are too few to tell a typo from another word
	}
	return absInt(len(u)-len(t)) <= 1 && withinOneEdit(t, u) || strings.HasPrefix(u, t) || strings.HasPrefix(t, u)
}

// hasPlace is has for a place term t: the set holds t, or a place term
// (of places) one edit away or starting with t or it ("japan" and
// "japanes"), not any word that does ("philip" for "philippin"); all
// lists s's terms or is nil, as for hasListed.
func (s termSet) hasPlace(t string, places map[string]bool, all []string) bool {
	if _, ok := s[t]; ok {
		return true
	}
	return s.some(all, func(u string) bool { return places[u] && len(t) >= 5 && nearSpelling(t, u) })
}

// hasIn is has over a short list of terms, with no set to build.
func hasIn(ws []string, t string) bool {
	loose := len(t) >= 5 && !isNumber(t)
	for _, u := range ws {
		if u == t || loose && nearSpelling(t, u) {
			return true
		}
	}
	return false
}

// hasName is has made looser for proper names, which people misspell: a
// name of three or four letters (which has does not match fuzzily) one
// edit away ("Abbe" for "Abe"), a longer one two edits away with its
// first three letters right; all lists s's terms or is nil, as for
// hasListed.
func (s termSet) hasName(t string, all []string) bool {
	if len(t) < 3 || isNumber(t) {
		return false
	}
	return s.some(all, func(u string) bool {
		switch {
		case len(t) < 5:
			return len(u) >= 3 && t[:2] == u[:2] && absInt(len(u)-len(t)) <= 1 && withinOneEdit(t, u)
		case len(t) >= 6 && len(u) >= 5 && t[:3] == u[:3] && absInt(len(u)-len(t)) <= 2 && editDistance(t, u) <= 2:
			// a longer name two slips away ("Electirc" for "Electric",
			// whose stem is "electr")
			return true
		}
		return false
	})
}

// editDistance is the Levenshtein distance of two short ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
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

// snippet builds a Snippet from a hit and marks its lead sentence: the
// candidate sentence the lead model (Lead) rates most likely to answer
// the question, from how well it covers the question's terms (by
// spelling or meaning), whether it holds the kind of fact asked for (a
// date for "when"); the first wins ties. newest says the passage is from
// the newest report among the snippets.
func snippet(cand candidate, q Question, w map[string]float64, a Analyzer, m *matcher, newest bool) Snippet {
	h := cand.hit
	c := h.Chunk
	sn := Snippet{
		DocumentID: c.DocumentID,
		Title:      h.Document.Title,
		Date:       h.Document.Date,
		Outlet:     h.Document.Outlet,
		Author:     h.Document.Author,
		Paragraph:  c.ParaStart,
		ParaEnd:    c.ParaEnd,
		Page:       c.Page,
		URL:        webURL(h.Document.Source),
		Ordinal:    c.Ordinal,
		Start:      c.Start,
		End:        c.End,
		Text:       c.Text,
		Score:      h.Score,
		Cosine:     h.Cosine,
		Coverage:   cand.coverage,
		Evidence:   cand.evidence,
		Gap:        cand.gap,
		Weakest:    cand.weakest,
		Missing:    cand.missing,
		Focus:      cand.focus,
	}
	sn.Leads = leadCandidates(cand, q, w, a, m, newest)
	best := -1
	for i, l := range sn.Leads {
		if s := Lead.Score(l); best < 0 || s > sn.LeadScore {
			best, sn.LeadScore = i, s
		}
	}
	span := Span{0, len(c.Text)}
	if best >= 0 {
		span, sn.Fact = sn.Leads[best].Span, sn.Leads[best].Fact
	} else {
		// No sentence: the whole passage is the candidate.
		fact, strength := m.sentenceFact(q, a, c.Text)
		f := leadFeatures(q, cand.coverage, strength, false, newest)
		sn.Fact, sn.LeadScore = fact, Lead.Score(LeadCandidate{Features: f})
	}
	sn.Highlight = strings.TrimSpace(c.Text[span.Start:span.End])
	sn.HighlightParagraph = c.paragraphAt(span.Start)
	// A place in the title ("… meeting …, London") says where the
	// report's own event happened: it answers a question about that
	// event ("Where did the first 2+2 take place?", which the title
	// covers), not one about something the report mentions ("Where is
	// the research being done?").
	sn.Fact = sn.Fact || q.Intent == IntentWhere && hasPlace(h.Document.Title) && cand.titled >= titlePlaceShare
	return sn
}

// leadCandidates returns the sentences of cand's passage that could lead
// the answer, with their features: those covering some of the question,
// and the first sentence whatever it covers. A sentence that refers back
// to the one before (refersBack) covers what the two say together; its
// fact is its own.
func leadCandidates(cand candidate, q Question, w map[string]float64, a Analyzer, m *matcher, newest bool) []LeadCandidate {
	c := cand.hit.Chunk
	var leads []LeadCandidate
	mention := cand.firstMention
	// the terms without the report's setting (withoutSetting)
	facts := m.factsOfAll(withoutSetting(q, a, cand.hit.Document.Title, cand.hit.Document.Date))
	prev := ""
	for _, sp := range c.Sentences {
		text, ok := c.sentence(sp)
		if !ok {
			continue
		}
		read := text // what the sentence says, with what it refers back to
		if prev != "" && refersBack(text, prev) {
			read = prev + " " + text
		}
		prev = text
		at := analyze(a, read)
		set := m.readAs(at.set, c.DocumentID, cand.hit.Document.Date, read)
		cov := m.softCoverage(facts, w, m.readingOf(set, at.list, nil))
		if cov == 0 && len(leads) > 0 {
			continue // it cannot win, whatever facts it holds
		}
		fact, strength := m.sentenceFact(q, a, text)
		// the document's first sentence naming what is asked about
		first := mention && holdsAll(at.set, q.Define)
		if first {
			mention = false
		}
		f := leadFeatures(q, cov, strength, first, newest)
		leads = append(leads, LeadCandidate{Span: sp, Fact: fact, Features: f})
	}
	return leads
}

// withoutSetting returns q's terms without the cities its document's
// title names and the year of its date (the report's setting: "in
// London" and "in 2015" of the London 2+2 report of January 2015), or
// all of them when nothing else is left: every sentence of
// the report is said there, and the one that also spells the city
// ("LONDON — Britain and Japan have pledged …") is no better an answer
// to "what did they agree on cyber in London" than "The two sides also
// agreed to continue a dialogue on cybersecurity". Countries stay: both
// reports are about Britain and Japan, and a sentence of one report that
// leaves out a country the question names would be rated above a
// sentence of the other that names it.
func withoutSetting(q Question, a Analyzer, title, date string) []string {
	if len(q.Places) == 0 && !slices.ContainsFunc(q.Terms, isYear) {
		return q.Terms
	}
	titled, cities := analyze(a, title).set, cityTermsFor(a)
	var out []string
	for _, t := range q.Terms {
		_, named := titled[t]
		if !(named && cities[t] || isYear(t) && strings.HasPrefix(date, t)) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return q.Terms
	}
	return out
}

// sentenceFact reports whether a sentence holds the kind of fact q asks
// for, in what it adds to the question (see withoutWords), and how well
// (factStrength).
func (m *matcher) sentenceFact(q Question, a Analyzer, text string) (bool, float64) {
	switch q.Intent {
	case IntentWhat, IntentYesNo, IntentSummary:
		return true, 1 // no particular kind of fact
	}
	ft := withoutWords(text, q.Words)
	var fact bool
	switch {
	case q.Money:
		fact = hasMoney(ft)
	case q.Magnitude:
		fact = hasMeasure(ft)
	case q.Clock:
		fact = clockTime.MatchString(strings.ToLower(ft))
	case q.WantThingName:
		fact = namedAs.MatchString(text)
	case len(q.Counted) > 0 && m.listsNear(q, a, text):
		// "How many kinds of non-combat missions?": "noncombat missions
		// such as evacuation, provision of airlift and peacekeeping"
		// counts them by naming them.
		return true, 1
	case len(q.Counted) > 0 && hasQuantity(ft):
		// Any number makes a sentence a candidate lead, which the lead
		// model weighs by its coverage; only a count of the asked-for
		// thing answers (countsNear).
		return m.countsNear(q, a, text), 1
	case q.Duration:
		// "How long between the London meeting and the Tokyo trip?" is
		// answered by the two dates.
		fact = hasDuration(ft) || q.Words["between"] && hasDate(ft)
		if fact && !hasSpan(ft) && !q.Words["between"] {
			// A year alone says how long only by counting from it;
			// "since 2010" or "several months" says it outright.
			return true, yearOnlySpan
		}
	case q.Succession && !succession.MatchString(text):
		return false, 0
	case q.WantOrg:
		// "Which company makes the missile?": "MBDA's new … Meteor" names
		// it, in a word of its own rather than a role and a name.
		if hasOrgName(ft) {
			return true, 1
		}
		return false, 0
	case q.Intent == IntentWhen && relativeDateSplit(text, q.Text, q.Words):
		// "When did they last meet?": "early last year" is a date,
		// though the question's "last" is taken out of the sentence.
		fact = true
	case q.Intent == IntentWho && m.opensWithPerson(text, q.Words):
		// "Fallon said the meeting was …": a sentence's first word is
		// capitalised anyway, so only a name the reports give a title
		// elsewhere is known to be a person there.
		return true, 1
	default:
		fact = holdsFact(q.Intent, ft) && (!q.WantName || hasProperName(ft))
	}
	if !fact {
		return false, 0
	}
	if q.Intent == IntentWho && namesHolder(text, q.Words) {
		// "Which prime minister did Hammond meet?" states the role: the
		// sentence naming someone in it ("Prime Minister Shinzo Abe")
		// answers in full, though the role is the question's own words.
		return true, 1
	}
	return true, factStrength(q.Intent, ft)
}

// namesHolder reports whether sentence names a person by a role the
// question states: the role word, then a capitalised name of two words
// ("Prime Minister Shinzo Abe" for "Which prime minister …").
func namesHolder(sentence string, asked map[string]bool) bool {
	sw := readSentence(sentence)
	ws := sw.words
	for i := 0; i+2 < len(ws); i++ {
		lw := sw.lower[i]
		if roleWords[lw] && asked[lw] && capitalised(ws[i+1]) && capitalised(ws[i+2]) &&
			!roleWords[sw.lower[i+1]] && !allCaps(ws[i+1]) {
			return true
		}
	}
	return false
}

// yearOnlySpan is the fact strength of a bare year for "how long".
const yearOnlySpan = 0.6

// titlePlaceShare is the least weighted share of a "where" question its
// document's title must cover for the title's place to answer it.
const titlePlaceShare = 0.5

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
	// MinCoverage is the weighted share of the question's terms (matched
	// by spelling, alias or meaning) that at least one of the top Top
	// snippets must cover.
	MinCoverage float64
	// MaxGap is the largest weighted share of the question that a
	// snippet may leave uncovered in one term (an unspelt proper name
	// counts whole): a cost, a successor or an ambassador the passage
	// never mentions. Zero = no limit.
	MaxGap float64
	// MaxMissing is how many of the question's terms of some weight a
	// snippet may not cover before it no longer counts. Zero = no limit.
	MaxMissing int
	// NeedFact requires the snippet to hold the kind of fact the
	// question asks for (a date for "when").
	NeedFact bool
	// NeedFocus requires the snippet to cover what the question asks
	// for (Question.Focus).
	NeedFocus bool
	Top       int
	// Calibrated decides by CalibratedAbstain, a logistic model over the
	// same evidence, instead of the thresholds above: fitted and
	// cross-validated on the eval sets, it refuses and answers wrongly
	// less often on questions it was not fitted on than thresholds set by
	// hand (eval TestCrossValidate).
	Calibrated bool
}

// DefaultAbstain is the rule of the extractive answerer: the calibrated
// model over the top three snippets.
var DefaultAbstain = AbstainRule{Top: abstainTop, Calibrated: true}

// ModelAbstain is the rule when a language model writes the answer: it
// refuses only questions that are clearly uncovered and leaves the
// borderline ones to the model, which may answer "not in the sources".
var ModelAbstain = AbstainRule{MinCoverage: 0.35, Top: 5}

// Weak reports whether snippets are too weak evidence for q: no content
// terms, no snippets, or no top snippet whose Evidence reaches
// MinCoverage with no gap over MaxGap, fewer than MaxMissing missing
// terms, and the kind of fact q asks for (a question asking "when" is not
// covered by passages without a date).
func (r AbstainRule) Weak(q Question, snips []Snippet) bool {
	if len(q.Terms) == 0 || len(snips) == 0 {
		return true
	}
	top := r.Top
	if top <= 0 || top > len(snips) {
		top = len(snips)
	}
	if r.Calibrated {
		return CalibratedAbstain.Logit(q, snips[:top]) > 0
	}
	best := 0.0
	for _, s := range snips[:top] {
		if r.NeedFact && needsFact(q.Intent) && !s.Fact || r.MaxGap > 0 && s.Gap > r.MaxGap || r.MaxMissing > 0 && s.Missing >= r.MaxMissing || r.NeedFocus && !s.Focus {
			continue
		}
		best = math.Max(best, s.Evidence)
	}
	return best < r.MinCoverage
}

// needsFact reports whether an intent is covered only by a passage that
// holds its kind of fact.
func needsFact(i Intent) bool {
	return i == IntentWhen || i == IntentQuantity || i == IntentWho || i == IntentWhere
}

// rerank orders candidates by their ranking evidence, with the fused retrieval
// score breaking near-ties, and keeps the best k.
func rerank(cands []candidate, k int) []candidate {
	maxScore := 0.0
	for _, c := range cands {
		maxScore = math.Max(maxScore, c.hit.Score)
	}
	keys := make([]float64, len(cands))
	for i, c := range cands {
		keys[i] = c.ranking
		if maxScore != 0 {
			keys[i] = c.ranking + rerankScoreWeight*c.hit.Score/maxScore
		}
	}
	// Sorted by index, keys computed once: a candidate is a large struct,
	// and copying it into every comparison and swap was most of the sort.
	// The stable sort makes the same comparisons whatever it moves.
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case keys[i] > keys[j]:
			return -1
		case keys[i] < keys[j]:
			return 1
		}
		return 0
	})
	out := make([]candidate, min(k, len(cands)))
	for i := range out {
		out[i] = cands[order[i]]
	}
	return out
}

// rerankScoreWeight is how much the fused retrieval score counts beside
// a snippet's evidence when ranking.
const rerankScoreWeight = 0.35

// analyzedText is a passage's or sentence's distinct analyzer terms, as a
// set and as a list; it is shared and must not be changed.
type analyzedText struct {
	set  termSet
	list []string
	seq  []string // every term in order, repeats kept
}

// maxAnalyzed bounds the cache of analyzed texts; beyond it texts are
// analyzed every time.
const maxAnalyzed = 1 << 13

// analyzedCache memoises analyze: analyzing passages was a fifth of a
// search.
var analyzedCache = memo[analyzedKey, analyzedText]{max: maxAnalyzed}

type analyzedKey struct {
	a    Analyzer
	text string
}

// analyze returns the distinct terms of text by a.
func analyze(a Analyzer, text string) analyzedText {
	return analyzedCache.get(analyzedKey{a, text}, func() analyzedText {
		seq := a.Terms(countryUS(text))
		list := uniqueTerms(seq)
		return analyzedText{set: newTermSet(list), list: list, seq: seq}
	})
}

// webURL is source when it is a web address a reader can open, else "".
func webURL(source string) string {
	if strings.HasPrefix(source, "https://") || strings.HasPrefix(source, "http://") {
		return source
	}
	return ""
}

// backRefs are the words that open a sentence about what the sentence
// before it said: "That was followed by a … meeting in London".
var backRefs = map[string]bool{"that": true, "this": true, "these": true, "those": true, "it": true, "its": true, "they": true, "their": true, "he": true, "she": true, "his": true, "her": true, "such": true}

// refersBack reports whether text, the sentence after prev, is about
// what prev said: it opens with a back reference (backRefs), or with
// "the" and a word of prev ("The review said …" after a sentence naming
// the review). Such a sentence is read with prev: "what came after the
// 2013 framework" is answered by "That was followed by …", whose
// "that" is the framework the sentence before names.
func refersBack(text, prev string) bool {
	low := readSentence(text).lower
	if len(low) < 2 {
		return false
	}
	first := low[0]
	if backRefs[first] {
		return true
	}
	if first == "the" {
		n := low[1]
		for _, w := range readSentence(prev).lower {
			if w == n {
				return true
			}
		}
	}
	return false
}
