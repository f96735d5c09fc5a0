package retrieval

import (
	"regexp"
	"strings"
	"unicode"
)

// holdsFact reports whether sentence holds the kind of fact intent asks
// for: a date for "when", a number or amount for "how many/much", a name
// or role for "who", a place for "where", a reason for "why". Intents
// that ask for no particular kind of fact are held by any sentence.
func holdsFact(intent Intent, sentence string) bool {
	switch intent {
	case IntentWhen:
		return hasDate(sentence)
	case IntentQuantity:
		return hasQuantity(sentence)
	case IntentWho:
		return hasPerson(sentence)
	case IntentWhere:
		return hasPlace(sentence)
	case IntentWhy:
		return hasReason(sentence)
	}
	return true
}

// factStrength grades a sentence that holds the asked-for kind of fact,
// for choosing the lead: a role with a name ("Foreign Secretary Philip
// Hammond") answers "who" better than a role alone ("an MoD spokesman"),
// a month or year answers "when" better than "later this year".
// It is 1 for the other intents.
func factStrength(intent Intent, s string) float64 {
	switch intent {
	case IntentWho:
		// The reports name people by their roles ("Foreign Secretary
		// Philip Hammond"); a capitalised pair alone is as often a weapon
		// ("Eurofighter Typhoon") as a person.
		ws := words(s)
		role, name := hasRoleIn(ws), hasProperNameIn(ws)
		switch {
		case role && name:
			return 1
		case role:
			return 0.6
		}
		return 0
	case IntentWhen:
		// A month or a year says when; a day ("on Wednesday", "on Jan.
		// 8") does too with its report's date, which the lead adds; "later
		// this year" only roughly.
		day := false
		for _, w := range words(s) {
			lw := strings.ToLower(w)
			if yearWord(lw) || months[lw] && lw != "may" && lw != "jan" && lw != "feb" {
				return 1
			}
			day = day || dateWords[lw] || months[lw]
		}
		if day {
			return 0.9
		}
		return 0.6
	}
	return 1
}

// withoutWords returns s without the words in drop (lower-cased), so that
// a fact is looked for only in what a sentence adds to the question.
func withoutWords(s string, drop map[string]bool) string {
	if len(drop) == 0 {
		return s
	}
	sw := readSentence(s)
	var b strings.Builder
	b.Grow(len(s) + 1) // at most every word and a space after each
	for i, w := range sw.words {
		if !drop[sw.lower[i]] {
			b.WriteString(w)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// words splits s into words with their case kept, apostrophes and inner
// dots, hyphens and plus signs included ("U.K", "P-1", "2+2"); a final
// dot is dropped ("Jan." is "Jan").
func words(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-' || r == '+' || r == '.' || r == '£' || r == '$' || r == '€' || r == '%')
	})
	for i, w := range ws {
		ws[i] = strings.TrimRight(w, ".")
	}
	return ws
}

var months = map[string]bool{
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true,
	"july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"jan.": true, "feb.": true, "mar.": true, "apr.": true, "aug.": true, "sept.": true, "sep.": true,
	"oct.": true, "nov.": true, "dec.": true, "jan": true, "feb": true, "sept": true, "oct": true,
	"nov": true, "dec": true,
}

var dateWords = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "yesterday": true, "today": true, "tomorrow": true,
}

// relativeDates are phrases that place an event in time without a year.
var relativeDates = []string{
	"last year", "this year", "next year", "later this year", "earlier this year", "last month",
	"next month", "this month", "the end of this year", "in the last 12 months", "years ago",
	"early last year", "last november", "last december", "the near future", "the coming months",
	"the coming weeks", "next week",
}

// relativeDateSplit reports a relative date phrase in sentence ("early
// last year") that the question does not state whole but shares a word
// of four letters or more with ("When did they last meet?"): taking the
// question's words out of the sentence split the phrase, not a fact the
// question states.
func relativeDateSplit(sentence, question string, asked map[string]bool) bool {
	q := ""
	split := false
	for _, p := range readSentence(sentence).relDates {
		if q == "" {
			q = strings.ToLower(question)
		}
		if strings.Contains(q, p) {
			return false // "last year" is the question's own
		}
		for _, w := range strings.Fields(p) {
			split = split || len(w) >= 4 && asked[w]
		}
	}
	return split
}

// namedAs matches a sentence giving something a name: "a project known
// as the Joint New Air-to-Air Missile", "an exercise called Vigilant
// Isles".
var namedAs = regexp.MustCompile(`\b(?:known as|called|named|dubbed|designated|code-?named|titled)\s+(?:the\s+)?["“']?[A-Z]`)

// clockTime matches a time of day: "10 a.m.", "14:30", "noon", "in the
// morning".
var clockTime = regexp.MustCompile(`\b\d{1,2}(?::\d\d)? ?(?:a\.?m\b|p\.?m\b|o'clock)|\b\d{1,2}:\d\d\b|\b(?:noon|midday|midnight|morning|afternoon|evening|overnight)\b`)

