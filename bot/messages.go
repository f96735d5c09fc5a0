package bot

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coopbot/coopbot/retrieval"
)

// Examples are the questions the usage text suggests.
var Examples = []string{
	"Which minister announced the Typhoon exercise plan?",
	"What stage has the joint air-to-air missile project reached?",
	"When did the first UK–Japan 2+2 meeting take place?",
}

// Usage returns the onboarding text for command (e.g. "/ask"): what the
// bot does and three example questions.
func Usage(command string) string {
	var b strings.Builder
	b.WriteString("I answer questions about UK–Japan defence cooperation from news reports, citing the paragraphs I used.\n")
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

// CheckQuestion returns an EINVALID error with a clear message when q is
// longer than retrieval.MaxQuestionLen bytes or not valid UTF-8.
func CheckQuestion(q string) error {
	if !utf8.ValidString(q) {
		return retrieval.Errorf(retrieval.EINVALID, "Your question contains characters I cannot read; please retype it.")
	}
	if len(q) > retrieval.MaxQuestionLen {
		return retrieval.Errorf(retrieval.EINVALID, "Your question is too long (%d characters); please keep it under %d.", utf8.RuneCountInString(q), retrieval.MaxQuestionLen)
	}
	return nil
}

// rateLimitError is the ERATELIMIT error for a user who must wait.
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

// ErrorText turns err into a short, polite chat reply. User errors
// (EINVALID, ENOTFOUND, ERATELIMIT) get their own message; EBUSY asks to
// retry; failures (EUNAVAILABLE, EINTERNAL, anything else) get an apology
// quoting requestID, never internals.
func ErrorText(err error, requestID string) string {
	switch retrieval.ErrorCode(err) {
	case retrieval.EINVALID, retrieval.ENOTFOUND:
		return retrieval.ErrorMessage(err)
	case retrieval.ERATELIMIT:
		if msg := retrieval.ErrorMessage(err); strings.HasPrefix(msg, "You're asking") {
			return msg
		}
		return "You're asking faster than I can keep up. Please wait a moment and try again."
	case retrieval.EBUSY:
		return "I'm answering a lot of questions right now. Please try again in a moment."
	case retrieval.EUNAVAILABLE:
		return fmt.Sprintf("Sorry, I can't reach my sources right now. Please try again in a moment (request id %s).", requestID)
	}
	return fmt.Sprintf("Sorry, something went wrong while answering. Please try again in a moment (request id %s).", requestID)
}
