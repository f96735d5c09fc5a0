package retrieval

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// A report often says who did something by a group ("senior UK
// ministers announced …") and names the people elsewhere ("UK Defence
// Secretary Micheal Fallon said …"). A "who" question answered by such a
// sentence is answered in full only with the names: the answer quotes
// the sentence and adds the people its document names in that group,
// each cited where it is named.

// Named is a person a lead sentence's group stands for, as the lead's
// document names them: Group is the group as the lead says it ("UK
// ministers"), Phrase the person, verbatim ("British Foreign Secretary
// Philip Hammond"), Source the passage it is in, its Highlight the
// sentence.
type Named struct {
	Group, Phrase string
	Source        Snippet
}

// groupRef matches a group of people by plural role and nationality
// ("senior UK ministers", "Japanese officials"), or as both countries'
// ("the nations' foreign and defense ministers"); not one named body's
// ("Treasury ministers"), whose people a report names rarely.
var groupRef = regexp.MustCompile(`\b(?:(` + nationalityWords + `)|the (?:two )?(?:nations|countries|sides)['’])\s+(?:[a-z]+\s+){0,3}(ministers|officials|secretaries|counterparts|leaders)\b`)

// groupNation returns the nationality of the people group g (a groupRef
// match) stands for: its own, else the one country q names ("Who
// represented Japan at the London talks?" read against "the nations'
// foreign and defense ministers"), else "".
func groupNation(g []string, q Question) (nation, label string) {
	if g[1] != "" {
		return nationOf(g[1]), g[0]
	}
	named := map[string]bool{}
	for w := range q.Words {
		// "us" is as often the pronoun ("tell us who …")
		if c := countryOf(w); countryLabels[c] != "" && w != "us" {
			named[c] = true
		}
	}
	if len(named) != 1 {
		return "", ""
	}
	for c := range named {
		nation = c
	}
	return nation, countryLabels[nation] + " " + g[2]
}

// countryLabels name a country's people in an answer: "Japan's
// ministers".
var countryLabels = labelsOf()

// titledName matches a person named with a title that ends in a role,
// nationality first when it is given: "UK Defence Secretary Micheal
// Fallon", "Foreign Minister Fumio Kishida", "Japanese Prime Minister
// Shinzo Abe".
var titledName = regexp.MustCompile(`\b(?:(` + nationalityWords + `)\s+)?((?:[A-Z][a-z]+\s+){0,2}(?:Secretary|Minister))\s+([A-Z][a-zA-Z'’-]+\s+([A-Z][a-zA-Z'’-]+))`)

// nationalityWord finds the words nationOf reads: the nationality words
// and, alone of the countries' names, Britain.
var nationalityWord = regexp.MustCompile(`\b(` + nationalityWords + `|Britain)\b`)

// nationalityWords are the nationalities a title or a group is read
// with (the gazetteer's titleWords), as an alternation for the
// expressions above.
var nationalityWords = alternation(titleWords())

// nationOf folds the nationality words groupRef, titledName and
// nationalityWord match to a country key (countryOf).
func nationOf(w string) string { return countryOf(strings.ReplaceAll(w, ".", "")) }

// peopleQuery is what the store is asked for to find a group's names.
var peopleQuery = map[string]string{"uk": "UK British secretary minister", "japan": "Japanese minister secretary"}

// peopleQueryOf is peopleQuery's entry for nation, or the country key
// with the two roles.
func peopleQueryOf(nation string) string {
	if q, ok := peopleQuery[nation]; ok {
		return q
	}
	return nation + " secretary minister"
}

// mentions returns the people sentence names with the nationality nation
// (see titledMentions).
func mentions(sentence, nation string) []string {
	var out []string
	for _, m := range titledMentions(sentence) {
		if m.nation == nation {
			out = append(out, m.phrase)
		}
	}
	return out
}

// titledMention is a person a sentence names with a title: the words
// as written and the role, its nationality the one written before the
// title, else the nearest one before it in the sentence ("their Japanese
// counterparts, Foreign Minister Fumio Kishida and Defense Minister Gen
// Nakatani").
type titledMention struct {
	phrase string
	role
}

