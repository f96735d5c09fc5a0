package llm

import (
	"strings"
	"unicode/utf8"

	"github.com/coopbot/coopbot/prompts"
	"github.com/coopbot/coopbot/retrieval"
)

// Prompt bounds: at most DefaultMaxSources sources whose text and headers
// together fit DefaultTokenBudget estimated tokens.
const (
	DefaultMaxSources  = 5
	DefaultTokenBudget = 2500
	// sourceOverhead is the estimated token cost of a source's tag line
	// (number, date, paragraph, tag names) besides its title and text.
	sourceOverhead = 24
)

// EstimateTokens estimates the number of model tokens in s: about one per
// four bytes of English text, and at least one per word.
func EstimateTokens(s string) int {
	byBytes := (len(s) + 3) / 4
	if words := len(strings.Fields(s)); words > byBytes {
		return words
	}
	return byBytes
}

// Sources turns the best snippets into numbered prompt sources: at most
// maxSources of them, in order, whose estimated tokens (text, title and
// header) sum to at most budget. The first snippet is always included,
// its text cut at a word boundary if it alone exceeds the budget. It
// returns the sources and the snippets they came from (same order).
func Sources(snippets []retrieval.Snippet, maxSources, budget int) ([]prompts.Source, []retrieval.Snippet) {
	if maxSources <= 0 {
		maxSources = DefaultMaxSources
	}
	if budget <= 0 {
		budget = DefaultTokenBudget
	}
	var (
		srcs []prompts.Source
		used []retrieval.Snippet
		sum  int
	)
	for _, s := range snippets {
		if len(srcs) == maxSources {
			break
		}
		head := sourceOverhead + EstimateTokens(s.Title)
		cost := head + EstimateTokens(s.Text)
		text := s.Text
		if sum+cost > budget {
			if len(srcs) > 0 {
				break
			}
			text = truncate(s.Text, max(budget-head, 16)*4)
			cost = head + EstimateTokens(text)
		}
		sum += cost
		srcs = append(srcs, prompts.Source{N: len(srcs) + 1, Title: s.Title, Date: s.Date, Paragraph: s.Paragraph, Text: text})
		used = append(used, s)
	}
	return srcs, used
}

// truncate cuts s to at most n bytes at a word boundary (valid UTF-8),
// marking the cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if i := strings.LastIndexAny(s[:cut], " \n\t"); i > n/2 {
		cut = i
	}
	return strings.TrimSpace(s[:cut]) + " …"
}
