package retrieval

import (
	"regexp"
	"strings"
	"unicode"
)

// Intent is the kind of fact a question asks for; the lead sentence of an
// answer is chosen to hold it, and a question whose kind of fact no
// passage holds is not covered.
type Intent string

// The intents AnalyzeQuestion tells apart.
const (
	IntentWhat     Intent = "what"     // a description or an event
	IntentWho      Intent = "who"      // a person, a role or an organisation
	IntentWhen     Intent = "when"     // a date or a time
	IntentWhere    Intent = "where"    // a place
	IntentQuantity Intent = "quantity" // a number or an amount
	IntentWhy      Intent = "why"      // a reason
	IntentYesNo    Intent = "yesno"    // settles yes or no
	IntentSummary  Intent = "summary"  // an overview across the sources
)

// contractions spells out a question's contractions for intentOf. It is
// built once: a Replacer builds its lookup table when first used, and
// building one per question was most of intentOf's allocations.
var contractions = strings.NewReplacer(" whats ", " what is ", " whos ", " who is ", " wheres ", " where is ",
	" whens ", " when is ", " hows ", " how is ", " whys ", " why is ", " what's ", " what is ",
	" who's ", " who is ", " where's ", " where is ", " when's ", " when is ", " how's ", " how is ",
	" why's ", " why is ",
	// a clause of circumstance asks nothing: "did the MoD spill
	// anything when asked"
	" when asked ", " ", " when pressed ", " ", " when questioned ", " ")

// intentOf classifies a question by its wording.
func intentOf(q string) Intent {
	low := " " + strings.ToLower(strings.Map(func(r rune) rune {
		if r == '’' {
			return '\''
		}
		if unicode.IsPunct(r) && r != '\'' && r != '-' && r != '+' {
			return ' '
		}
		return r
	}, q)) + " "
	low = contractions.Replace(low)
	has := func(ps ...string) bool {
		for _, p := range ps {
			if strings.Contains(low, " "+p+" ") {
				return true
			}
		}
		return false
	}
	first := ""
	if f := strings.Fields(low); len(f) > 0 {
		first = f[0]
	}
	switch {
	case has("summarise", "summarize", "summary", "overview", "recap", "tl dr", "tldr", "gist",
		"in a nutshell", "big picture", "main points", "key points", "short version", "quick version",
		"sec version", "second version", "elevator pitch", "cliff notes", "cliffs notes", "takeaway", "takeaways", "highlights", "key facts"):
		return IntentSummary
	case has("why", "how come", "reason", "reasons", "what prompted", "what motivated", "what's driving",
		"what is driving", "what drove", "motivation", "purpose of", "rationale", "what made",
		"what makes", "what led", "what caused"):
		return IntentWhy
	case has("when", "what date", "which date", "what year", "which year", "what month", "which month",
		"how long ago", "how far back", "since when", "what time", "timeline", "date of", "deadline", "timeframe",
		"time frame", "date", "dates", "dated") || whenKindRequest.MatchString(low):
		return IntentWhen
	case has("how many", "how much", "what number", "how big", "how large", "how long", "how expensive",
		"how fast", "how heavy", "how high", "how deep", "how tall", "how wide", "how old", "how often") ||
		distanceRequest.MatchString(low) ||
		// A noun for an amount asks for one, but not in a yes/no question
		// that embeds no other ("did japan's military budget go down?" is
		// settled by whether it rose; "does it say what it will cost" asks).
		(!yesNoStarters[first] || has("what", "how", "which")) && has("cost", "costs", "price", "budget", "amount", "worth", "valued", "value of") ||
		measureRequest.MatchString(low):
		return IntentQuantity
	case has("where", "what city", "which city", "which country", "what country", "what place",
		"which place", "what location", "which location", "which sea", "what region", "which region"):
		return IntentWhere
	case has("who", "whom", "whose", "who's", "which minister", "which ministers", "which secretary",
		"which official", "which officials", "which company", "which companies", "what company",
		"which firm", "which person", "which people", "name of the", "which countries", "which nations",
		"which country's", "which leader", "what minister", "name", "named", "called") ||
		whoKindRequest.MatchString(low) && !whatDid.MatchString(low):
		return IntentWho
	case yesNoStarters[first]:
		return IntentYesNo
	case has("tell me about", "what about", "anything on", "anything about", "info on", "what's up with",
		"what is going on", "what's going on", "what's happening", "what happened between"):
		return IntentSummary
	}
	return IntentWhat
}

// yesNoStarters are the words a yes/no question opens with.
var yesNoStarters = map[string]bool{
	"is": true, "are": true, "was": true, "were": true, "do": true, "does": true, "did": true,
	"has": true, "have": true, "had": true, "will": true, "would": true, "can": true, "could": true,
	"should": true, "shall": true, "may": true, "might": true, "isn't": true, "aren't": true,
	"didn't": true, "doesn't": true, "won't": true, "hasn't": true, "haven't": true, "wasn't": true,
}

// whenKindRequest matches the other ways to ask when: "what exact day",
// "which week", "at what point".
var whenKindRequest = regexp.MustCompile(`\b(what|which)( exact| precise| specific)? (day|week|weekday|season|quarter|decade)\b|\bat what (point|stage)\b|\bhow soon\b`)

// distanceRequest matches a question asking how far apart things are:
// "how far are the senkakus from okinawa", not "how far back does it
// go" (when) or "how far does britain want to take ties" (how much).
var distanceRequest = regexp.MustCompile(`\bhow far (?:is|are|was|were|away|apart)\b`)
