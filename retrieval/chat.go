package retrieval

import (
	"regexp"
	"slices"
	"strings"
)

// Chat is how people type a question: with mentions, greetings, emoji,
// shorthand and idioms. This file turns it into the question it asks.

// noiseWords are words of chat greeting and politeness that carry no
// question: they are dropped wherever they stand.
var noiseWords = map[string]bool{
	"hey": true, "hi": true, "hello": true, "yo": true, "hiya": true, "howdy": true,
	"pls": true, "plz": true, "please": true, "thanks": true, "thx": true, "ty": true,
	"cheers": true, "lol": true, "btw": true, "fyi": true, "tia": true, "asap": true,
	"ok": true, "okay": true, "um": true, "umm": true, "uh": true, "hmm": true,
	"coopbot": true, "bot": true, "folks": true, "guys": true, "y'all": true, "team": false,
	"tysm": true, "thnx": true, "thanx": true, "tbh": true, "ngl": true, "fwiw": true, "iirc": true,
	"imho": true, "omg": true, "lmk": true, "pleeease": true, "plox": true, "kthx": true,
}

// noisePhrases are openings that frame a question without being part of
// it; they are removed only at the start of the question.
var noisePhrases = []string{
	"quick question", "quick q", "qq", "question", "sorry", "so", "random question",
	"can you tell me", "could you tell me", "can u tell me", "tell me", "do you know",
	"does anyone know", "anyone know", "any idea", "i was wondering", "i wonder",
	"i'd like to know", "i want to know", "i need to know", "just curious", "curious",
	"can you remind me", "remind me", "help me understand", "i'm new here", "i'm new",
	"new here", "newbie here", "noob question", "dumb question", "stupid question",
	// a greeting's addressee once the greeting word is gone ("hey
	// team!!", "morning all"), and a newcomer introducing themselves
	"team", "all", "everyone", "everybody", "morning", "good morning", "afternoon",
	"first week here", "first day here", "just joined", "new to the team", "new joiner here",
	"new starter here", "still new here", "quick one", "real quick", "ok so", "okay so", "right so",
	// an apology for asking, once "sorry" is gone ("sry to bug u again")
	"sry", "soz", "to bug you again", "to bug you", "to bug u again", "to bug u", "to bother you again",
	"to bother you", "to bother u", "to ping you", "again",
}

// chatSpellings are the chat spellings of question and function words
// ("wat", "hw many", "y did", "b4"), written out so that the intent is
// read and they are no topic terms. Only whole lower-case words are
// replaced: "Y" or "R" in capitals may be a name.
var chatSpellings = map[string]string{
	"wat": "what", "wut": "what", "wht": "what", "wats": "what's", "wots": "what's", "whatz": "what's", "wen": "when", "wher": "where", "hw": "how",
	"y": "why", "r": "are", "u": "you", "ur": "your", "b4": "before", "abt": "about",
	"bc": "because", "cuz": "because", "coz": "because", "tho": "though", "thru": "through",
	"ppl": "people", "w/": "with", "w/o": "without", "wrt": "about", "pls": "please",
	// ordinals match by spelling only (countWords): "the 3rd meeting" is
	// "the third"
	"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
	// time shorthand, written out so that the idioms read it
	"rn": "right now", "atm": "at the moment", "rly": "really",
}

// chatWords writes out the chat spellings of text (see chatSpellings).
func chatWords(text string) string {
	fs := strings.Fields(text)
	changed := false
	for i, f := range fs {
		core := strings.TrimRight(f, "?!.,:;")
		if r, ok := chatSpellings[core]; ok {
			fs[i] = r + f[len(core):]
			changed = true
		}
	}
	if !changed {
		return text
	}
	return strings.Join(fs, " ")
}

