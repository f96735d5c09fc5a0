package retrieval

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// synonymsTxt holds the alias groups: spellings of one thing that the
// sources and the people asking use interchangeably.
//
//go:embed synonyms.txt
var synonymsTxt string

// aliasGroups parses synonymsTxt.
func aliasGroups() [][]string {
	var out [][]string
	for _, line := range strings.Split(synonymsTxt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var g []string
		for _, m := range strings.Split(line, "|") {
			if m = strings.TrimSpace(m); m != "" {
				g = append(g, m)
			}
		}
		out = append(out, g)
	}
	return out
}

var aliasCache sync.Map // Analyzer → map[string][][]string

// aliasesFor maps each single-term member of an alias group, analyzed by
// a, to the term lists of the group's other members.
func aliasesFor(a Analyzer) map[string][][]string {
	return perAnalyzer(&aliasCache, a, func() map[string][][]string { return buildAliases(a) })
}

func buildAliases(a Analyzer) map[string][][]string {
	m := map[string][][]string{}
	for _, g := range aliasGroups() {
		var members [][]string
		for _, p := range g {
			if ts := a.Terms(strings.ReplaceAll(p, "-", " ")); len(ts) > 0 {
				members = append(members, ts)
			}
			// as a question reads it: "2+2" is one term, not "2", "2" and "2+2"
			if ts := dropCompounds(a.Terms(p)); len(ts) == 1 {
				members = append(members, ts)
			}
		}
		for i, mi := range members {
			if len(mi) != 1 {
				continue
			}
			for j, mj := range members {
				if j != i && !(len(mj) == 1 && mj[0] == mi[0]) {
					m[mi[0]] = append(m[mi[0]], mj)
				}
			}
		}
	}
	return withRespelt(m)
}

// withRespelt returns m with each term's alias lists once each, and
// each phrase alias also with one term swapped for a one-term alias of
// it: a passage's "foreign and defense ministers" is the "2+2" the group
// lists as "foreign and defence ministers".
func withRespelt(m map[string][][]string) map[string][][]string {
	out := make(map[string][][]string, len(m))
	for t, alts := range m {
		seen := map[string]bool{}
		add := func(alt []string) {
			if key := strings.Join(alt, " "); !seen[key] {
				seen[key] = true
				out[t] = append(out[t], alt)
			}
		}
		for _, alt := range alts {
			add(alt)
		}
		for _, alt := range alts {
			if len(alt) == 1 {
				continue
			}
			for k, u := range alt {
				for _, v := range m[u] {
					if len(v) == 1 {
						respelt := slices.Clone(alt)
						respelt[k] = v[0]
						add(respelt)
					}
				}
			}
		}
	}
	return out
}

var memberCache sync.Map // Analyzer → [][][]string

// aliasMembersFor returns each alias group's members as term lists.
func aliasMembersFor(a Analyzer) [][][]string {
	return perAnalyzer(&memberCache, a, func() [][][]string {
		var out [][][]string
		for _, g := range aliasGroups() {
			var members [][]string
			for _, p := range g {
				if ts := a.Terms(strings.ReplaceAll(p, "-", " ")); len(ts) > 0 {
					members = append(members, ts)
				}
			}
			out = append(out, members)
		}
		return out
	})
}

// phraseAliases returns, for each term of a phrase member of an alias
// group that the question holds whole ("sub hunter", "patrol plane",
// "air force"), the term lists of the group's other members: the phrase
// is read as one thing, which a passage names by any of its aliases
// ("MPA", "maritime patrol aircraft"). Single-term members are in
// aliasesFor already.
func phraseAliases(a Analyzer, terms []string) map[string][][]string {
	have := newTermSet(terms)
	var out map[string][][]string
	for _, members := range aliasMembersFor(a) {
		for i, mi := range members {
			if len(mi) < 2 || !holdsEvery(have, mi) {
				continue
			}
			if out == nil {
				out = map[string][][]string{}
			}
			for j, mj := range members {
				if j == i {
					continue
				}
				for _, t := range mi {
					out[t] = append(out[t], mj)
				}
			}
		}
	}
	return out
}

// holdsEvery reports whether set holds every term of ts exactly.
func holdsEvery(set termSet, ts []string) bool {
	for _, t := range ts {
		if _, ok := set[t]; !ok {
			return false
		}
	}
	return true
}

// withPhrases returns the aliases with a question's phrase aliases
// added; the shared map is not changed.
func withPhrases(aliases, phrases map[string][][]string) map[string][][]string {
	if len(phrases) == 0 {
		return aliases
	}
	out := make(map[string][][]string, len(aliases)+len(phrases))
	for t, alts := range aliases {
		out[t] = alts
	}
	for t, alts := range phrases {
		out[t] = append(slices.Clip(out[t]), alts...)
	}
	return out
}
