package retrieval

import (
	"regexp"
	"strings"
)

// countRequest matches "how many X …" up to the verb: X is what is
// counted ("how many Meteor missiles will Japan buy").
var countRequest = regexp.MustCompile(`\bhow many ((?:[\p{L}\p{N}+'’-]+ ){0,3}?)(?:is|are|was|were|did|do|does|will|would|could|can|has|have|had|should|might|must|of|in|at|for|on|to|from|with)\b`)

// kindsOf matches "how many kinds of": what is counted follows it ("how
// many kinds of supplies").
var kindsOf = regexp.MustCompile(`\bhow many (?:kinds|types|sorts|different kinds|different types) of `)

// countedTerms returns the content terms of what a plain "how many"
// question counts, or nil for other questions and for a count of a kind
// of name ("how many countries …"), which a list of names answers.
func countedTerms(a Analyzer, q Question) []string {
	if q.Intent != IntentQuantity || q.Money || q.Magnitude || q.Duration {
		return nil
	}
	low := kindsOf.ReplaceAllString(questionLine(q.Text), "how many ")
	var phrase string
	if m := countRequest.FindStringSubmatch(low); m != nil {
		phrase = m[1]
	} else if i := strings.Index(low, "how many "); i >= 0 {
		if f := strings.Fields(low[i+len("how many "):]); len(f) > 0 {
			phrase = f[0]
		}
	}
	for _, w := range strings.Fields(phrase) {
		if timeUnits[w] {
			// "How many days before …" counts time, which two dates
			// answer as well as a number.
			return nil
		}
	}
	ts := contentTerms(a, phrase, q.Terms)
	for _, t := range ts {
		if nameKinds[t] {
			return nil
		}
	}
	return ts
}

// countReach is how many words from the counted thing a number may be:
// "several air forces", "the first phase of work", "12 months".
const countReach = 4

// countsNear reports whether text holds a number within countReach
// words of a word matching what q counts (Question.Counted). A sentence
// with a number elsewhere ("for the first time", "in the last 12
// months") gives some other count, not the one asked for: "How many
// Typhoons is the RAF sending?" is not answered by "tested a hydrogen
// bomb for the first time".
func (m *matcher) countsNear(q Question, a Analyzer, text string) bool {
	ws := words(text)
	for i, w := range ws {
		next := ""
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		if q.Words[strings.ToLower(w)] || !hasQuantity(w+" "+next) {
			continue
		}
		for j := max(0, i-countReach); j <= min(len(ws)-1, i+countReach); j++ {
			if j != i && m.matchesTerms(q.Counted, a, ws[j]) {
				return true
			}
		}
	}
	return false
}

// matchesTerms reports whether the word w credits one of ts in full or
// nearly, by spelling, alias or meaning.
func (m *matcher) matchesTerms(ts []string, a Analyzer, w string) bool {
	list := a.Terms(w)
	if len(list) == 0 {
		return false
	}
	set, soft := newTermSet(list), m.meaningful(list)
	for _, t := range ts {
		if m.credit(t, set, soft) >= focusCredit {
			return true
		}
	}
	return false
}

// listIntro are the words that open a list of examples after the thing
// they are examples of: "missions such as …", "items including …".
var listIntro = map[string]bool{"such": true, "including": true, "includes": true, "include": true, "like": true}

// listReach is how many words a list of examples may run before its
// "and" or "or": "evacuation, provision of airlift and peacekeeping".
const listReach = 8

// listsNear reports whether text names examples of what q counts: a
// word matching the counted thing, a list opener (listIntro) within
// countReach words after it, and the list's "and" or "or" within
// listReach words of the opener. Naming them counts them.
func (m *matcher) listsNear(q Question, a Analyzer, text string) bool {
	ws := words(text)
	for i, w := range ws {
		if !m.matchesTerms(q.Counted, a, w) {
			continue
		}
		for j := i + 1; j <= min(len(ws)-1, i+countReach); j++ {
			if !listIntro[strings.ToLower(ws[j])] {
				continue
			}
			for k := j + 2; k <= min(len(ws)-1, j+listReach); k++ {
				if lw := strings.ToLower(ws[k]); lw == "and" || lw == "or" {
					return true
				}
			}
		}
	}
	return false
}
