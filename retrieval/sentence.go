package retrieval

import "strings"

// sentenceWords is what the core reads off a sentence (or a passage)
// whatever the question: its words (see words), each lower-cased, whether
// it reports something (see reportsSomething), the relative date phrases
// it holds (relativeDates, in their order) and its text lower-cased with
// the spelling folded (see foldSpelling), for withHolders. It is shared
// and must not be changed.
type sentenceWords struct {
	words, lower []string
	reports      bool
	relDates     []string
	folded       string
}

// maxSentences bounds the cache of read sentences; beyond it sentences
// are read every time.
const maxSentences = 1 << 14

// sentenceCache memoises readSentence: a store serves the same passages
// to question after question, and splitting their sentences into words
// again for each question's tests was a tenth of a search.
var sentenceCache = memo[string, sentenceWords]{max: maxSentences}

// readSentence returns text's words and what they say (sentenceWords).
func readSentence(text string) sentenceWords {
	return sentenceCache.get(text, func() sentenceWords {
		ws := words(text)
		sw := sentenceWords{words: ws, lower: make([]string, len(ws))}
		for i, w := range ws {
			sw.lower[i] = strings.ToLower(w)
			sw.reports = sw.reports || reportWords[sw.lower[i]]
		}
		low := strings.ToLower(text)
		for _, p := range relativeDates {
			if strings.Contains(low, p) {
				sw.relDates = append(sw.relDates, p)
			}
		}
		sw.folded = foldSpelling(low)
		return sw
	})
}
