package retrieval

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Some questions are about a report rather than about what it reports:
// "Who wrote the Tokyo report?", "which outlet published these
// reports?", "what's the date on the 2+2 report". No passage answers
// them by their words (the byline is in the front matter, not the text),
// so, like an overview, they are answered from the stored Document
// metadata, each document cited by its opening passage (see opening).
//
// Recognition is deliberately narrow: a question that merely mentions
// reporting ("When did Japanese media report on …?", "what did the report
// say about cyber") is about the content and goes through retrieval.

// metaField is the piece of metadata a question asks for.
type metaField int

const (
	metaNone metaField = iota
	metaAuthor
	metaOutlet
	metaDate
)

// docNoun names a document in a metadata question.
const docNoun = `(?:reports?|articles?|stor(?:y|ies)|pieces?|documents?|docs?|texts?|sources?|these|those|both|them|ones?)`

// metaPatterns match the normalized question line (lower case, no
// trailing punctuation, "’" as "'"); each also needs a docNoun.
var metaPatterns = []struct {
	field metaField
	re    *regexp.Regexp
}{
	{metaAuthor, regexp.MustCompile(`\bwho(?:'s| is| was)? (?:wrote|authored|penned|filed)\b|\bwho(?:'s| is| was| are| were) (?:the )?(?:authors?|writers?|reporters?|journalists?|correspondents?|bylines?)\b|\b(?:authors?|writers?|bylines?|reporters?|journalists?|correspondents?) (?:of|on|for|behind)\b|\bwhose (?:byline|reports?|articles?|stor(?:y|ies)|pieces?)\b|'s (?:authors?|writers?|byline)\b|\bwhat(?:'s| is) the byline\b`)},
	{metaOutlet, regexp.MustCompile(`\b(?:which|what) (?:news )?(?:outlets?|publications?|newspapers?|papers?|sources?|publishers?|magazines?|sites?|media) (?:published|ran|carried|put out|printed|(?:is|are|was|were) (?:\S+ ){0,4}(?:from|in|by))\b|\bwho (?:published|ran|carried|printed)\b|\b(?:outlets?|publications?|publishers?|newspapers?) (?:of|for|behind)\b|\bwhat(?:'s| is| are| was) the (?:outlets?|publications?|publishers?|newspapers?)\b|'s (?:outlet|publisher|publication)\b|^where (?:are|is|was|were|do|does|did) (?:\S+ ){0,3}` + docNoun + `(?: (?:come|originally|published))? from$`)},
	{metaDate, regexp.MustCompile(`^when (?:was|were|is|are|did) (?:\S+ ){0,4}` + docNoun + ` (?:first )?(?:published|written|dated|released|posted|filed|put out|come out|came out|run|printed)$|\b(?:what|which)(?:'s| is| was| are) the (?:publication )?dates? (?:on|of|for)\b|\bwhat dates? (?:is|was|are|were) (?:\S+ ){0,4}` + docNoun + `(?: (?:published|written|dated|released|from))?$|\b(?:what|which)(?:'s| is| was) (?:\S+ ){0,3}` + docNoun + `'s (?:publication )?date\b|\bhow old (?:is|are) (?:\S+ ){0,3}` + docNoun + `$`)},
}

var docNounRE = regexp.MustCompile(`\b` + docNoun + `\b`)

// metaQuestion returns the field a question asks for about the
// documents themselves, and the question's words after the pattern (to
// tell which document), or metaNone.
func metaQuestion(question string) (metaField, string) {
	line := strings.ReplaceAll(questionLine(stripNoise(question)), "’", "'")
	line = strings.ReplaceAll(line, "whos ", "who's ")
	if !docNounRE.MatchString(line) {
		return metaNone, ""
	}
	for _, p := range metaPatterns {
		if p.re.MatchString(line) {
			return p.field, line
		}
	}
	return metaNone, ""
}

// metaStop are words of a metadata question that name no document.
var metaStop = wordsOf(`a an the this that these those both all two each every one ones of on in at to by for from
		about with and or behind is are was were be been do does did who who's whom whose what what's which when where how old
		wrote written write authored author authors writer writers penned filed reported reporter reporters journalist journalists
		correspondent correspondents byline bylines published publish ran run carried printed put out come came originally first
		released posted dated date dates publication publications outlet outlets newspaper newspapers paper papers source sources
		publisher publishers magazine magazines site sites media news report reports article articles story stories piece pieces
		document documents doc docs text texts them it its s me tell please pls can you know i we us our your say said`)

// wordsOf returns the set of the space-separated words of list.
func wordsOf(list string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(list) {
		set[w] = true
	}
	return set
}

// metaTokens splits text into lower-case words, keeping "2+2" whole.
func metaTokens(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '+'
	})
}

