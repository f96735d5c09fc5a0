package retrieval

import "math"

// Support is how well passages support claim: the weighted share of the
// claim's terms (ClaimTerms) that the passages cover, matched as the core
// matches a question to a passage (spelling, aliases and, with lex,
// meaning; proper names by spelling only), with rarity weights
// computed over the passages given, so a term none of them covers counts
// most. It is 1 for a claim with no content terms (it claims nothing)
// and 0 when there are no passages. lex may be nil (spelling and aliases
// only).
//
// It is a thin layer over the core's matcher on purpose: a change there
// changes what counts as support too. Two things differ, because a claim
// is not a question: a term no passage covers is not discounted as
// filler, and a merely related meaning earns nothing (see supportCredit).
func Support(a Analyzer, lex Lexicon, claim string, passages ...string) float64 {
	if len(a.Terms(claim)) == 0 {
		return 1
	}
	if len(passages) == 0 {
		return 0
	}
	terms, names := claimTerms(a, claim)
	ps := passageTerms(a, passages)
	all := union(ps)
	m := newMatcher(a, lex, Question{Terms: terms, Names: names})
	w := supportWeights(m, terms, ps)
	var have, total float64
	for _, t := range terms {
		total += w[t]
		have += w[t] * supportCredit(m, t, all)
	}
	if total == 0 {
		return 0
	}
	return have / total
}

// Unsupported returns the claim's topic terms that none of passages
// covers (as Support counts them), in order: what a claim says that its
// sources do not ("cancel", "recal").
func Unsupported(a Analyzer, lex Lexicon, claim string, passages ...string) []string {
	terms, names := claimTerms(a, claim)
	all := union(passageTerms(a, passages))
	m := newMatcher(a, lex, Question{Terms: terms, Names: names})
	var out []string
	for _, t := range terms {
		if supportCredit(m, t, all) == 0 {
			out = append(out, t)
		}
	}
	return out
}

// ClaimTerms returns the terms of claim that Support checks: its analyzer
// terms, unique, hyphenated words counted once ("UK-Japan" → "uk",
// "japan"). Unlike a question's, no framing word is dropped: in a claim
// "details" is content.
func ClaimTerms(a Analyzer, claim string) []string {
	terms, _ := claimTerms(a, claim)
	return terms
}

// claimTerms returns ClaimTerms and the terms written as proper names,
// which match only by spelling ("Germany" never stands for "Britain").
func claimTerms(a Analyzer, claim string) ([]string, map[string]bool) {
	names := map[string]bool{}
	for _, w := range properNames(claim) {
		for _, t := range dropCompounds(a.Terms(w)) {
			names[t] = true
		}
	}
	return uniqueTerms(dropCompounds(a.Terms(claim))), names
}

// terms is a passage's terms as a set and as a list (for the lexicon).
type terms struct {
	set  termSet
	list []string
}

func passageTerms(a Analyzer, passages []string) []terms {
	out := make([]terms, len(passages))
	for i, p := range passages {
		list := uniqueTerms(a.Terms(p))
		out[i] = terms{newTermSet(list), list}
	}
	return out
}

func union(ps []terms) terms {
	all := terms{set: termSet{}}
	for _, p := range ps {
		for _, t := range p.list {
			if _, ok := all.set[t]; !ok {
				all.set[t] = struct{}{}
				all.list = append(all.list, t)
			}
		}
	}
	return all
}

// supportCredit is matcher.credit without partial credit: a term is
// supported when a passage spells it, names it by an alias or uses a word
// of the same meaning (similarity at least softFull); a merely related
// word ("postponed" for "cancelled") supports nothing.
func supportCredit(m *matcher, t string, p terms) float64 {
	if m.credit(t, p.set, p.list) < 1 {
		return 0
	}
	return 1
}

// supportWeights is weights over supportCredit and without
// its discount for a term no passage covers: in a question such a term
// is often filler, in a claim it is what the passages do not say.
func supportWeights(m *matcher, claim []string, ps []terms) map[string]float64 {
	n := float64(len(ps))
	w := make(map[string]float64, len(claim))
	for _, t := range claim {
		df := 0.0
		for _, p := range ps {
			df += supportCredit(m, t, p)
		}
		w[t] = math.Log(1 + (n+1)/(df+0.5))
	}
	return w
}
