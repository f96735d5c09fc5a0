package bot

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// Suggestions are the questions a newcomer is offered (the Slack App
// Home); each is answered from the bundled reports, which a test checks.
var Suggestions = []string{
	"Which minister announced the Typhoon exercise plan?",
	"What stage has the joint air-to-air missile project reached?",
	"When did the first UK–Japan 2+2 meeting take place?",
	"Which maritime patrol aircraft did the UK government decide to acquire?",
	"When did Japan lift its ban on exporting defence equipment?",
}

// Examples are the questions the usage text suggests.
var Examples = Suggestions[:3]

// Intro says what the bot does, first in the usage text and the App Home.
const Intro = "I answer questions about UK–Japan defence cooperation from news reports, citing the paragraphs I used."

// Usage returns the onboarding text for command (e.g. "/ask"): what the
// bot does and three example questions.
func Usage(command string) string {
	var b strings.Builder
	b.WriteString(Intro + "\n")
	fmt.Fprintf(&b, "Ask with `%s <question>` or mention me with a question. For example:\n", command)
	for _, q := range Examples {
		fmt.Fprintf(&b, "• %s %s\n", command, q)
	}
	return strings.TrimRight(b.String(), "\n")
}

// IsHelp reports whether q asks for usage rather than an answer: empty,
// "help", "-h", "--help" or "?".
func IsHelp(q string) bool {
	switch strings.ToLower(strings.TrimSpace(q)) {
	case "", "help", "-h", "--help", "?":
		return true
	}
	return false
}

// rateLimitError is the ERATELIMIT error for a user who must wait; its
// message is written for the user, and is what they read.
func rateLimitError(wait time.Duration) error {
	s := int(math.Ceil(wait.Seconds()))
	if s < 1 {
		s = 1
	}
	unit := "seconds"
	if s == 1 {
		unit = "second"
	}
	return retrieval.Errorf(retrieval.ERATELIMIT, "You're asking faster than I can keep up. Please wait %d %s and try again.", s, unit)
}

// Progress is what a slow answer says it is doing: searching until
// retrieval reports the passages it found (found >= 0, see
// retrieval.WithProgress), then writing the answer from them.
func Progress(found int) string {
	switch {
	case found < 0:
		return "Searching the documents…"
	case found == 1:
		return "Found 1 passage, writing the answer…"
	}
	return fmt.Sprintf("Found %d passages, writing the answer…", found)
}