func titledMentions(sentence string) []titledMention {
	var out []titledMention
	for _, m := range titledName.FindAllStringSubmatchIndex(sentence, -1) {
		nation := ""
		if m[2] >= 0 {
			nation = nationOf(sentence[m[2]:m[3]])
		} else if all := nationalityWord.FindAllString(sentence[:m[0]], -1); len(all) > 0 {
			nation = nationOf(all[len(all)-1])
		}
		title := strings.Fields(strings.ToLower(sentence[m[4]:m[5]]))
		out = append(out, titledMention{phrase: sentence[m[0]:m[1]], role: role{portfolio: foldSpelling(title[0]), nation: nation}})
	}
	return out
}

// maxNamed bounds the people one lead is given.
const maxNamed = 3

// namePeople finds, for the lead snippet of a "who" question whose
// highlight names a group and nobody in it, the people its document
// names in that group, in document order, and records them in
// lead.Named. A store error leaves the lead as it is: the sentence still
// answers, less fully.
func (s *Service) namePeople(ctx context.Context, q Question, snips []Snippet) {
	if q.Intent != IntentWho || len(snips) == 0 {
		return
	}
	lead := &snips[leadOf(snips)]
	g := groupRef.FindStringSubmatch(lead.Highlight)
	if g == nil {
		return
	}
	nation, label := groupNation(g, q)
	if nation == "" || len(mentions(lead.Highlight, nation)) > 0 {
		return
	}
	hits, err := s.Store.Search(ctx, Query{Text: peopleQueryOf(nation), K: DefaultCandidates, Candidates: DefaultCandidates})
	if err != nil {
		s.logger().WarnContext(ctx, "search for named people failed", "err", err)
		return
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Chunk.Ordinal < hits[j].Chunk.Ordinal })
	seen := map[string]bool{}
	for _, h := range hits {
		if h.Chunk.DocumentID != lead.DocumentID {
			continue
		}
		for _, sp := range h.Chunk.Sentences {
			text, ok := h.Chunk.sentence(sp)
			if !ok {
				continue
			}
			for _, p := range mentions(text, nation) {
				surname := p[strings.LastIndexAny(p, " ")+1:]
				if seen[surname] || len(lead.Named) == maxNamed {
					continue
				}
				seen[surname] = true
				lead.Named = append(lead.Named, Named{Group: label, Phrase: p, Source: sentenceSnippet(h, sp)})
			}
		}
	}
}

// leadOf returns the index of the snippet whose highlight leads the
// extractive answer: the highest lead score, the first on ties.
func leadOf(snips []Snippet) int {
	lead := 0
	for i, s := range snips {
		if s.LeadScore > snips[lead].LeadScore {
			lead = i
		}
	}
	return lead
}

// sentenceSnippet is a hit as a snippet with no analysis, quoting its
// sentence sp (the whole passage when sp is out of range): a passage
// cited for what it names.
func sentenceSnippet(h Hit, sp Span) Snippet {
	c := h.Chunk
	text, ok := c.sentence(sp)
	if !ok {
		text, sp = c.Text, Span{0, len(c.Text)}
	}
	return Snippet{
		DocumentID: c.DocumentID, Title: h.Document.Title, Date: h.Document.Date, Outlet: h.Document.Outlet,
		Author: h.Document.Author, Paragraph: c.ParaStart, ParaEnd: c.ParaEnd, Ordinal: c.Ordinal,
		Start: c.Start, End: c.End, Page: c.Page, URL: webURL(h.Document.Source), Text: c.Text,
		Score: h.Score, Highlight: strings.TrimSpace(text), HighlightParagraph: c.paragraphAt(sp.Start),
	}
}

// A report names a person once with a title ("UK Defence Secretary
// Micheal Fallon") and then by the title alone ("The defence secretary
// was in Tokyo …") or by surname ("Fallon listed …"). A passage that
// refers to the person either way covers the question's words for
// them: "Who did Fallon travel to Tokyo with?" is answered by the
// sentence about "the defence secretary".

