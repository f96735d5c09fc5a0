package bot

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// Reply is an Answer in platform-neutral parts, ready for an adapter to
// lay out. It is the single place that decides what a chat reply says.
type Reply struct {
	Question  string
	Text      string // the answer with [n] markers
	Abstained bool
	Citations []Cite
}

// Cite is one numbered source of a Reply.
type Cite struct {
	N          int
	DocumentID string
	Title      string
	Date       string // YYYY-MM-DD or ""
	Paragraph  int
	Page       int    // page of a PDF, or 0
	URL        string // the web page the document came from, or ""
	Quote      string // the best-matching sentence, or the passage
}

// NoAnswer is the reply text when the core abstained without text.
const NoAnswer = "I couldn't find that in the news reports I have."

// FromAnswer turns a into a Reply. Quotes are the citation's highlight
// (falling back to its passage), with whitespace collapsed.
func FromAnswer(a retrieval.Answer) Reply {
	r := Reply{Question: a.Question, Text: strings.TrimSpace(a.Text), Abstained: a.Abstained}
	if r.Text == "" {
		r.Text = NoAnswer
	}
	for _, c := range a.Citations {
		q := c.Highlight
		if strings.TrimSpace(q) == "" {
			q = c.Text
		}
		r.Citations = append(r.Citations, Cite{
			N: c.N, DocumentID: c.DocumentID, Title: oneLine(c.Title), Date: c.Date,
			Paragraph: c.Paragraph, Page: c.Page, URL: c.URL, Quote: oneLine(q),
		})
	}
	return r
}

// Label returns the citation's heading, e.g. "[1] UK and Japan agree … ".
func (c Cite) Label() string {
	t := c.Title
	if t == "" {
		t = c.DocumentID
	}
	return fmt.Sprintf("[%d] %s", c.N, t)
}

// Where returns the citation's date, page (of a PDF) and paragraph, e.g.
// "2016-01-08 · ¶3" or "2024-03-05 · p. 3 · ¶12", then the web page the
// document came from.
func (c Cite) Where() string {
	var parts []string
	if c.Date != "" {
		parts = append(parts, c.Date)
	}
	if c.Page > 0 {
		parts = append(parts, fmt.Sprintf("p. %d", c.Page))
	}
	if c.Paragraph > 0 {
		parts = append(parts, fmt.Sprintf("¶%d", c.Paragraph))
	}
	if c.URL != "" {
		parts = append(parts, c.URL)
	}
	return strings.Join(parts, " · ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Len is the length of s in characters (code points), the unit chat
// platforms count limits in.
func Len(s string) int { return utf8.RuneCountInString(s) }

// Shorten returns s if it has at most max characters; otherwise it cuts s
// at a word boundary and appends "…" so that the result has at most max
// characters. A max below 1 yields "".
func Shorten(s string, max int) string {
	if Len(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	runes := []rune(s)
	cut := runes[:max-1]
	// Back off to the last space if it is not too far away.
	for i := len(cut) - 1; i > 0 && i >= len(cut)*2/3; i-- {
		if unicode.IsSpace(cut[i]) {
			cut = cut[:i]
			break
		}
	}
	out := strings.TrimRightFunc(string(cut), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == ':' || r == '-' || r == '('
	})
	return out + "…"
}

// Split cuts s into pieces of at most max characters, at paragraph, line or
// word boundaries when possible, losing nothing but the whitespace at the
// cuts.
func Split(s string, max int) []string {
	var out []string
	for Len(s) > max {
		runes := []rune(s)
		head := string(runes[:max])
		cut := -1
		for _, sep := range []string{"\n\n", "\n", ". ", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				cut = i + len(sep)
				break
			}
		}
		if cut < 0 {
			cut = len(head)
		}
		if p := strings.TrimSpace(s[:cut]); p != "" {
			out = append(out, p)
		}
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	if s = strings.TrimSpace(s); s != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}
