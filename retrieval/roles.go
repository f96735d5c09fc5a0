package retrieval

import (
	"cmp"
	"context"
	"regexp"
	"strings"
)

// "Who is the UK defence secretary?", "who's japan's defence minister",
// "japan pm name?": a question asking who holds a role is answered by
// the sentence where a report names the holder with the title ("UK
// Defence Secretary Micheal Fallon"), matched by portfolio and
// nationality, not by how many of the question's words a passage
// shares. A role the reports name for other people but never for that
// country ("the UK prime minister", "the French defence minister") is a
// question they do not answer: one sentence naming "Japanese Prime
// Minister Shinzo Abe" and "British Foreign Secretary Philip Hammond"
// covers every word of "the UK prime minister" and names nobody who is.

// role is a titled office: a portfolio ("defence", "foreign", "prime")
// and a nationality ("uk", "japan", or "" when the question gives none).
type role struct{ portfolio, nation string }

// roleAsked matches a question asking who holds a role. The nationality
// is before the portfolio ("the UK defence secretary", "japan's defence
// minister") or after the office ("the defence minister of Japan").
var roleAsked = regexp.MustCompile(`^(?:who(?:'s|s| is| was| are| were)?|name|what(?:'s| is) the name of) (?:the )?(?:(` + nationsBeforeOffice() + `) )?(?:(foreign|defence|defense|prime|finance|trade) (?:secretary|minister|sec|min)|(pm|fm))(?: (?:of|for) (` + nationsAfterOffice() + `))?(?: (?:at the time|then|now|today|currently|during .+|at .+|in .+|on .+))?$|^(` + nationsNamingOffice() + `) (pm|fm|(?:foreign|defence|defense|prime) (?:secretary|minister|sec)) name$`)

// nationsBeforeOffice are the nationalities roleAsked reads before the
// portfolio, from the gazetteer: each titled country's abbreviations,
// adjective and possessive in lower case, and Britain's, Japan's and
// France's names ("japan defence minister"). Lower-case "u.s." is no
// nationality (capsOnly).
func nationsBeforeOffice() string {
	byName := map[string]bool{}
	for _, c := range countryNamed("Britain", "Japan", "France") {
		byName[c.key] = true
	}
	var out []string
	for _, c := range titledCountries() {
		out = append(out, askedWords(c, true, byName[c.key])...)
	}
	return alternation(out)
}

// nationsAfterOffice are the countries roleAsked reads after the office
// ("the defence minister of Japan"): each titled country's name, and its
// abbreviation without stops but "us" ("of us" is the pronoun's).
func nationsAfterOffice() string {
	var out []string
	for _, c := range titledCountries() {
		for _, a := range lowered(c.abbrevs) {
			if !strings.Contains(a, ".") && a != "us" {
				out = append(out, a)
			}
		}
		out = append(out, strings.ToLower(c.name))
	}
	return alternation(out)
}

// nationsNamingOffice are the nationalities of "japan pm name", a
// question asked only of the two countries the reports are about.
func nationsNamingOffice() string {
	var out []string
	for _, c := range countryNamed("Britain", "Japan") {
		out = append(out, askedWords(c, false, true)...)
	}
	return alternation(out)
}

// askedWords returns c's lower-case abbreviations (with stops only when
// dotted), adjective and possessive, and its name when named.
func askedWords(c country, dotted, named bool) []string {
	var out []string
	for _, a := range lowered(c.abbrevs) {
		if dotted || !strings.Contains(a, ".") {
			out = append(out, a)
		}
	}
	out = append(out, strings.ToLower(c.adjective))
	if c.possessive != "" {
		out = append(out, strings.ToLower(c.possessive))
	}
	if named {
		out = append(out, strings.ToLower(c.name))
	}
	return out
}

// roleOf returns the role question asks who holds, if it asks that.
func roleOf(question string) (role, bool) {
	line := strings.ReplaceAll(questionLine(stripNoise(question)), "’", "'")
	m := roleAsked.FindStringSubmatch(line)
	if m == nil {
		return role{}, false
	}
	nation, office := cmp.Or(m[1], m[4], m[5]), cmp.Or(m[2], m[3], m[6])
	switch {
	case office == "pm" || strings.HasPrefix(office, "prime"):
		office = "prime"
	case office == "fm":
		office = "foreign"
	}
	return role{portfolio: foldSpelling(strings.Fields(office)[0]), nation: countryOf(nation)}, true
}

// countryOf folds a country or nationality word to a key: "uk", "japan",
// "france"; "" for none.
func countryOf(w string) string {
	w = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(w), "'s"), "’s")
	if key, ok := countryKeys[w]; ok {
		return key
	}
	return w
}

// countryKeys are the words countryOf folds, from the gazetteer.
var countryKeys = countryKeysOf()

// roleHolder answers a question (q as the analyzer reads it) asking who
// holds a role (roleOf) from the sentences that name its holders, or
// abstains when the reports name that role's holders in that form for
// other countries, or other roles for that country, and never this one.
// It reports false when the question asks no such thing or the reports
// name no titled people at all: retrieval answers it then.
func (s *Service) roleHolder(ctx context.Context, asked, question string, q Question) (Answer, bool) {
	r, ok := roleOf(question)
	if !ok {
		return Answer{}, false
	}
	hits, err := s.Store.Search(ctx, Query{Text: r.portfolio + " secretary minister " + r.nation, K: DefaultCandidates, Candidates: DefaultCandidates})
	if err != nil {
		s.logger().WarnContext(ctx, "search for a role's holder failed", "err", err)
		return Answer{}, false
	}
	// "Who was Japan's foreign minister at the London talks?" asks about
	// that report's event.
	hits = scope(q, s.Analyzer, hits)
	var best *Snippet
	informative := false
	for _, h := range hits {
		for _, sp := range h.Chunk.Sentences {
			text, ok := h.Chunk.sentence(sp)
			if !ok {
				continue
			}
			for _, m := range titledMentions(text) {
				if m.portfolio == r.portfolio && (r.nation == "" || m.nation == r.nation) {
					if best == nil || h.Document.Date > best.Date {
						sn := sentenceSnippet(h, sp)
						best = &sn
					}
				} else if r.nation != "" && (m.portfolio == r.portfolio || m.nation == r.nation) {
					informative = true
				}
			}
		}
	}
	switch {
	case best != nil:
		a, _ := Extractive{}.Answer(ctx, asked, []Snippet{*best})
		return a, true
	case informative:
		a := Abstained(asked)
		a.Text = s.refusal(ctx)
		return a, true
	}
	return Answer{}, false
}

// A question about who followed someone in a role ("who took over from
// Fallon at the MoD?", "who came after kishida as foreign minister") is
// answered by a sentence saying so, not by one that names the person
// and others beside them: "Fallon and Hammond met Kishida" says nothing
// of who replaced whom.

// successionRequest matches a question asking who followed or preceded
// someone.
var successionRequest = regexp.MustCompile(`\b(succeed(ed|s)?|successor|predecessor|replac(e|ed|es|ing)|t(ook|ake|akes) over from|c(ame|omes) (after|before)|preceded|in place of)\b`)

// succession matches a sentence that tells of one person following
// another in a role.
var succession = regexp.MustCompile(`(?i)\b(succeed\w*|successor|predecessor|replac\w*|t(ook|aken|akes) over|former|previous(ly)?|appointed|took office|stepped down|resigned)\b`)
