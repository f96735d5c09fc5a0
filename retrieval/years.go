package retrieval

import "strconv"

// A report says "this year" and "early last year" where a question names
// the year: "what's planned on cyber for 2016" is answered by the 2016
// report's "a joint research project this year involving military cyber
// analysts". The year a relative date stands for is read off the
// report's own date, and a passage saying it covers that year.

// yearShifts maps the relative date phrases that name a whole year
// (relativeDates) to how many years from the report's they are.
var yearShifts = map[string]int{
	"this year": 0, "later this year": 0, "earlier this year": 0, "the end of this year": 0,
	"last year": -1, "early last year": -1, "last november": -1, "last december": -1,
	"next year": 1,
}

// questionYears returns the years among q's terms ("2016").
func questionYears(q Question) []string {
	var out []string
	for _, t := range q.Terms {
		if isYear(t) {
			out = append(out, t)
		}
	}
	return out
}

// withYears returns set with each of the question's years (m.years) that
// a relative date of text stands for in a report dated date
// (YYYY-MM-DD); set itself when there is none.
func (m *matcher) withYears(set termSet, date, text string) termSet {
	if len(m.years) == 0 || len(date) < 4 {
		return set
	}
	rel := readSentence(text).relDates
	if len(rel) == 0 {
		return set
	}
	year, err := strconv.Atoi(date[:4])
	if err != nil {
		return set
	}
	var add []string
	for _, p := range rel {
		shift, ok := yearShifts[p]
		if !ok {
			continue
		}
		y := strconv.Itoa(year + shift)
		for _, t := range m.years {
			if t == y {
				add = append(add, t)
			}
		}
	}
	return set.with(add)
}

// readAs returns a passage's or sentence's terms (set) with what the
// matcher reads into its text besides its words: the acronyms it spells
// out, the titled people it refers to (withHolders) and the years its
// relative dates stand for in a report of document doc dated date.
func (m *matcher) readAs(set termSet, doc, date, text string) termSet {
	return m.withYears(m.withHolders(m.withAcronyms(set, text), doc, text), date, text)
}
