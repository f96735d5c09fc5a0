package retrieval

import (
	"regexp"
	"strings"
)

// A question can name the report it is about by its title's words or
// its date: "what's the cyber stuff in the london report", "who did
// Japan send to the London talks", "what did the 2015 joint statement
// kick off". The reader means that report, as a filter: passages of the
// other reports, however well they match the rest of the question
// (the Tokyo report also mentions London), are not what was asked for.

// scopeRef matches a reference to a report or to the event it reports,
// by up to four words before the noun: "the london report", "the 2015
// joint statement", "the tokyo trip", "the london foreign/defence
// ministers talks". The words are read against the titles;
// words no title has ("joint") are left out there.
var scopeRef = regexp.MustCompile(`\bthe ((?:[\w+/'’-]+ ){1,4})(reports?|articles?|story|piece|talks|meetings?|visit|trip|statement|summit|one)\b`)

// scopeTerms returns the analyzer terms of the words a question names a
// report or its event by (see scopeRef).
func scopeTerms(a Analyzer, low string) []string {
	var out []string
	for _, m := range scopeRef.FindAllStringSubmatchIndex(low, -1) {
		// The words after the last "the": "the time of the tokyo trip"
		// is "the tokyo trip", after "the time of".
		start, words := m[0], m[2]
		if i := strings.LastIndex(low[m[2]:m[3]], "the "); i >= 0 && (i == 0 || low[m[2]+i-1] == ' ') {
			start, words = m[2]+i, m[2]+i+len("the ")
		}
		if pointInTime.MatchString(low[:start]) {
			continue
		}
		for _, t := range a.Terms(low[words:m[3]]) {
			if !stopScope[t] {
				out = append(out, t)
			}
		}
	}
	return uniqueTerms(out)
}

// pointInTime matches the words before a reference that make it a
// point in time rather than the report asked about: "since the London
// meeting", "by the time of the Tokyo trip", "between the London and
// Tokyo meetings".
var pointInTime = regexp.MustCompile(`\b(since|after|before|until|till|following|time of|between|and|vs|versus|compared to|compared with|than)\s*$`)

// stopScope are words before a report noun that name no report: "the
// two reports", "the other one", "the same meeting".
var stopScope = map[string]bool{
	"two": true, "both": true, "other": true, "same": true, "first": true, "second": true, "last": true,
	"latest": true, "new": true, "newer": true, "older": true, "old": true, "earlier": true, "later": true,
}

// scope keeps the hits of the documents q names by its Scope terms (see
// scopeTerms): a document is named when its title or date has a Scope
// term some candidate document's title lacks. When no document, or
// every one, is named, hits are returned as they are.
func scope(q Question, a Analyzer, hits []Hit) []Hit {
	if len(q.Scope) == 0 {
		return hits
	}
	titles := map[string]termSet{}
	for _, h := range hits {
		if _, ok := titles[h.Chunk.DocumentID]; !ok {
			titles[h.Chunk.DocumentID] = analyze(a, h.Document.Title+" "+spokenDate(h.Document.Date)).set // as titleOf reads it
		}
	}
	named := map[string]bool{}
	for _, t := range q.Scope {
		var has []string
		for id, set := range titles {
			if _, ok := set[t]; ok {
				has = append(has, id)
			}
		}
		if len(has) < len(titles) {
			for _, id := range has {
				named[id] = true
			}
		}
	}
	if len(named) == 0 || len(named) == len(titles) {
		return hits
	}
	out := hits[:0:0]
	for _, h := range hits {
		if named[h.Chunk.DocumentID] {
			out = append(out, h)
		}
	}
	return out
}