func hasDate(s string) bool {
	low := strings.ToLower(s)
	for _, p := range relativeDates {
		if strings.Contains(low, p) {
			return true
		}
	}
	for _, w := range words(s) {
		lw := strings.ToLower(strings.TrimRight(w, ".,"))
		if months[lw] || months[strings.ToLower(w)] || dateWords[lw] {
			// "may" is also a verb: count it only capitalised.
			if lw == "may" && w[0] != 'M' {
				continue
			}
			return true
		}
		if yearWord(strings.TrimPrefix(lw, "early-")) {
			return true
		}
	}
	return false
}

// yearWord reports whether a word of words() is a year, "mid-2013"
// included.
func yearWord(w string) bool {
	return isYear(strings.TrimPrefix(strings.ToLower(w), "mid-"))
}

func isYear(w string) bool {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "s"), "'")
	if len(w) != 4 || !isNumber(w) {
		return false
	}
	return w >= "1900" && w <= "2099"
}

var numberWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "eleven": true, "twelve": true, "dozen": true,
	"dozens": true, "hundred": true, "hundreds": true, "thousand": true, "thousands": true,
	"million": true, "millions": true, "billion": true, "billions": true, "trillion": true,
	"several": true, "percent": true, "half": true, "double": true, "twice": true, "first": true,
	"second": true, "third": true,
}

// hasQuantity reports a number or amount: digits that are not part of a
// code ("P-1", "F-35", "MR4"), a number word, a currency sign or a
// percentage.
func hasQuantity(s string) bool {
	low := strings.ToLower(s)
	for _, p := range []string{"two sides", "two countries", "two nations", "two militaries", "our two", "the two"} {
		low = strings.ReplaceAll(low, p, "")
	}
	for _, w := range words(low) {
		lw := strings.ToLower(strings.TrimRight(w, ".,"))
		if numberWords[lw] || strings.ContainsAny(w, "£$€%") {
			return true
		}
		if isNumber(strings.ReplaceAll(lw, ",", "")) && !isYear(lw) {
			return true
		}
	}
	return false
}

var currencyWords = map[string]bool{
	"pound": true, "pounds": true, "dollar": true, "dollars": true, "yen": true, "euro": true,
	"euros": true, "sterling": true, "million": true, "millions": true, "billion": true,
	"billions": true, "trillion": true, "bn": true, "m": true, "percent": true,
}

