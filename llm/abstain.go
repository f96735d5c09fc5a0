package llm

import (
	"strings"

	"github.com/coopbot/coopbot/prompts"
)

// notAnsweredPhrases are the ways models say the sources do not answer,
// lower-cased, with straight apostrophes.
var notAnsweredPhrases = []string{
	"sources do not answer", "sources don't answer", "sources did not answer",
	"sources do not contain", "sources don't contain",
	"sources do not mention", "sources don't mention",
	"sources do not say", "sources don't say",
	"sources do not provide", "sources don't provide",
	"sources do not include", "sources don't include",
	"sources do not cover", "sources don't cover",
	"sources do not specify", "sources don't specify",
	"sources do not state", "sources don't state",
	"sources do not address", "sources don't address",
	"not in the sources", "not in the provided sources", "not mentioned in the sources",
	"not covered by the sources", "not found in the sources", "not answered by the sources",
	"none of the sources", "no source ", "no information",
	"cannot answer", "can't answer", "cannot be answered", "unable to answer",
	"i don't know", "i do not know", "not enough information", "insufficient information",
}

// SaysNotAnswered reports whether reply says that the sources do not
// answer the question: its first sentence carries no citation marker and
// contains one of the usual phrasings ("The sources do not answer this
// question.", "This is not in the sources", "I cannot answer …"). A reply
// that answers first and only later notes a gap ("… [1]. The sources do
// not say when.") is not an abstention.
func SaysNotAnswered(reply string) bool {
	first := firstSentence(strings.TrimSpace(reply))
	if len(ParseMarkers(first)) > 0 {
		return false
	}
	s := normalize(first)
	if s == normalize(prompts.NotAnswered) {
		return true
	}
	for _, p := range notAnsweredPhrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// firstSentence returns s up to and including the first sentence end
// (". ", "! ", "? " or a newline), or all of s.
func firstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			return s[:i]
		case '.', '!', '?':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n' {
				// Keep markers that follow the full stop: "… ends. [1]".
				return s[:i+1] + leadingMarkers(s[i+1:])
			}
		}
	}
	return s
}

// leadingMarkers returns the markers (and spaces) at the start of s.
func leadingMarkers(s string) string {
	end := 0
	for _, m := range ParseMarkers(s) {
		if strings.TrimSpace(s[end:m.Start]) != "" {
			break
		}
		end = m.End
	}
	return s[:end]
}

// normalize lower-cases s, straightens apostrophes and collapses spaces.
func normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "`", "'").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