// docWords are the words that identify d: its title's, its outlet's and
// author's, and its year and month (full and abbreviated).
func docWords(d Document) map[string]bool {
	words := map[string]bool{}
	for _, w := range metaTokens(d.Title + " " + d.Outlet + " " + d.Author) {
		words[w] = true
	}
	if spoken := spokenDate(d.Date); spoken != "" {
		// "8 January 2016": the day alone identifies too little.
		f := strings.Fields(strings.ToLower(spoken))
		words[f[1]], words[f[1][:3]], words[f[2]] = true, true, true
	}
	return words
}

// metaTargets picks the documents a metadata question is about: those
// matching the most of its identifying words, or all of them when it has
// none. ok is false when it has identifying words that match no
// document ("who wrote the Paris report"): it is then answered like any
// other question.
func metaTargets(words string, docs []Document) ([]Document, bool) {
	var ids []string
	for _, w := range metaTokens(words) {
		if !metaStop[w] {
			ids = append(ids, w)
		}
	}
	if len(ids) == 0 {
		return docs, true
	}
	best, out := 0, []Document(nil)
	for _, d := range docs {
		dw, n := docWords(d), 0
		for _, w := range ids {
			if dw[w] {
				n++
			}
		}
		switch {
		case n > best:
			best, out = n, []Document{d}
		case n == best && n > 0:
			out = append(out, d)
		}
	}
	return out, best > 0
}

// metaCatalog is how many documents a metadata question is matched
// against; metaShown how many an answer names (as for an overview).
const (
	metaCatalog = 200
	metaShown   = overviewShown
)

// metadata answers a question about the documents' author, outlet or
// date from the store's catalog, each named document cited by its
// opening passage. When none of the documents asked about has the
// field, the answer abstains, saying so ("… does not name its author").
// ok is false when q is no metadata question, the store cannot list its
// documents, or the question names no stored document.
func (s *Service) metadata(ctx context.Context, asked, q string) (Answer, bool) {
	field, words := metaQuestion(q)
	c, isCatalog := s.Store.(Catalog)
	if field == metaNone || !isCatalog {
		return Answer{}, false
	}
	docs, _, err := c.Catalog(ctx, metaCatalog)
	if err != nil {
		s.logger().WarnContext(ctx, "catalog for a metadata question failed", "err", fmt.Errorf("metadata: %w", err))
		return Answer{}, false
	}
	targets, ok := metaTargets(words, docs)
	if !ok || len(targets) == 0 {
		return Answer{}, false
	}
	ans := Answer{Question: asked, Citations: []Citation{}}
	var parts, missing []string
	for _, d := range targets[:min(len(targets), metaShown)] {
		fact, known := metaSentence(field, d)
		if !known {
			missing = append(missing, fact+".")
		}
		sn, found := s.opening(ctx, d)
		if !found {
			parts = append(parts, fact+".")
			continue
		}
		n := len(ans.Citations) + 1
		ans.Citations = append(ans.Citations, CitationOf(n, sn))
		parts = append(parts, fmt.Sprintf("%s. [%d]", fact, n))
	}
	if len(missing) == len(parts) {
		// No document asked about has it: the sources do not say.
		a := Abstained(asked)
		a.Text = strings.Join(missing, " ")
		return a, true
	}
	ans.Text = strings.Join(parts, " ")
	if more := len(targets) - metaShown; more > 0 {
		ans.Text += fmt.Sprintf(" (%d more documents.)", more)
	}
	return ans, true
}

// metaSentence states field of d, without the final period: `"T"
// (Defense News, 8 January 2016) was written by Andrew Chuter`. known is
// false when d does not record the field, and the sentence says so.
func metaSentence(field metaField, d Document) (string, bool) {
	date := spokenDate(d.Date)
	if date == "" {
		date = strings.TrimSpace(d.Date)
	}
	outlet, author := strings.TrimSpace(d.Outlet), strings.TrimSpace(d.Author)
	var aside []string
	if outlet != "" && field != metaOutlet {
		aside = append(aside, outlet)
	}
	if date != "" && field != metaDate {
		aside = append(aside, date)
	}
	name := quoteTitle(d)
	if len(aside) > 0 {
		name += " (" + strings.Join(aside, ", ") + ")"
	}
	switch field {
	case metaAuthor:
		if author == "" {
			return name + " does not name its author", false
		}
		return name + " was written by " + author, true
	case metaOutlet:
		if outlet == "" {
			return name + " does not name its outlet", false
		}
		return name + " was published by " + outlet, true
	default:
		if date == "" {
			return name + " does not give its date", false
		}
		return name + " is dated " + date, true
	}
}
