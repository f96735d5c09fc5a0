package retrieval

import (
	"errors"
	"fmt"
)

// Error codes: the small vocabulary every layer uses, turned into
// user-facing text only at the edge (CLI, chat, web).
const (
	EINVALID     = "invalid"     // bad input from the user (empty or too long question, bad file)
	ENOTFOUND    = "not_found"   // a named thing does not exist
	EMISMATCH    = "mismatch"    // store built by another embedder
	EUNAVAILABLE = "unavailable" // database or model unreachable, timed out
	ERATELIMIT   = "rate_limit"  // caller asked too often
	EBUSY        = "busy"        // too many requests in flight
	EINTERNAL    = "internal"    // a bug or unexpected failure
)

// Error is an error with a code and a message that is safe to show a user.
type Error struct {
	Code    string
	Message string // user-facing, one sentence; no internals
	Err     error  // underlying cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		if e.Message != "" {
			return e.Message + ": " + e.Err.Error()
		}
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with code and message wrapping cause.
func WrapError(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
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

// ErrorMessage returns text safe to show a user: the message of the first
// *Error in err's chain, or a generic apology for internal errors.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL && e.Message != "" {
		return e.Message
	}
	return "Sorry, something went wrong while answering. Please try again in a moment."
}
