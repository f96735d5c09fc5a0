package retrieval

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// A question's focus is the part of it that says what is asked for: the
// noun phrase of "What submarine projects are …", the role of "Who was the
// UK prime minister during …". A passage that shares the rest of the
// question's words but not its focus is about something nearby — the
// missile work, Japan's prime minister — and answering from it answers
// another question. The verb of "Who chaired …" is no focus: the reports
// say who took part without the verb a question uses ("Who represented
// Japan?"), and no lexicon tells "represented" from "chaired" there.
var (
	// "what/which [kind of] X … <auxiliary>": X is what is asked for.
	headRequest = regexp.MustCompile(`^(?:what|which)(?: (?:kind|kinds|type|types|sort|sorts) of)? ((?:[\p{L}\p{N}+'’-]+ ){1,3}?)(?:is|are|was|were|did|do|does|will|would|could|can|has|have|had|should|might|must)\b`)
	// "what is the X of/in …": X is what is asked for ("What is the
	// range of the Meteor?").
	attributeRequest = regexp.MustCompile(`^what(?:'s|’s| is| are| was| were) (?:the |a |an )?((?:[\p{L}\p{N}+'’-]+ ){1,3}?)(?:of|in|at|for|on|from|with|about|between|behind|this|that)\b`)
	// "who is/was [the] X <preposition or end>": X is the role.
	roleRequest = regexp.MustCompile(`^(?:who(?:'s|’s| is| was| will be| would be)|whos) (?:the |a |an )?((?:[\p{L}\p{N}+'’.-]+ ?){1,4}?)(?: (?:of|in|at|during|for|on|from|when|to|that|who|now|then|currently|today)\b|$)`)
)

// questionLine is text as the wording patterns read it: lower-case,
// white space folded, without its closing "?", "!" or ".".
func questionLine(text string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.TrimRight(strings.TrimSpace(text), "?!. "))), " ")
}

// prepositions that may follow "what's" without naming an attribute
// ("what's on …", "what's in …", "what's up with …").
var prepositions = map[string]bool{
	"on": true, "in": true, "up": true, "at": true, "with": true, "about": true, "behind": true,
	"for": true, "from": true, "between": true, "next": true,
}

// auxWords are the auxiliaries that end a "what X" phrase: "what did
// Abe's government do" asks for no X.
var auxWords = map[string]bool{
	"is": true, "are": true, "was": true, "were": true, "did": true, "do": true, "does": true,
	"will": true, "would": true, "could": true, "can": true, "has": true, "have": true,
	"had": true, "should": true, "might": true, "must": true,
}

// nameKinds are the analyzer terms of nouns a name answers ("Which
// Japanese firm …": "Mitsubishi Electric"; "What other countries …":
// "France and India") and of generic nouns ("What kit …"): the kind of
// answer, which a passage need not spell out.
var nameKinds = map[string]bool{
	"firm": true, "compani": true, "countri": true, "nation": true, "citi": true,
	"person": true, "peopl": true, "manufactur": true, "maker": true, "group": true,
	"organis": true, "organ": true, "minist": true, "offici": true, "state": true,
	// generic things: "What kit …", "What gear …" name a kind of answer
	// as broad as "what things"
	"kit": true, "gear": true, "equip": true, "hardwar": true, "stuff": true, "item": true,
	"system": true, "product": true, "asset": true, "capabl": true, "option": true,
	"measur": true, "step": true, "initi": true, "area": true, "issu": true, "topic": true,
	"activ": true, "effort": true, "arrang": true, "matter": true, "plan": true, "work": true,
	// what a thing means or led to: a vague question any account answers
	"signific": true, "import": true, "outcom": true, "result": true, "impact": true,
	"implic": true, "consequ": true, "situat": true, "pictur": true, "background": true,
	"histori": true, "natur": true, "scope": true, "extent": true,
	// how things relate and what people intend: what the question asks
	// about follows ("the link between …", "the aim of …")
	"goal": true, "aim": true, "focus": true, "connect": true, "link": true, "differ": true,
	"relationship": true, "relat": true, "comparison": true, "idea": true, "approach": true,
	"stanc": true, "posit": true, "view": true, "attitud": true, "strategi": true, "polici": true,
	"purpos": true, "object": true, "motiv": true, "intent": true, "ambit": true,
}

