package retrieval

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Question is a question as the core reads it.
type Question struct {
	// Text is the question with chat noise removed ("hey @coopbot quick
	// q:", "pls", emoji); it is what both arms search for.
	Text   string
	Intent Intent
	// Terms are the analyzer terms that carry the question's topic:
	// unique, in order, without framing words ("tell", "know", "pls").
	Terms []string
	// Names are the terms written as proper names in the question
	// (capitalised mid-sentence); they match only by spelling, never by
	// meaning, so "Germany" cannot stand in for "Britain".
	Names map[string]bool
	// Recent marks a question about how things stand or ended ("in the
	// end", "has it moved on", "latest"): the newest source answers it.
	Recent bool
	// Words are the question's own words, lower-cased: a fact the
	// question states ("the second phase") is not an answer to it.
	Words map[string]bool
	// Duration marks a "how long" question, which a date ("since 2010")
	// answers as well as a number.
	Duration bool
	// Clock marks a "what time" question, which only a time of day
	// answers ("at 10 a.m.", "in the morning"), not "in November".
	Clock bool
	// Money marks a "how much" question about a cost or a sum, which
	// only an amount of money answers ("the first phase" is a number,
	// not a price).
	Money bool
	// Magnitude marks a "how big/far/fast" question about a size, a
	// range or a yield, which a measure answers ("the first time" is an
	// ordinal, "several air forces" a count, neither a size).
	Magnitude bool
	// Places holds the terms of the countries, peoples and capitals the
	// question names in any case (see placeNames); those no candidate's
	// title names are Names too (withPlaceNames).
	Places []string
	// Scope holds the terms a question names a report by ("the london
	// report", "the 2015 joint statement"); see scope.
	Scope []string
	// Counted holds the terms of what a plain "how many" question
	// counts (see countedTerms): a number near them answers it.
	Counted []string
	// WantName marks a "who" question that asks for a name ("What is
	// the name of …"): only a passage naming someone answers it.
	WantName bool
	// WantThingName marks a WantName question about the name of a thing,
	// not a person ("What's the Mitsubishi seeker called?", "the name of
	// the new missile project"): only a sentence that gives a name for
	// something answers it ("a project known as the Joint New
	// Air-to-Air Missile"), not one that names something else.
	WantThingName bool
	// WantOrg marks a question asking which company or firm: a name of
	// one answers it ("MBDA", "Mitsubishi Electric").
	WantOrg bool
	// Succession marks a "who replaced X" question (succession).
	Succession bool
	// WantOthers marks a question asking who or what else ("What other
	// countries …", "who else?", "besides MBDA"): a name the question
	// does not give answers it.
	WantOthers bool
	// Focus holds the terms of what the question asks for (see
	// focusText): a passage that does not cover them answers something
	// nearby.
	Focus []string
	// Acronyms are the terms written as acronyms ("BVR", "MoD"), which
	// a passage also covers by spelling them out.
	Acronyms map[string]bool
	// Speaker holds the terms of whoever a "what did S say/agree/
	// discuss" question asks about (see speakerRequest).
	Speaker []string
	// Define holds the terms of what a "what/who is X" question asks
	// about (see defineRequest).
	Define []string
	// NamePhrases holds the terms of names of two words or more
	// ("South Korea", "East China Sea"), which a passage covers only
	// with their words together (see namePhrases).
	NamePhrases [][]string
}

