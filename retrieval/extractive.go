package retrieval

import (
	"context"
	"fmt"
	"strings"
)

// Extractive answers without a language model: the lead is the
// best-matching sentence of the strongest snippets, quoted verbatim with
// [n] markers, followed by the numbered citations.
type Extractive struct {
	// MaxCitations bounds the citations listed (default 3).
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
		max = 3
	}
	best := 0.0
	for _, s := range snips {
		if s.Coverage > best {
			best = s.Coverage
		}
	}
	// Cite the snippets, in rank order, that carry at least a quarter of
	// the best coverage; the top-ranked snippet always.
	var cited []Snippet
	for i, s := range snips {
		if len(cited) == max {
			break
		}
		if i == 0 || s.Coverage >= 0.25*best {
			cited = append(cited, s)
		}
	}
	// The lead: the highlight of the best-covering citation, then of the
	// next one that adds a different sentence of similar strength.
	first := 0
	for i, s := range cited {
		if s.Coverage > cited[first].Coverage {
			first = i
		}
	}
	var lead []string
	used := map[int]bool{}
	lead = append(lead, fmt.Sprintf("%s [%d]", cited[first].Highlight, first+1))
	used[first] = true
	for i, s := range cited {
		if used[i] || len(lead) == 2 {
			continue
		}
		if s.Coverage >= 0.75*cited[first].Coverage && s.Highlight != cited[first].Highlight {
			lead = append(lead, fmt.Sprintf("%s [%d]", s.Highlight, i+1))
			used[i] = true
		}
	}
	var also []string
	for i := range cited {
		if !used[i] {
			also = append(also, fmt.Sprintf("[%d]", i+1))
		}
	}
	text := strings.Join(lead, " ")
	if len(also) > 0 {
		text += " See also " + strings.Join(also, ", ") + "."
	}
	ans := Answer{Question: question, Text: text}
	for i, s := range cited {
		ans.Citations = append(ans.Citations, CitationOf(i+1, s))
	}
	return ans, nil
}

// CitationOf returns snippet s as citation number n.
func CitationOf(n int, s Snippet) Citation {
	return Citation{
		N:          n,
		DocumentID: s.DocumentID,
		Title:      s.Title,
		Date:       s.Date,
		Paragraph:  s.Paragraph,
		Text:       s.Text,
		Highlight:  s.Highlight,
		Score:      s.Score,
	}
}