// holder is a titled person of one document, as its candidate passages
// name them.
type holder struct {
	title   string // lower case, American spelling folded: "defence secretary"
	byRole  string // "the " and the title, as a passage refers to them
	surname string // "Fallon"
	// byTitle are the question's terms among the name's: what a mention
	// by title covers; bySurname the title's terms when the question
	// has them all ("defence secretary", not a bare "minister", which
	// a surname does not settle): what a mention by surname covers.
	byTitle, bySurname []string
}

// learnHolders records, for each document among hits, the titled people
// its passages name whose name or whole title the question uses.
func (m *matcher) learnHolders(a Analyzer, q Question, hits []Hit) {
	for _, h := range hits {
		for _, g := range titledIn(h.Chunk.Text) {
			if m.surnames == nil {
				m.surnames = map[string]bool{}
			}
			m.surnames[g.surname] = true
			var byTitle, bySurname []string
			for _, t := range analyze(a, g.name).list {
				if m.own[t] {
					byTitle = append(byTitle, t)
				}
			}
			title := analyze(a, g.title).list
			if len(title) > 0 && !slices.ContainsFunc(title, func(t string) bool { return !m.own[t] }) {
				bySurname = title
			}
			if len(byTitle)+len(bySurname) == 0 {
				continue
			}
			if m.holders == nil {
				m.holders = map[string][]holder{}
			}
			doc := h.Chunk.DocumentID
			if !slices.ContainsFunc(m.holders[doc], func(o holder) bool { return o.surname == g.surname && o.title == g.low }) {
				m.holders[doc] = append(m.holders[doc], holder{title: g.low, byRole: "the " + g.low, surname: g.surname, byTitle: byTitle, bySurname: bySurname})
			}
		}
	}
}

// titled is one titledName match: the title ("Defence Secretary"), the
// same folded as holder.title is, the name ("Micheal Fallon") and the
// surname.
type titled struct{ title, low, name, surname string }

// titledCache memoises titledIn: the regular expression was two fifths
// of a search.
var titledCache = memo[string, []titled]{max: maxAnalyzed}

// titledIn returns the titled people text names (titledName).
func titledIn(text string) []titled {
	return titledCache.get(text, func() []titled {
		var out []titled
		for _, g := range titledName.FindAllStringSubmatch(text, -1) {
			out = append(out, titled{title: g[2], low: foldSpelling(strings.ToLower(g[2])), name: g[3], surname: g[4]})
		}
		return out
	})
}

// isSurname reports whether term t is the surname of a titled person
// the candidates name (learnHolders), in any case: "kishida".
func (m *matcher) isSurname(t string) bool {
	for s := range m.surnames {
		if strings.EqualFold(s, t) {
			return true
		}
	}
	return false
}

// opensWithPerson reports whether sentence opens with the surname of a
// titled person the candidates name (learnHolders) that the question
// does not itself name: "Fallon said …" answers "who said …".
func (m *matcher) opensWithPerson(sentence string, asked map[string]bool) bool {
	sw := readSentence(sentence)
	return len(sw.words) > 0 && m.surnames[sw.words[0]] && !asked[sw.lower[0]]
}

// withHolders returns set with the terms of each of doc's titled people
// that text refers to by title ("the defence secretary") or surname; set
// itself is not changed.
func (m *matcher) withHolders(set termSet, doc, text string) termSet {
	hs := m.holders[doc]
	if len(hs) == 0 {
		return set
	}
	low := readSentence(text).folded
	var add []string
	for _, h := range hs {
		if strings.Contains(low, h.byRole) {
			add = append(add, h.byTitle...)
		}
		if strings.Contains(text, h.surname) {
			add = append(add, h.bySurname...)
		}
	}
	return set.with(add)
}

// foldSpelling writes American "defense" the British way, so that a
// title matches either spelling.
func foldSpelling(low string) string {
	return strings.ReplaceAll(low, "defense", "defence")
}
