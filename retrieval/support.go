package retrieval

// Support is how well passages support claim: the weighted share of the
// claim's content terms that the passages contain, matched as the
// extractive answerer matches a question to a sentence (the same
// analyzer terms, the same fuzzy matching, the same rarity weights, here
// computed over the passages given, so a term none of them contains
// counts most). It is 1 for a claim with no content terms (it claims
// nothing) and 0 when there are no passages.
//
// It is a thin layer over the matching in highlight.go on purpose: any
// change there (better fuzzy matching, word vectors) changes what counts
// as support too.
func Support(a Analyzer, claim string, passages ...string) float64 {
	terms := uniqueTerms(a.Terms(claim))
	if len(terms) == 0 {
		return 1
	}
	if len(passages) == 0 {
		return 0
	}
	sets := make([]termSet, len(passages))
	all := termSet{}
	for i, p := range passages {
		sets[i] = newTermSet(a.Terms(p))
		for t := range sets[i] {
			all[t] = struct{}{}
		}
	}
	return coverage(terms, termWeights(terms, sets), all)
}
