package retrieval

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// A newcomer's first question is often about the sources themselves:
// "what are these reports about?", "what do you know?", "tl;dr". No
// passage answers that by its words; the answer is the documents
// themselves, each by its title, date and opening sentence, which in a
// report (and in most documents) says what it is about.

// overviewRequest matches questions about the sources as a whole, and
// about the bot itself ("what can you do?", "what's this bot for?", the
// bot's name gone with the chat noise): what it can answer is what its
// sources say.
var overviewRequest = regexp.MustCompile(`^(?:(?:so |ok |okay )?(?:what|which) (?:are|is|were) (?:these|the|those|your|all the|this) (?:reports?|documents?|docs?|sources?|articles?|files?|stories|story|texts?)(?: (?:about|on|covering))?|what (?:do|can) you (?:know|cover|answer|tell me|do|help (?:me )?with)(?: about)?|what(?:'s|’s| is) this(?: for| about)?|what (?:does|can) this do|what are you(?: for)?|how many (?:reports|documents|docs|sources|articles|stories|files|pieces)(?: (?:are there|do you have|have you got|are in (?:the|your) (?:index|sources)|in total|altogether))?|(?:what(?:'s|’s| is) )?the (?:big|whole|overall) picture(?: here)?|what (?:topics|subjects|things) (?:do|can) you (?:cover|know|answer)|what (?:is|are) (?:in )?(?:your|the) (?:sources|documents|docs|knowledge base|index)|(?:give me |i want )?(?:an? )?(?:overview|summary|gist|tl;? ?dr)(?: of)?(?: (?:everything|it all|all of it|the reports|the documents|the sources|these reports|all))?|summari[sz]e (?:everything|it all|all of it|the reports|the documents|the sources|these reports)|tl;? ?dr)$`)

// sourceNouns are the words for the sources themselves.
var sourceNouns = strings.Fields(`report reports article articles piece pieces source sources doc docs
	document documents story stories writeup writeups text texts file files`)

// sourcesWord matches a word for the sources (sourceNouns, and "write-up"
// hyphenated, whose analyzer terms would be "write" and "up").
var sourcesWord = regexp.MustCompile(`\b(` + alternation(sourceNouns) + `|write-ups?)\b`)

// isOverview reports whether question (q as a reads it) asks about the
// sources as a whole: in so many words (overviewRequest), as a summary
// of no topic ("what are the main takeaways?"), or by naming the sources
// and no topic ("one line each on what the two articles are about?",
// "what do both reports cover", "tldr of both articles"; framing words
// aside).
func isOverview(a Analyzer, question string, q Question) bool {
	line := questionLine(stripNoise(question))
	if overviewRequest.MatchString(line) {
		return true
	}
	if q.Intent == IntentSummary && !slices.ContainsFunc(q.Terms, func(t string) bool { return !framingTerms[t] }) {
		return true
	}
	if !sourcesWord.MatchString(line) {
		return false
	}
	if q.Intent != IntentWhat && q.Intent != IntentSummary {
		return false // "who wrote the reports?", "the date on the reports"
	}
	sources := sourceTermsFor(a)
	for _, t := range q.Terms {
		if !countWords[t] && !sources[t] && !framingTerms[t] {
			return false
		}
	}
	return true
}

var sourceCache sync.Map // Analyzer → map[string]bool

// sourceTermsFor returns the analyzer terms of the words for the sources
// and of the words a question about all of them uses besides ("both",
// "each", "cover").
func sourceTermsFor(a Analyzer) map[string]bool {
	return perAnalyzer(&sourceCache, a, func() map[string]bool {
		return termsOf(a, wordsOf(strings.Join(sourceNouns, " ")+" both each all cover covers covered covering"), nil)
	})
}

// overviewShown is how many documents an overview answer opens.
const overviewShown = 3

// overview answers a question about the sources as a whole from the
// store's catalog: each of the newest documents by title and date with
// its opening sentence, cited. ok is false when the store cannot list
// its documents or holds none; the question is then answered like any
// other.
func (s *Service) overview(ctx context.Context, asked string) (Answer, bool) {
	c, isCatalog := s.Store.(Catalog)
	if !isCatalog {
		return Answer{}, false
	}
	docs, total, err := c.Catalog(ctx, overviewShown)
	if err != nil || total == 0 {
		return Answer{}, false
	}
	var parts []string
	ans := Answer{Question: asked}
	for _, d := range docs {
		sn, ok := s.opening(ctx, d)
		if !ok {
			continue
		}
		n := len(ans.Citations) + 1
		ans.Citations = append(ans.Citations, CitationOf(n, sn))
		name := quoteTitle(d)
		if date := spokenDate(d.Date); date != "" {
			name += " (" + date + ")"
		}
		parts = append(parts, fmt.Sprintf("%s: %s [%d]", name, sn.Highlight, n))
	}
	if len(parts) == 0 {
		return Answer{}, false
	}
	// The first document's opening comes first: it is what the answer
	// says; the count follows, unless the count is what was asked.
	ans.Text = strings.Join(parts, " ")
	if sourcesCountRequest.MatchString(questionLine(stripNoise(asked))) {
		ans.Text = documentCount(total, len(parts)) + ans.Text
	} else if total > len(parts) {
		ans.Text += fmt.Sprintf(" (%d more documents; ask about any topic.)", total-len(parts))
	}
	return ans, true
}

// sourcesCountRequest matches an overview question that asks how many
// documents there are ("how many reports are there?").
var sourcesCountRequest = regexp.MustCompile(`^how many `)

// documentCount says how many documents the store holds (n), before the
// shown it names.
func documentCount(n, shown int) string {
	switch {
	case n == 1:
		return "The sources are 1 document: "
	case shown < n:
		return fmt.Sprintf("The sources are %d documents; the newest %d: ", n, shown)
	}
	return fmt.Sprintf("The sources are %d documents: ", n)
}

// opening returns the first passage of document d that the store finds
// by its title, its first sentence as the highlight.
func (s *Service) opening(ctx context.Context, d Document) (Snippet, bool) {
	hits, err := s.Store.Search(ctx, Query{Text: d.Title, K: DefaultCandidates, Candidates: DefaultCandidates})
	if err != nil {
		s.logger().WarnContext(ctx, "overview search failed", "document", d.ID, "err", err)
		return Snippet{}, false
	}
	best := -1
	for i, h := range hits {
		if h.Chunk.DocumentID == d.ID && (best < 0 || h.Chunk.Ordinal < hits[best].Chunk.Ordinal) {
			best = i
		}
	}
	if best < 0 {
		return Snippet{}, false
	}
	var first Span // none: the whole passage
	if len(hits[best].Chunk.Sentences) > 0 {
		first = hits[best].Chunk.Sentences[0]
	}
	return sentenceSnippet(hits[best], first), true
}

// quoteTitle names d by its title in quotes, or by its id when it has
// none.
func quoteTitle(d Document) string {
	if strings.TrimSpace(d.Title) == "" {
		return d.ID
	}
	return "“" + strings.TrimSpace(d.Title) + "”"
}
