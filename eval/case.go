package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Case is one question of a golden set. An answerable case names the
// expected document and paragraph(s), or evidence phrases that a relevant
// passage contains (all of them, case-insensitively), or both; Also lists
// alternative passages that answer it just as well (a question spanning
// both reports), and a passage matching any of them is relevant. Answer
// lists short strings the answer's first sentence must contain, each
// offering alternatives separated by "|". An abstain case expects the bot
// to say the sources do not cover the question. Added dates a batch of
// questions added to the real-phrasing sets after the first split; each
// batch is split by the same rule among itself (eval/README.md).
type Case struct {
	Question   string   `json:"question"`
	Category   string   `json:"category,omitempty"`
	Document   string   `json:"document,omitempty"`
	Paragraph  int      `json:"paragraph,omitempty"`
	Paragraphs []int    `json:"paragraphs,omitempty"`
	Evidence   []string `json:"evidence,omitempty"`
	Also       []Ref    `json:"also,omitempty"`
	Answer     []string `json:"answer,omitempty"`
	Abstain    bool     `json:"abstain,omitempty"`
	Added      string   `json:"added,omitempty"`
}

// Ref is one passage that answers a case: a document, optionally narrowed
// to paragraphs and to passages containing every evidence phrase.
type Ref struct {
	Document   string   `json:"document"`
	Paragraphs []int    `json:"paragraphs,omitempty"`
	Evidence   []string `json:"evidence,omitempty"`
}

// Categories returns the category vocabulary of eval/README.md, in the
// order reports list them. A case's category is one of these or empty.
func Categories() []string {
	return []string{
		"synonym", "spelling", "acronym", "casual", "misspelling", "noise",
		"yes-no", "when", "who", "where", "how-many", "why", "what", "vague",
		"cross-report", "summary", "near-miss", "off-topic",
	}
}

// Load reads a JSONL golden set. Blank lines and lines starting with # are
// skipped. It reports the first malformed line by number.
func Load(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var c Case
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if c.Paragraph != 0 {
			c.Paragraphs = append(c.Paragraphs, c.Paragraph)
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read golden set: %w", err)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("golden set is empty")
	}
	return cases, nil
}

// validate checks one case's fields against each other.
func (c Case) validate() error {
	switch {
	case strings.TrimSpace(c.Question) == "":
		return fmt.Errorf("no question")
	case c.Category != "" && !slices.Contains(Categories(), c.Category):
		return fmt.Errorf("unknown category %q (want one of %s)", c.Category, strings.Join(Categories(), ", "))
	case !c.Abstain && c.Document == "" && len(c.Evidence) == 0:
		return fmt.Errorf("need document, evidence or abstain")
	case c.Abstain && (c.Document != "" || len(c.Evidence) > 0 || len(c.Also) > 0):
		return fmt.Errorf("an abstain case names no document, evidence or alternative")
	case c.Abstain && len(c.Answer) > 0:
		return fmt.Errorf("an abstain case has no answer strings")
	}
	for i, a := range c.Answer {
		for _, alt := range strings.Split(a, "|") {
			if strings.TrimSpace(alt) == "" {
				return fmt.Errorf("answer %d (%q) has an empty alternative", i+1, a)
			}
		}
	}
	for i, r := range c.Also {
		if r.Document == "" {
			return fmt.Errorf("also %d names no document", i+1)
		}
	}
	return nil
}

// Relevant reports whether a passage (document, paragraph range and text)
// answers c: it matches the case's own document, paragraphs and evidence,
// or one of its Also alternatives.
func (c Case) Relevant(doc string, paraStart, paraEnd int, text string) bool {
	if c.Abstain {
		return false
	}
	own := Ref{Document: c.Document, Paragraphs: c.Paragraphs, Evidence: c.Evidence}
	if own.matches(doc, paraStart, paraEnd, text) {
		return true
	}
	for _, r := range c.Also {
		if r.matches(doc, paraStart, paraEnd, text) {
			return true
		}
	}
	return false
}

// matches reports whether a passage is in r's document (when named),
// overlaps one of r's paragraphs (when listed) and holds every evidence
// phrase. Text is compared case-insensitively with white space folded, so
// a non-breaking space in a source matches a plain one in the phrase.
func (r Ref) matches(doc string, paraStart, paraEnd int, text string) bool {
	if r.Document != "" && doc != r.Document {
		return false
	}
	if len(r.Paragraphs) > 0 && !slices.ContainsFunc(r.Paragraphs, func(p int) bool { return p >= paraStart && p <= paraEnd }) {
		return false
	}
	folded := Normalize(text)
	for _, e := range r.Evidence {
		if !strings.Contains(folded, Normalize(e)) {
			return false
		}
	}
	return true
}