// focusText returns the words of text's focus, or "" when its wording
// names none, and whether they are a "what/which X" head.
func focusText(text string, intent Intent) (focus string, head bool) {
	low := questionLine(text)
	// "Which firm …", "Which minister …" ask for a name: the firm or the
	// minister is the kind of answer, which a name gives without the word.
	if m := headRequest.FindStringSubmatch(low); m != nil && intent != IntentWho && !auxWords[strings.Fields(m[1])[0]] {
		return m[1], true
	}
	// "What's on Fallon's list …" asks what is on it, not for an
	// attribute named "on …".
	if m := attributeRequest.FindStringSubmatch(low); m != nil && intent != IntentWho && !prepositions[strings.Fields(m[1])[0]] {
		return m[1], true
	}
	if m := roleRequest.FindStringSubmatch(low); m != nil {
		// Only the role words: "the UK's top diplomat" is a paraphrase
		// of a role the reports spell another way; "ambassador" and
		// "chief" are roles they either name or do not.
		var roles []string
		for _, w := range words(m[1]) {
			if roleWords[w] {
				roles = append(roles, w)
			}
		}
		return strings.Join(roles, " "), false
	}
	return "", false
}

// focusTerms returns the terms of q's focus that are among its content
// terms and are not names: framing words, type nouns ("what year") and
// the verbs a "who" question drops stay out of it, and names have their
// own, stricter test (nameShare).
func focusTerms(a Analyzer, q Question) []string {
	var out []string
	for _, t := range q.Terms {
		if changeTerms[t] {
			out = append(out, t)
		}
	}
	f, head := focusText(q.Text, q.Intent)
	if f == "" {
		return out
	}
	for _, t := range contentTerms(a, f, q.Terms) {
		if !q.Names[t] && !(head && nameKinds[t]) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// changeTerms are the analyzer terms of a change of office or of hands
// ("Who succeeded Fallon?", "Who replaced Hammond?"): a passage that
// names the office holder without reporting the change does not answer,
// so they are part of the focus whatever the question's wording. Words
// with another sense here stay out ("fire" a missile, "retire" a plane).
var changeTerms = map[string]bool{
	"succeed": true, "successor": true, "predecessor": true, "replac": true, "resign": true,
	"appoint": true, "elect": true, "sack": true, "oust": true, "promot": true,
	"demot": true, "reshuffl": true, "nomin": true,
}

// focusCredit is the least credit a passage must earn for each focus term
// (by spelling, alias or meaning; a nearest-word reading is not enough).
const focusCredit = 0.5

// coversFocus reports whether a passage (its reading r), read under its
// title's terms (and titleSoft, their meaningful ones), covers every
// term of q's focus.
func (m *matcher) coversFocus(q Question, r reading, title termSet, titleSoft []string) bool {
	for _, t := range q.Focus {
		d, _, _ := m.creditsOf(m.factsOf(t), r)
		if d >= focusCredit {
			continue
		}
		if d, _ := m.credits(t, title, titleSoft); d < focusCredit {
			return false
		}
	}
	return true
}

// A question about what someone said, agreed or discussed ("What did
// China say about …", "What did Abe and Hammond talk about?", "How did
// China react …") is answered by a sentence in which the speaker says
// something: a passage that only names them ("Hammond also met with …
// Abe", "France and India have also signed cooperation pacts") does not
// tell what they said.
var speakerRequest = regexp.MustCompile(`^(?:what|how) (?:did|does|do|will|would) (.+?) (?:actually |really |ever )?(say|tell|talk|discuss|agree|include|cover|announce|react|respond|promise|pledge|decide|propose|offer|conclude)\b`)

// reportWords are the words by which a sentence reports what someone
// said, agreed, decided or planned.
var reportWords = map[string]bool{
	"said": true, "say": true, "says": true, "saying": true, "told": true, "tells": true,
	"statement": true, "discuss": true, "discussed": true, "talks": true, "talked": true,
	"agreed": true, "agree": true, "agreement": true, "include": true, "included": true,
	"includes": true, "including": true, "covering": true, "covers": true, "listed": true,
	"described": true, "announced": true, "announcement": true, "confirmed": true,
	"pledged": true, "promised": true, "stated": true, "reported": true, "responded": true,
	"reacted": true, "decided": true, "decision": true, "proposed": true, "offered": true,
	"concluded": true, "considering": true, "wants": true, "want": true, "plans": true,
}

// jointParties are the phrases by which a report speaks of two parties
// at once: "What did Britain and Japan agree …" is answered by "the two
// sides said …".
var jointParties = []string{
	"two sides", "both sides", "two countries", "both countries", "two nations", "both nations",
	"two governments", "the ministers", "joint statement",
}

// jointly reports whether text speaks of both parties at once.
func jointly(text string) bool {
	low := strings.ToLower(text)
	for _, p := range jointParties {
		if strings.Contains(low, p) {
			return true
		}
	}
	return false
}

// speakerTerms returns the content terms of the speaker of a "what did
// S say" question, or nil for other questions.
func speakerTerms(a Analyzer, q Question) []string {
	line := questionLine(q.Text)
	m := speakerRequest.FindStringSubmatch(line)
	if m == nil {
		if m = quoteRequest.FindStringSubmatch(line); m == nil {
			return nil
		}
		return contentTerms(a, cmp.Or(m[1], m[2]), q.Terms)
	}
	if sourcesWord.MatchString(m[1]) {
		// "what does the tokyo piece say about the americans": the
		// report says it, and the question is about its topic.
		return nil
	}
	return contentTerms(a, m[1], q.Terms)
}

// quoteRequest matches a question asking for what someone said without
// a verb of saying: "any quote from Kishida", "a comment from the MoD?",
// "did Abe say anything".
var quoteRequest = regexp.MustCompile(`\b(?:quotes?|comments?|remarks?|statements?|words) (?:from|by) (.+?)(?: (?:in|about|on|at|regarding)\b.*)?$|^(?:did|does|has) (.+?) (?:say|said|comment|comments) (?:anything|something)\b`)

// reportsSomething reports whether a sentence holds a report word
// (said, agreed, statement, …).
func reportsSomething(text string) bool {
	return readSentence(text).reports
}

// reportsSpeaker reports whether some sentence of c says what one of
// q's speaker terms said (see speakerRequest): it holds a report word
// and, within speakerReach of it for a country or personReach for a
// person, the term by spelling, alias, acronym or meaning.
func (m *matcher) reportsSpeaker(q Question, a Analyzer, c Chunk) bool {
	if len(q.Speaker) == 0 {
		return true
	}
	for _, sp := range c.Sentences {
		text, ok := c.sentence(sp)
		if !ok {
			continue
		}
		if !reportsSomething(text) {
			continue
		}
		if len(q.Speaker) > 1 && jointly(text) {
			return true // "the two sides said": both speakers at once
		}
		var near, far []string // the words around its report words
		for _, t := range q.Speaker {
			if slices.Contains(q.Places, t) {
				// A country speaks next to its report word (speakerReach).
				if near == nil {
					near = reportWindows(text, speakerReach)
				}
				for _, window := range near {
					at := analyze(a, window)
					if d, _ := m.credits(t, at.set, m.meaningful(at.list)); d >= focusCredit {
						return true
					}
				}
				continue
			}
			windows := []string{text} // a body or a group anywhere in it
			if m.names[t] || m.isSurname(t) {
				if far == nil {
					far = reportWindows(text, personReach)
				}
				windows = far
			}
			for _, window := range windows {
				at := analyze(a, window)
				set := m.withHolders(m.withAcronyms(at.set, window), c.DocumentID, window)
				if d, _ := m.credits(t, set, m.meaningful(at.list)); d >= focusCredit {
					return true
				}
			}
		}
	}
	return false
}

// speakerReach is how many words from a report word a country that
// speaks may be: "the Japanese media reported", "the British said".
// People and bodies are named further away ("Japan was described in …
// the strategic defence and security review (SDSR)"), but a sentence
// names many countries: "The meeting comes at a time of rising
// tensions triggered by Chinese island building … and the North Korean
// announcement" reports what North Korea said, not China.
const speakerReach = 3

// personReach is how many words from a report word a person named in
// the question (a name or a titled person's surname) may be when they
// speak: "Fallon said", "Hammond told reporters". Further away, the
// sentence tells of them without reporting their words: "The meeting of
// … Foreign Minister Fumio Kishida and Defence Minister Gen Nakatani was
// the first formal meeting to discuss …" reports nothing Kishida said. A
// body or a group ("the review", "the ministers") may be anywhere in the
// sentence: "Japan was described in last November's British Government
// strategic defence and security review", "Britain and Japan have
// pledged … following a meeting of the nations' … ministers". On dev,
// the limit for everyone refused two near misses more and one
// answerable question more than none did; for names only, one near miss
// more and nothing else.
const personReach = 10

// reportWindows returns, for each report word of sentence, the words
// within reach of it.
func reportWindows(sentence string, reach int) []string {
	ws := words(sentence)
	var out []string
	for i, w := range ws {
		if reportWords[strings.ToLower(w)] {
			out = append(out, strings.Join(ws[max(0, i-reach):min(len(ws), i+reach+1)], " "))
		}
	}
	return out
}

// A question that asks what or who something is ("What is the P-1?",
// "Who is Gen Nakatani?") is best answered where a document first
// mentions it: reports, like most documents, say what a thing is when
// they introduce it ("Kawaski's P-1 maritime patrol jet", "Defense
// Minister Gen Nakatani") and use the bare name afterwards.
var defineRequest = regexp.MustCompile(`^(?:what|who)(?:'s|’s| is| are| was| were|s) (?:the |a |an )?([\p{L}\p{N}+'’.-]+(?: [\p{L}\p{N}+'’.-]+){0,2})$`)

// defineTerms returns the terms of the thing a "what is X" question asks
// about, or nil for other questions.
func defineTerms(a Analyzer, q Question) []string {
	m := defineRequest.FindStringSubmatch(questionLine(q.Text))
	if m == nil {
		return nil
	}
	return contentTerms(a, m[1], q.Terms)
}

// contentTerms returns the terms of phrase that are among a question's
// content terms, in phrase order.
func contentTerms(a Analyzer, phrase string, terms []string) []string {
	content := newTermSet(terms)
	var out []string
	for _, t := range uniqueTerms(dropCompounds(a.Terms(phrase))) {
		if _, ok := content[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// holdsAll reports whether set has every term of ts by spelling.
func holdsAll(set termSet, ts []string) bool {
	for _, t := range ts {
		if !set.has(t) {
			return false
		}
	}
	return len(ts) > 0
}

// firstMentions returns, for each document, the lowest chunk ordinal
// among hits whose chunks spell every term of ts.
func firstMentions(hits []Hit, sets []termSet, ts []string) map[string]int {
	first := map[string]int{}
	if len(ts) == 0 {
		return first
	}
	for i, h := range hits {
		if !holdsAll(sets[i], ts) {
			continue
		}
		if o, ok := first[h.Chunk.DocumentID]; !ok || h.Chunk.Ordinal < o {
			first[h.Chunk.DocumentID] = h.Chunk.Ordinal
		}
	}
	return first
}