// stripNoise removes mentions, emoji, greetings and politeness from a
// chat question, keeping the rest verbatim.
func stripNoise(q string) string {
	var words []string
	for _, w := range strings.Fields(q) {
		if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "<@") || strings.HasPrefix(w, "<#") {
			continue
		}
		w = strings.Map(func(r rune) rune {
			if isEmoji(r) {
				return -1
			}
			return r
		}, w)
		if w == "" {
			continue
		}
		if noiseWords[strings.ToLower(strings.Trim(w, ",.!?:;…-"))] && strings.Trim(w, ",.!?:;…-") != "" {
			continue
		}
		if strings.Trim(w, ",.!:;…-") == "" {
			continue
		}
		words = append(words, w)
	}
	for changed := true; changed && len(words) > 0; {
		changed = false
		low := strings.ToLower(strings.Join(words, " "))
		for _, p := range noisePhrases {
			if !strings.HasPrefix(low, p) {
				continue
			}
			n := len(strings.Fields(p))
			if n > len(words) || strings.TrimRight(strings.ToLower(strings.Join(words[:n], " ")), ",.!?:;…-") != p {
				continue
			}
			// "tell me about X" keeps its topic; "tell me" alone is noise.
			if len(words) > n {
				words, changed = words[n:], true
			}
			break
		}
		if len(words) > 0 {
			if f := strings.TrimLeft(words[0], ",.!:;…-–—"); f != words[0] {
				if f == "" {
					words = words[1:]
				} else {
					words[0] = f
				}
				changed = true
			}
		}
	}
	return strings.Join(words, " ")
}

func isEmoji(r rune) bool {
	return r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r == 0xFE0F || r == 0x200D ||
		r >= 0x1F1E6 && r <= 0x1F1FF
}

// idioms are adverbial phrases of time, degree and planning that say
// nothing of a question's topic ("What replaced Nimrod in the end?", "Why
// was there no decision straight away?", "What exercises are on the
// cards?"): their words are no topic terms. A phrase
// with a one-word spelling the sources may use becomes that word ("under
// way": "underway").
var idiomPhrases = []string{
	"on the cards", "in the works", "in the pipeline", "on the table",
	"on hold", "straight away", "right away", "in the end", "at the moment",
	"right now", "by the time", "at the time", "so far", "these days",
	"at all", "any more", "for now", "by now", "as well",
	"in the first place", "at this point", "of its kind", "at some point",
	"any time soon", "in the long run", "in one line", "one line each",
	"in a line", "in one sentence", "in a sentence", "in a nutshell",
	"in a word", "in brief", "in short", "long story short", "at a glance",
	"at the mo", "at the min", "as of now", "as we speak", "as things stand",
	"for context", "for the record", "off the top of your head",
}

// idioms matches idiomPhrases as whole words.
var idioms = regexp.MustCompile(`\b(?:` + strings.Join(idiomPhrases, "|") + `)\b`)

// withoutIdioms returns text, lower-cased where an idiom was taken out,
// without the idioms' words.
func withoutIdioms(text string) string {
	low := strings.ToLower(text)
	r := strings.ReplaceAll(low, "under way", "underway")
	// The regexp matches only where a phrase is spelt: most questions
	// hold none, and looking for them is far cheaper than running it.
	if slices.ContainsFunc(idiomPhrases, func(p string) bool { return strings.Contains(r, p) }) {
		r = idioms.ReplaceAllString(r, " ")
	}
	if r != low {
		return r
	}
	return text
}

// usWord matches "US" and "U.S." written in capitals: the country, which
// an analyzer drops as the pronoun "us".
var usWord = regexp.MustCompile(`\bU\.?S\.?(?:\b|$)`)

// countryUS writes the country "US" as "USA" so that it is a term: "Is
// the US a partner?" asks about the United States, and a passage saying
// "the US has been a long-time partner" answers it; like any country it
// is a name, which a passage must spell. The pronoun is never
// written in capitals in a mixed-case sentence; an all-caps text keeps
// its words.
func countryUS(text string) string {
	if !strings.Contains(text, "US") && !strings.Contains(text, "U.S") || strings.ToUpper(text) == text {
		return text
	}
	return usWord.ReplaceAllString(text, "USA")
}