// hasMoney reports an amount of money: a currency sign, a currency word,
// a sum in millions or billions, or a percentage (of a budget).
func hasMoney(s string) bool {
	if strings.ContainsAny(s, "£$€¥%") {
		return true
	}
	for _, w := range words(s) {
		if currencyWords[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// cardinalWords are the number words that count or measure.
var cardinalWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "eleven": true, "twelve": true, "dozen": true,
	"hundred": true, "hundreds": true, "thousand": true, "thousands": true, "million": true,
	"millions": true, "billion": true, "billions": true,
}

// hasMeasure reports a measure: a number that is not a year or part of a
// code, a cardinal number word, or a currency sign or percentage — not an
// ordinal ("the first time") or "several".
func hasMeasure(s string) bool {
	if strings.ContainsAny(s, "£$€¥%") {
		return true
	}
	ws := words(s)
	for i, w := range ws {
		lw := strings.ToLower(strings.TrimRight(w, ".,"))
		// "Jan. 6" is a day, not a measure.
		day := i > 0 && months[strings.ToLower(ws[i-1])]
		if cardinalWords[lw] || isNumber(strings.ReplaceAll(lw, ",", "")) && !isYear(lw) && !day {
			return true
		}
	}
	return false
}

var timeUnits = map[string]bool{
	"day": true, "days": true, "week": true, "weeks": true, "month": true, "months": true,
	"year": true, "years": true, "decade": true, "decades": true,
}

// hasDuration reports a span of time: a count of days, months or years
// ("several months", "two years") or a date it runs from or to ("since
// 2010", "until 2020").
func hasDuration(s string) bool {
	if hasSpan(s) {
		return true
	}
	ws := words(s)
	// "axed its Nimrod MR4 program in 2010": a year says how long since.
	for _, w := range ws {
		if yearWord(w) {
			return true
		}
	}
	return false
}

// spanReach is how many words after "since" or "until" its date may
// come ("since Britain axed its Nimrod MR4 program in 2010").
const spanReach = 8

// hasSpan is hasDuration without the bare year: a count of time units or
// a date something runs since or until, which answers "how long" better
// than a year alone does.
func hasSpan(s string) bool {
	ws := words(s)
	for i, w := range ws {
		lw := strings.ToLower(w)
		if timeUnits[lw] && i > 0 {
			p := strings.ToLower(ws[i-1])
			if numberWords[p] || isNumber(p) || p == "few" || p == "many" || p == "couple" {
				return true
			}
		}
		if (lw == "since" || lw == "until" || lw == "till" || lw == "through") && i+1 < len(ws) && hasDate(strings.Join(ws[i+1:min(i+1+spanReach, len(ws))], " ")) {
			return true
		}
	}
	return false
}

var roleWords = map[string]bool{
	"minister": true, "ministers": true, "secretary": true, "secretaries": true, "spokesman": true,
	"spokeswoman": true, "spokesperson": true, "president": true, "official": true, "officials": true,
	"executives": true, "correspondent": true, "government": true, "company": true, "analysts": true,
	"counterparts": true, "ministry": true, "mod": true, "treasury": true, "premier": true,
	"manufacturer": true, "firm": true, "media": true, "leader": true,
	"ambassador": true, "chief": true, "head": true, "director": true, "commander": true,
}

// hasPerson reports a role word ("secretary", "spokesman", "company"), a
// proper name ("Mitsubishi Electric") or a one-word name of an
// organisation ("built by Boeing", "the Treasury"): "who" asks for
// companies and bodies as often as for people, and one capitalised word
// names them.
func hasPerson(s string) bool {
	ws := words(s) // once for the three tests
	return hasRoleIn(ws) || hasProperNameIn(ws) || hasOrgNameIn(ws)
}

func hasRole(s string) bool { return hasRoleIn(words(s)) }

// hasRoleIn is hasRole for a sentence's words (words).
func hasRoleIn(ws []string) bool {
	for _, w := range ws {
		if roleWords[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// hasProperName reports two capitalised words in a row after the
// sentence's first word ("Philip Hammond", "Gen Nakatani").
func hasProperName(s string) bool { return hasProperNameIn(words(s)) }

// hasProperNameIn is hasProperName for a sentence's words (words).
func hasProperNameIn(ws []string) bool {
	for i := 1; i+1 < len(ws); i++ {
		if capitalised(ws[i]) && capitalised(ws[i+1]) && !allCaps(ws[i]) && !allCaps(ws[i+1]) {
			return true
		}
	}
	return false
}

// nationalities are capitalised words that name no organisation: these
// countries' adjectives (the gazetteer's), and "European".
var nationalities = wordsOf("european " + strings.Join(adjectivesOf("Britain", "Japan", "France", "Sweden", "China", "the US", "Korea", "India", "England"), " "))

// hasOrgName reports a word after the sentence's first that names an
// organisation: capitalised, or in capitals of three letters or more
// ("MBDA's", "Boeing", "Mitsubishi"), and not a place, a month, a
// nationality, a role or a word people capitalise anyway.
func hasOrgName(s string) bool { return hasOrgNameIn(words(s)) }

// hasOrgNameIn is hasOrgName for a sentence's words (words).
func hasOrgNameIn(ws []string) bool {
	for _, w := range ws[min(1, len(ws)):] {
		base := strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		lw := strings.ToLower(base)
		if !capitalised(base) || allCaps(base) && len(base) < 3 || placeWords[lw] || months[lw] ||
			dateWords[lw] || nationalities[lw] || roleWords[lw] || commonCapitalised[lw] {
			continue
		}
		return true
	}
	return false
}

func allCaps(w string) bool {
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

var placeWords = map[string]bool{
	"london": true, "tokyo": true, "asia": true, "europe": true, "gulf": true, "sea": true,
	"islands": true, "region": true, "abroad": true, "overseas": true, "japan": true,
	"britain": true, "china": true, "korea": true, "india": true, "france": true,
}

// hasPlace reports a known place word, or a capitalised word after "in",
// "at", "to" or "from" that is no month or day.
func hasPlace(s string) bool {
	ws := words(s)
	for i, w := range ws {
		if placeWords[strings.ToLower(w)] {
			return true
		}
		// "in November", "on Wednesday" are times, not places.
		if i > 0 && capitalised(w) && !months[strings.ToLower(w)] && !dateWords[strings.ToLower(w)] {
			switch strings.ToLower(ws[i-1]) {
			case "in", "at", "to", "from", "near", "visit":
				return true
			}
		}
	}
	return false
}

var reasonMarkers = []string{
	" because ", " as ", " since ", " due to ", " in order to ", " so that ", " to fill ",
	" triggered by ", " result ", " amid ", " tensions ", " comes at a time ", " generated ",
	" aim ", " interested in ", " why ", " reason ", " driven by ", " given ", " to interest ",
	" capable of ", " looking for ", " needs ", " to deepen ", " in return ",
}

func hasReason(s string) bool {
	low := " " + strings.ToLower(s) + " "
	for _, m := range reasonMarkers {
		if strings.Contains(low, m) {
			return true
		}
	}
	return false
}

func capitalised(w string) bool {
	for _, r := range w {
		return unicode.IsUpper(r)
	}
	return false
}
