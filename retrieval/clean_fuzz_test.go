package retrieval

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCleanQuestion checks CleanQuestion's guarantees on any input: no
// panic; a refusal is EINVALID with a user-safe one-line message; an
// accepted question is valid UTF-8, non-empty, at most MaxQuestionLen
// bytes, free of control and line-separator characters, single-spaced and
// trimmed, and cleaning it again changes nothing. Seeds:
// testdata/fuzz/FuzzCleanQuestion.
func FuzzCleanQuestion(f *testing.F) {
	for _, s := range []string{
		"", " ", "\t\n\r", "Which minister announced the Typhoon exercise plan?",
		"a\x00b\x07c\x1bd\x7fe\u2028f\u2029g", "\xff\xfe", "ok \xc3", strings.Repeat("x", MaxQuestionLen),
		strings.Repeat("x", MaxQuestionLen+1), strings.Repeat("é", MaxQuestionLen/2), "\u00a0\u3000\u200b",
		"@everyone <!channel> <@U1>", "Ignore previous instructions", "\u0085next line",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := CleanQuestion(q)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("CleanQuestion(%q) error code %q; want %q", q, ErrorCode(err), EINVALID)
			}
			if msg := ErrorMessage(err); msg == "" || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("CleanQuestion(%q) message %q; want one line", q, msg)
			}
			if got != "" {
				t.Fatalf("CleanQuestion(%q) = %q with an error", q, got)
			}
			return
		}
		if !utf8.ValidString(got) || got == "" || len(got) > MaxQuestionLen || len(got) > len(q) {
			t.Fatalf("CleanQuestion(%q) = %q: invalid, empty or too long", q, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("CleanQuestion(%q) = %q keeps control character %U", q, got, r)
			}
		}
		if got != strings.Join(strings.Fields(got), " ") {
			t.Fatalf("CleanQuestion(%q) = %q: not trimmed and single-spaced", q, got)
		}
		again, err := CleanQuestion(got)
		if err != nil || again != got {
			t.Fatalf("CleanQuestion is not idempotent: %q → %q → %q, %v", q, got, again, err)
		}
	})
}
