package retrieval

import "context"

// MaxQuestionLen is the longest question accepted, in bytes.
const MaxQuestionLen = 2000

// Snippet is a cited passage returned by Search: a chunk with its
// document's metadata and the sentence that best matches the query.
type Snippet struct {
	DocumentID string  `json:"document"`
	Title      string  `json:"title"`
	Date       string  `json:"date"`
	Outlet     string  `json:"outlet,omitempty"`
	Author     string  `json:"author,omitempty"`
	Paragraph  int     `json:"paragraph"`          // first paragraph number (1-based)
	ParaEnd    int     `json:"paragraph_end"`      // last paragraph number
	Page       int     `json:"page,omitempty"`     // page the passage starts on (PDF), or 0
	URL        string  `json:"url,omitempty"`      // the web page the document was fetched from
	Ordinal    int     `json:"ordinal"`            // chunk ordinal in the document
	Start      int     `json:"start"`              // byte offset into the document text
	End        int     `json:"end"`                // byte offset into the document text
	Text       string  `json:"text"`               // verbatim passage
	Highlight  string  `json:"highlight"`          // best-matching sentence, verbatim substring of Text
	Score      float64 `json:"score"`              // fused score
	Cosine     float64 `json:"cosine"`             // dense similarity
	Coverage   float64 `json:"coverage,omitempty"` // weighted share of query terms the passage contains
	// Evidence is Coverage counting the document title's terms too; the
	// abstention rule reads it.
	Evidence float64 `json:"-"`
	// HighlightParagraph is the number of the paragraph Highlight is in.
	HighlightParagraph int `json:"highlight_paragraph"`
	// Fact reports whether Highlight holds the kind of fact the question
	// asks for (a date for "when", a number for "how many").
	Fact bool `json:"-"`
	// Gap is the largest weighted share of the question that this
	// snippet (read under its title) leaves uncovered in one term.
	Gap     float64 `json:"-"`
	Weakest float64 `json:"-"`
	// Missing counts the question's terms of some weight that this
	// snippet does not cover.
	Missing int `json:"-"`
	// Focus reports whether this snippet (read under its title) covers
	// what the question asks for (Question.Focus).
	Focus bool `json:"-"`
	// LeadScore ranks the snippets' highlights as the answer's lead: the
	// lead model's probability that Highlight answers the question.
	LeadScore float64 `json:"-"`
	// Leads are the sentences Highlight was chosen from, with the lead
	// model's features (eval fits the model on them).
	Leads []LeadCandidate `json:"-"`
	// Named are the people a group in Highlight stands for ("senior UK
	// ministers"), as the document names them elsewhere; set on the lead
	// snippet of a "who" question by Ask (see Named).
	Named []Named `json:"-"`
}

// Citation is a numbered source of an Answer. Its JSON is the contract of
// `coopbot ask --json`, the web API and every chat surface.
type Citation struct {
	N          int    `json:"n"`
	DocumentID string `json:"document"`
	Title      string `json:"title"`
	Date       string `json:"date"`
	Paragraph  int    `json:"paragraph"`
	// Page is the page of a paged document (PDF) the passage is on, or 0.
	Page int `json:"page,omitempty"`
	// URL is the web page the document was fetched from, for the reader
	// to open; "" for a file.
	URL       string  `json:"url,omitempty"`
	Text      string  `json:"text"`
	Highlight string  `json:"highlight"`
	Score     float64 `json:"score"`
	// Ordinal is the cited chunk's ordinal in its document, recorded in
	// the answer log; it is not part of the JSON contract.
	Ordinal int `json:"-"`
}

// Answer is the reply to a question.
type Answer struct {
	Question string `json:"question"`
	// Text is the answer with [n] markers referring to Citations.
	Text      string     `json:"answer"`
	Abstained bool       `json:"abstained"`
	Citations []Citation `json:"citations"`
	// Standalone is the question as retrieval searched for it (a
	// follow-up after rewriting), and Answerer what wrote the answer
	// ("extractive", a model's name, or AnswererRule for a refusal by
	// the abstention rule). Both are for the answer log, not the JSON.
	Standalone string `json:"-"`
	Answerer   string `json:"-"`
}

// Answerer names recorded in Answer.Answerer.
const (
	AnswererExtractive = "extractive"
	AnswererRule       = "abstain-rule" // refused before any answerer ran
	AnswererOverview   = "overview"     // the documents' openings (Service.overview)
	AnswererMetadata   = "metadata"     // a document's author, outlet or date (Service.metadata)
	AnswererRole       = "role"         // who holds a titled role, or a refusal when the reports name no holder (Service.roleHolder)
)

// Answerer writes an Answer from the snippets retrieved for a question.
type Answerer interface {
	// Answer must cite only the given snippets, numbering citations from 1
	// in order of first use, and set Abstained (with no citations) when
	// the snippets do not answer the question. Errors: EUNAVAILABLE when
	// a remote model fails (callers may fall back to extraction).
	Answer(ctx context.Context, question string, snippets []Snippet) (Answer, error)
}

// Turn is one earlier exchange in a chat thread.
type Turn struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Rewriter turns a follow-up question into a standalone one, using the
// earlier turns of the thread (oldest first).
type Rewriter interface {
	Rewrite(ctx context.Context, history []Turn, question string) (string, error)
}
