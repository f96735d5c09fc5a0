package retrieval

import (
	"errors"
	"fmt"
)

// Error codes: the small vocabulary every layer uses, turned into
// user-facing text only at the edge (CLI, chat, web) by ErrorMessage.
const (
	EINVALID     = "invalid"     // bad input from the user (empty or too long question, bad file)
	ENOTFOUND    = "not_found"   // a named thing does not exist
	EMISMATCH    = "mismatch"    // store built by another embedder
	EUNAVAILABLE = "unavailable" // database or model unreachable, timed out
	ERATELIMIT   = "rate_limit"  // caller asked too often
	EBUSY        = "busy"        // too many requests in flight
	EINTERNAL    = "internal"    // a bug or unexpected failure
)

// Error is an error with a code, text for the user and detail for the
// operator, kept apart so that an adapter can say where it failed (host and
// port, a variable to set, a command to run) without a user ever reading
// it (golang/pkgsite's derrors/serrors split).
type Error struct {
	Code string
	// Message is one sentence for the user about their own request. Edges
	// show it only for the codes that describe the request (EINVALID,
	// ENOTFOUND, ERATELIMIT); for the others they show the code's text.
	Message string
	// Detail is for operators only (logs, the CLI's diagnostics): never
	// shown by the web page, the API or the chat bots.
	Detail string
	Err    error // underlying cause, for logs only
}

// Error joins message, detail and cause: the text for logs.
func (e *Error) Error() string {
	s := e.Message
	for _, part := range []string{e.Detail, errText(e.Err)} {
		switch {
		case part == "":
		case s == "":
			s = part
		default:
			s += ": " + part
		}
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message
// for the user.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with code and a user message wrapping cause.
func WrapError(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Detailf returns an *Error with code and a formatted operator detail
// wrapping cause (which may be nil). Users read the code's text.
func Detailf(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...), Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// codeText is what a user reads for each code: the one mapping from error
// code to user text, for every surface.
var codeText = map[string]string{
	EINVALID:     "That request is not valid.",
	ENOTFOUND:    "That was not found.",
	ERATELIMIT:   "You're asking faster than coopbot can keep up. Please wait a moment and try again.",
	EBUSY:        "coopbot is busy answering other questions; please try again in a moment.",
	EUNAVAILABLE: "The document store is not answering right now; please try again in a minute.",
	EMISMATCH:    "The document store needs maintenance before it can answer; please try again later.",
	EINTERNAL:    "Sorry, something went wrong while answering. Please try again in a moment.",
}

// UserCode reports whether code describes the user's own request
// (EINVALID, ENOTFOUND, ERATELIMIT), so that the error's Message, written
// for the user, is what they read. Other codes are failures of the
// service, shown with the code's text.
func UserCode(code string) bool {
	return code == EINVALID || code == ENOTFOUND || code == ERATELIMIT
}

// ErrorMessage returns the text a user reads for err, chosen by its code:
// the first *Error's Message for the codes about the request (UserCode),
// the code's fixed text otherwise — never a host, a path, SQL or a Go
// type, whatever an adapter wrote. "" for nil.
func ErrorMessage(err error) string {
	code := ErrorCode(err)
	if code == "" {
		return ""
	}
	var e *Error
	if UserCode(code) && errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if t, ok := codeText[code]; ok {
		return t
	}
	return codeText[EINTERNAL]
}

// ErrorDetail returns what an operator reads for err in one sentence: the
// first *Error's Detail, or its Message, or err's text.
func ErrorDetail(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case !errors.As(err, &e):
		return err.Error()
	case e.Detail != "":
		return e.Detail
	case e.Message != "":
		return e.Message
	}
	return err.Error()
}
