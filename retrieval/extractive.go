package retrieval

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Extractive answers without a language model: the lead is the snippet
// sentence that best answers the question (it covers the question's terms
// and holds the kind of fact asked for), quoted verbatim with its [n]
// marker, then a second sentence from another source when one adds
// evidence, then the other citations.
type Extractive struct {
	// MaxCitations bounds the citations listed (default 5).
	MaxCitations int
}

var _ Answerer = Extractive{}

// Answer implements Answerer. It never fails; with no snippets it
// abstains.
func (e Extractive) Answer(ctx context.Context, question string, snips []Snippet) (Answer, error) {
	if len(snips) == 0 {
		return Abstained(question), nil
	}
	max := e.MaxCitations
	if max <= 0 {
		max = 5
	}
	lead := leadOf(snips)
	// Cite the lead first, then the people its group stands for (Named),
	// then, in rank order, the snippets that carry at least citeShare of
	// its coverage: each adds evidence.
	cited := []Snippet{snips[lead]}
	named := map[int]bool{} // indexes into cited referred to in the lead
	var who []string
	for _, p := range snips[lead].Named {
		if len(cited) == max {
			break
		}
		n := citedAt(cited, p.Source)
		if n < 0 {
			n = len(cited)
			cited = append(cited, p.Source)
		}
		named[n] = true
		who = append(who, fmt.Sprintf("%s [%d]", p.Phrase, n+1))
	}
	for i, s := range snips {
		if i != lead && len(cited) < max && s.Coverage >= citeShare*snips[lead].Coverage && s.Coverage > 0 && citedAt(cited, s) < 0 {
			cited = append(cited, s)
		}
	}
	group := ""
	if len(who) > 0 {
		group = snips[lead].Named[0].Group
	}
	parts := []string{leadContext(question, cited[0]) + withNames(cited[0].Highlight, group, who)}
	second := -1
	for i, s := range cited[1:] {
		// A second sentence when it is nearly as good and, preferably,
		// from the other source: a question spanning both reports is
		// answered from both.
		if named[i+1] || s.Highlight == cited[0].Highlight || s.LeadScore < 0.8*cited[0].LeadScore {
			continue
		}
		if second < 0 || (s.DocumentID != cited[0].DocumentID && cited[second].DocumentID == cited[0].DocumentID) {
			second = i + 1
		}
	}
	if second > 0 {
		parts = append(parts, fmt.Sprintf("%s [%d]", cited[second].Highlight, second+1))
	}
	var also []string
	for i := 1; i < len(cited); i++ {
		if i != second && !named[i] {
			also = append(also, fmt.Sprintf("[%d]", i+1))
		}
	}
	text := strings.Join(parts, " ")
	if len(also) > 0 {
		text += " See also " + strings.Join(also, ", ") + "."
	}
	ans := Answer{Question: question, Text: text}
	for i, s := range cited {
		ans.Citations = append(ans.Citations, CitationOf(i+1, s))
	}
	return ans, nil
}

// leadContext returns what the lead sentence needs before it to answer:
// for "which report mentions X", its report (reportRequest); for "when",
// its report's date (datedLead); for "where", its report's title when
// that names the place and the sentence does not ("… meeting …,
// London"). Other leads get nothing.
func leadContext(question string, s Snippet) string {
	if s.Title != "" && reportRequest.MatchString(questionLine(stripNoise(question))) {
		name := "“" + strings.TrimSpace(s.Title) + "”"
		if d := spokenDate(s.Date); d != "" {
			name += " (" + d + ")"
		}
		return "In " + name + ": "
	}
	if intentOf(question) == IntentWhere && !hasPlace(s.Highlight) && s.Title != "" && hasPlace(s.Title) {
		return "From “" + strings.TrimSpace(s.Title) + "”: "
	}
	return datedLead(question, s)
}

// reportRequest matches a question asking which report says something
// ("Which report mentions the Senkaku dispute?", "in which article is the
// P-8 decision"): the answer names the report its lead is from.
var reportRequest = regexp.MustCompile(`^(?:which|what) (?:one of the )?(?:reports?|articles?|pieces?|stor(?:y|ies)|docs?|documents?|sources?)\b|\b(?:in|from) (?:which|what) (?:reports?|articles?|pieces?|stor(?:y|ies)|docs?|documents?|sources?)\b`)

// datedLead returns the words put before a "when" question's lead
// sentence whose date is relative ("on Wednesday", "last year"): the
// date of the report it is from, so the answer's first sentence says
// when. Other leads get nothing.
func datedLead(question string, s Snippet) string {
	if intentOf(question) != IntentWhen || s.Date == "" || hasYearIn(s.Highlight) {
		return ""
	}
	d := spokenDate(s.Date)
	if d == "" {
		return ""
	}
	return "Reported on " + d + ": "
}

func hasYearIn(sentence string) bool {
	for _, w := range words(sentence) {
		if yearWord(w) {
			return true
		}
	}
	return false
}

// citeShare is the least share of the lead's coverage a snippet must
// have to be cited beside it.
const citeShare = 0.35

// CitationOf returns snippet s as citation number n.
func CitationOf(n int, s Snippet) Citation {
	return Citation{
		N:          n,
		DocumentID: s.DocumentID,
		Title:      s.Title,
		Date:       s.Date,
		Paragraph:  s.citedParagraph(),
		Page:       s.Page,
		URL:        s.URL,
		Text:       s.Text,
		Highlight:  s.Highlight,
		Score:      s.Score,
		Ordinal:    s.Ordinal,
	}
}

// citedParagraph is the paragraph a citation names: the one its quoted
// sentence is in.
func (s Snippet) citedParagraph() int {
	if s.HighlightParagraph >= s.Paragraph && s.HighlightParagraph > 0 {
		return s.HighlightParagraph
	}
	return s.Paragraph
}

// citedAt returns the index in cited of the passage s quotes, or -1.
func citedAt(cited []Snippet, s Snippet) int {
	for i, c := range cited {
		if c.DocumentID == s.DocumentID && c.Ordinal == s.Ordinal {
			return i
		}
	}
	return -1
}

// withNames returns the lead sentence with its [1] marker and, when it
// names a group whose people its document names elsewhere, those people,
// in the same sentence, each with its marker: "… senior UK ministers
// announced … on Jan. 8 [1]; the UK ministers were UK Defence Secretary
// Micheal Fallon [2] and British Foreign Secretary Philip Hammond [3]."
func withNames(highlight, group string, who []string) string {
	body, ok := strings.CutSuffix(highlight, ".")
	if len(who) == 0 || !ok {
		return highlight + " [1]"
	}
	list := who[0]
	if n := len(who); n > 1 {
		list = strings.Join(who[:n-1], ", ") + " and " + who[n-1]
	}
	verb := " were "
	if len(who) == 1 {
		verb = " included "
	}
	if !strings.Contains(group, "'s ") {
		group = "the " + group // "the UK ministers", not "the Japan's ministers"
	}
	return body + " [1]; " + group + verb + list + "."
}