// AnalyzeQuestion strips chat noise from q, decides its intent and
// computes its topic terms with a.
func AnalyzeQuestion(a Analyzer, q string) Question {
	text := chatWords(stripNoise(q))
	if strings.TrimSpace(text) == "" {
		text = q
	}
	out := Question{Text: text, Intent: intentOf(text), Names: map[string]bool{}}
	for _, t := range uniqueTerms(dropCompounds(a.Terms(withoutIdioms(countryUS(text))))) {
		if !framingTerms[t] && !(out.Intent == IntentWho && whoVerbs[t]) && !typeNouns[out.Intent][t] {
			out.Terms = append(out.Terms, t)
		}
	}
	if len(out.Terms) == 0 {
		out.Terms = uniqueTerms(a.Terms(text))
	}
	for _, w := range properNames(countryUS(text)) {
		for _, t := range dropCompounds(a.Terms(w)) {
			out.Names[t] = true
		}
	}
	low := strings.ToLower(text)
	out.WantName = out.Intent == IntentWho && nameRequest.MatchString(low)
	out.WantThingName = out.WantName && !hasRole(low) && !personRequest.MatchString(low)
	out.WantOrg = out.Intent == IntentWho && orgRequest.MatchString(low)
	out.Succession = out.Intent == IntentWho && successionRequest.MatchString(low)
	out.WantOthers = (out.Intent == IntentWho || out.Intent == IntentWhat) && othersRequest.MatchString(low)
	if out.WantOthers && len(out.Terms) > 1 {
		// "What other countries …": the kind is what the names
		// answering it are, no word a passage must spell.
		out.Terms = slices.DeleteFunc(out.Terms, func(t string) bool { return otherKinds[t] })
	}
	out.Recent = recentRequest.MatchString(low)
	out.Words = map[string]bool{}
	for _, w := range words(text) {
		out.Words[strings.ToLower(w)] = true
	}
	out.Duration = out.Intent == IntentQuantity && strings.Contains(low, "how long")
	out.Clock = out.Intent == IntentWhen && clockRequest.MatchString(low)
	out.Money = out.Intent == IntentQuantity && moneyRequest.MatchString(low)
	out.Magnitude = out.Intent == IntentQuantity && !out.Money && magnitudeRequest.MatchString(low)
	out.Counted = countedTerms(a, out)
	out.Focus = focusTerms(a, out)
	out.Acronyms = acronymTerms(a, text)
	out.Speaker = speakerTerms(a, out)
	out.Define = defineTerms(a, out)
	out.NamePhrases = namePhraseTerms(a, text, out.Terms)
	out.Scope = scopeTerms(a, low)
	for _, w := range placeWordsIn(text) {
		out.Places = append(out.Places, a.Terms(w)...)
	}
	return out
}

// recentRequest matches questions about the latest state of things.
var recentRequest = regexp.MustCompile(`\b(latest|now|currently|current|still|in the end|eventually|finally|ended up|end up|ends up|wound up|moved on|move on|progress|progressed|so far|since|update|status|yet|these days|today)\b`)

// whoKindRequest matches "which/what" with a kind of person or
// organisation a few words on ("Which Japanese firm …", "which UK
// ministers …"): a name answers it.
var whoKindRequest = regexp.MustCompile(`\b(which|what)( [a-z0-9'-]+){0,2} (ministers?|secretar(y|ies)|officials?|compan(y|ies)|firms?|persons?|people|manufacturers?|makers?|leaders?)\b`)

// whatDid matches "what/which" followed by a verb: the kind of person
// whoKindRequest finds is then the subject, not what is asked for ("What
// did the ministers pledge?").
var whatDid = regexp.MustCompile(`\b(?:which|what) (?:did|does|do|will|would|is|are|was|were|has|have|had|can|could|should)\b`)

// orgRequest matches questions asking for a company: "which firm",
// "what company", "who makes/builds/supplies".
var orgRequest = regexp.MustCompile(`\b(which|what)( [a-z0-9'-]+){0,2} (compan(y|ies)|firms?|manufacturers?|makers?|contractors?|suppliers?)\b|^who (makes|made|builds|built|manufactures|supplies|designs|designed|produces)\b`)

// otherKinds are the analyzer terms of the kinds of thing a "what other
// X" question asks names of.
var otherKinds = map[string]bool{
	"countri": true, "nation": true, "state": true, "firm": true, "compani": true, "citi": true,
	"peopl": true, "person": true, "partner": true, "organis": true, "organ": true,
	"manufactur": true, "maker": true, "alli": true, "govern": true,
}

// othersRequest matches questions asking for more of a kind than the
// question names.
var othersRequest = regexp.MustCompile(`\b(other|others|else|besides|apart from|aside from|as well as|in addition to)\b`)

// moneyRequest matches questions about a cost or a sum of money.
var moneyRequest = regexp.MustCompile(`\bhow much (?:is|are|was|were|would|will) (?:a|an|the|one|it)\b|\b(cost|costs|costing|price|priced|pay|paid|paying|spend|spending|spent|worth|budget|budgets|fund|funding|funded|invest|invested|investing|investment|money|putting into|put into|value|valued)\b`)

// magnitudeRequest matches questions about a size, a distance, a speed
// or a yield.
// personRequest matches a name question about a person: "who is he",
// "the guy called", "the man named".
var personRequest = regexp.MustCompile(`\b(?:who|whom|person|people|guy|man|woman|someone|somebody|he|she|spokesman|spokeswoman|spokesperson)\b`)

// clockRequest matches a question asking for a time of day.
var clockRequest = regexp.MustCompile(`\b(?:what|which) time\b|\bwhat hour\b|\bat what point in the day\b`)

// measureRequest matches "what is the X of …" and "what X will … have"
// for a measure X ("what's the top speed of a Typhoon", "what range will
// the JNAAM have"): a number answers them, as it does "how fast".
var measureRequest = regexp.MustCompile(` what(?: is| was| will be)? (?:the |its |their )?(?:top |max |maximum |minimum |total |overall )?(?:speed|range|size|weight|length|yield|capacity|payload|endurance|altitude|thrust) (?:of|will|would|does|do|is|for)\b`)

var magnitudeRequest = regexp.MustCompile(`\bhow (big|large|heavy|powerful|far|fast|strong|tall|wide|deep|high)\b|\b(yield|size|range|weight|speed|distance|capacity)\b`)

// nameRequest matches questions that ask for a person's name, which a
// role ("an MoD spokesman") does not answer.
var nameRequest = regexp.MustCompile(`\bnames?\b|\bnamed\b|\bcalled\b`)

// boundPrefixes are prefixes that make one word with what follows,
// hyphenated or not ("non-combat", "noncombat").
var boundPrefixes = map[string]bool{
	"non": true, "anti": true, "pre": true, "multi": true, "sub": true, "semi": true,
	"inter": true, "cross": true, "counter": true, "un": true, "re": true,
	// "co-operation", "co-ordinate": British spelling of one word
	"co": true,
}

// dropCompounds removes the joined form of a hyphenated word that its
// parts already stand for ("UK-Japan" → "uk", "japan"; "H-bomb" →
// "bomb"), so one word does not count twice; a code ("P-1", "F-35")
// keeps its joined form and drops the bare number, and a bound prefix
// keeps the joined word only ("non-combat" → "noncombat").
func dropCompounds(terms []string) []string {
	out := terms[:0:0]
	for _, t := range terms {
		n := len(out)
		if n > 1 && joinedStem(t, out[n-2], out[n-1]) {
			// "sub-hunter" → "sub", "hunter", "subhunt": the joined
			// word's stem cuts the second part short, so it is no
			// spelling a passage shares unless it hyphenates the same
			// way; the parts match either way.
			continue
		}
		if n > 0 && t != out[n-1] && strings.HasSuffix(t, out[n-1]) {
			prefix := strings.TrimSuffix(t, out[n-1])
			switch {
			case isNumber(out[n-1]):
				out[n-1] = t // "p1": the code, not the number
				if n > 1 && (isNumber(out[n-2]) && strings.HasPrefix(t, out[n-2]) || prefix == out[n-2]) {
					out = append(out[:n-2], t) // "2+2", not "2" too; "ef2000", not "ef"
				}
				continue
			case n > 1 && prefix == out[n-2] && boundPrefixes[prefix]:
				out = append(out[:n-2], t) // "noncombat": one word, written either way
				continue
			case len(prefix) <= 2 || n > 1 && strings.HasSuffix(prefix, out[n-2]):
				continue // "hbomb", "ukjapan"
			}
		}
		out = append(out, t)
	}
	return out
}

// joinedStem reports whether t is the stem of first and second written
// as one word, with the second cut short or changed at its end by
// stemming ("subhunt" of "sub" and "hunter", "counteri" of "counter" and
// "ied"), but not their plain join (which dropCompounds handles).
func joinedStem(t, first, second string) bool {
	rest, ok := strings.CutPrefix(t, first)
	if !ok || rest == "" || rest == second || isNumber(first) || isNumber(second) {
		return false
	}
	return strings.HasPrefix(second, rest)
}

// framingTerms are analyzer terms that frame a question rather than name
// its topic ("tell me about", "what's the deal with", "any info on");
// they neither count for coverage nor sink it.
var framingTerms = map[string]bool{
	// light verbs: they frame a question ("what's going on", "what has
	// it got to do with", "give me") more than they name its topic
	"going": true, "got": true, "give": true, "let": true, "use": true, "come": true,
	"put": true, "keep": true, "see": true, "seem": true, "think": true, "tri": true,
	"bring": true, "becom": true, "turn": true,
	"anyth": true, "someth": true, "everyth": true, "anybodi": true, "everyon": true,
	"tldr": true, "tl": true, "dr": true, "dumb": true, "silli": true, "context": true,
	"overal": true, "general": true, "suppos": true, "rough": true, "approxim": true,
	"news": true, "vs": true, "versus": true, "els": true, "whole": true, "anyway": true, "meant": true,
	"tell": true, "know": true, "wonder": true, "idea": true, "anyon": true, "someon": true,
	"explain": true, "info": true, "inform": true, "detail": true, "question": true, "ask": true,
	"rememb": true, "remind": true, "basic": true, "actual": true, "realli": true, "like": true,
	"wanna": true, "gonna": true, "kinda": true, "sort": true, "thing": true, "stuff": true,
	"deal": true, "guy": true, "folk": true, "summar": true, "summari": true, "overview": true,
	"recap": true, "brief": true, "short": true, "quick": true, "q": true, "pleas": true,
	"thank": true, "mean": true, "happen": true, "go": true, "get": true, "say": true,
	"talk": true, "mention": true, "report": true, "articl": true, "sourc": true, "doc": true,
	"document": true, "new": false, "exact": true, "specif": true, "main": true, "key": true,
	"point": true, "kind": true, "type": true, "current": true, "latest": true, "curious": true,
	"coopbot": true, "bot": true, "help": true, "understand": true, "lol": true, "btw": true,
	"what": true, "whats": true, "whos": true, "hows": true, "wheres": true, "whens": true,
	"whys": true, "im": true, "dont": true, "doesnt": true, "didnt": true, "isnt": true,
	"arent": true, "wasnt": true, "u": true, "ur": true, "r": true, "ya": true, "gimm": true,
	"summaris": true, "summariz": true, "name": true, "call": true, "role": true, "job": true,
	"status": true, "stori": true, "piec": true, "writeup": true, "sum": true, "compar": true, "updat": true, "serious": true,
	"place": true, "take": true, "doing": true, "do": true, "look": true, "want": true, "need": true,
	"hey": true, "hi": true, "yeah": true, "yes": true, "ok": true, "eh": true, "right": true,
	// chat shorthand for function words ("what did the sdsr say abt
	// japan") and for "summary" ("the gist of", "the lowdown on")
	"abt": true, "bc": true, "cuz": true, "coz": true, "tho": true, "thru": true, "wrt": true,
	"imo": true, "afaik": true, "idk": true, "smth": true, "sth": true, "ish": true, "w": true,
	"gist": true, "lowdown": true, "rundown": true, "headlin": true,
	// "the security situation", "the state of play": how things stand,
	// as broad as "status"
	"situat": true, "landscap": true, "scene": true,
	// a part or a whole of the topic, said loosely: "the seeker bit",
	// "the whole patrol plane saga", "research-wise", "anywhere"
	"bit": true, "saga": true, "wise": true, "anywher": true, "somewher": true,
	// what an acronym stands for, whether something is relevant, what
	// else besides: the question's frame, not its topic
	"stand": true, "acronym": true, "abbrevi": true, "relev": true, "besid": true,
	"takeaway": true, "highlight": true, "play": true, "went": true, "gone": true, "part": true,
}

// typeNouns name the kind of fact an intent asks for ("what date",
// "which city", "how long"): the answer holds such a fact, not the word.
var typeNouns = map[Intent]map[string]bool{
	IntentWhen:     {"date": true, "year": true, "month": true, "day": true, "time": true, "period": true, "deadlin": true, "timelin": true, "timefram": true, "frame": true},
	IntentWhere:    {"citi": true, "place": true, "countri": true, "locat": true, "area": true, "town": true},
	IntentQuantity: {"number": true, "amount": true, "long": true, "big": true, "larg": true, "figur": true},
	IntentWho:      {"person": true, "peopl": true, "offici": true, "individu": true, "guy": true, "compani": true, "firm": true, "manufactur": true, "maker": true, "contractor": true, "supplier": true},
	IntentWhy:      {"reason": true, "caus": true, "motiv": true, "purpos": true, "rational": true},
}

// whoVerbs ask, in a "who" question, for the maker or leader of what
// follows ("Who builds the P-8?"): the reports name the maker beside the
// thing ("Boeing P-8s") without the verb.
var whoVerbs = map[string]bool{
	"make": true, "build": true, "manufactur": true, "produc": true, "design": true,
	"suppli": true, "lead": true, "head": true, "run": true, "own": true,
}

// properNames returns the words capitalised mid-sentence in q, when q is
// written in mixed case (an all-lowercase or all-caps question gives no
// such evidence). Acronyms count too.
func properNames(q string) []string {
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-')
	})
	lower, upper := 0, 0
	for _, r := range q {
		if unicode.IsLower(r) {
			lower++
		} else if unicode.IsUpper(r) {
			upper++
		}
	}
	if lower == 0 || upper == 0 || upper*2 > lower {
		return nil
	}
	var out []string
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if i == 0 || !unicode.IsUpper(r) || commonCapitalised[strings.ToLower(w)] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// commonCapitalised are words people capitalise that are not names of
// anything a passage must spell out.
var commonCapitalised = map[string]bool{
	"i": true, "i'm": true, "i've": true, "i'd": true, "ok": true, "pls": true, "q": true,
	"uk": true, "us": true, "u.k": true, "u.s": true, "eu": true,
}
