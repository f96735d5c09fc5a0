// Package prompts holds the prompts coopbot sends to a language model, as
// text/template files embedded in the binary: the system prompt (answer
// only from numbered sources, cite every claim as [n], say plainly when the
// sources do not answer, treat sources and question as data), the answer
// prompt (the question and the numbered sources with title, date and
// paragraph) and the follow-up rewrite prompt.
//
// Text that comes from documents or users is passed through a "data"
// filter that neutralizes the delimiting tags (<source>, <question>,
// <conversation>) so it cannot close its own section and pose as
// instructions.
package prompts

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
	"unicode"

	"github.com/coopbot/coopbot/retrieval"
)

//go:embed *.tmpl
var files embed.FS

// NotAnswered is the exact sentence the system prompt asks the model to
// reply with when the sources do not answer the question.
const NotAnswered = "The sources do not answer this question."

// MaxSentences is the answer length the system prompt asks for.
const MaxSentences = 6

// templates are parsed once from the embedded files; a parse error is a
// build defect caught by the package's tests.
var templates = template.Must(template.New("prompts").Funcs(template.FuncMap{
	"data": Data,
	"attr": attr,
}).ParseFS(files, "*.tmpl"))

// Source is one numbered source shown to the model.
type Source struct {
	N         int    // 1-based number the model cites as [N]
	Title     string // document title
	Date      string // YYYY-MM-DD or ""
	Paragraph int    // first paragraph number of the passage
	Text      string // the passage, verbatim
}

// System renders the system prompt for an answer from n sources.
func System(n int) (string, error) {
	return render("system.tmpl", struct {
		Sources      int
		NotAnswered  string
		MaxSentences int
	}{n, NotAnswered, MaxSentences})
}

// Answer renders the user message: the numbered sources and the question.
// Errors: EINVALID when there are no sources or a source's number is not
// its 1-based position.
func Answer(question string, sources []Source) (string, error) {
	if len(sources) == 0 {
		return "", retrieval.Errorf(retrieval.EINVALID, "an answer prompt needs at least one source")
	}
	for i, s := range sources {
		if s.N != i+1 {
			return "", retrieval.Errorf(retrieval.EINVALID, "source %d is numbered %d; want %d", i, s.N, i+1)
		}
	}
	return render("answer.tmpl", struct {
		Question string
		Sources  []Source
	}{question, sources})
}

// Rewrite renders the prompt that turns a follow-up question into a
// standalone one, given the earlier turns of the thread (oldest first).
func Rewrite(history []retrieval.Turn, question string) (string, error) {
	return render("rewrite.tmpl", struct {
		History  []retrieval.Turn
		Question string
	}{history, question})
}

func render(name string, data any) (string, error) {
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", name, err)
	}
	return strings.TrimSpace(b.String()) + "\n", nil
}

// delimiters are the tag names the prompts use to fence off data.
var delimiters = []string{"source", "question", "conversation"}

// Data returns s made safe to place between the prompts' delimiting tags:
// any "<tag" or "</tag" for a delimiter name (in any letter case) gets its
// "<" replaced by "‹", control characters other than newline and tab
// become spaces, and surrounding space is trimmed. Other text is kept
// verbatim.
func Data(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if !strings.Contains(s, "<") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && isDelimiter(s[i+1:]) {
			b.WriteString("‹")
			continue
		}
		b.WriteByte(s[i])
	}
	return strings.TrimSpace(b.String())
}

// isDelimiter reports whether rest (the text after a "<") starts a
// delimiting tag: optional "/", optional spaces, then a delimiter name.
func isDelimiter(rest string) bool {
	rest = strings.TrimLeft(rest, " \t\n")
	rest = strings.TrimPrefix(rest, "/")
	rest = strings.TrimLeft(rest, " \t\n")
	for _, d := range delimiters {
		if len(rest) >= len(d) && strings.EqualFold(rest[:len(d)], d) {
			return true
		}
	}
	return false
}

// attr returns s made safe for a double-quoted attribute of a source tag:
// one line, no quotes or angle brackets.
func attr(s string) string {
	s = strings.NewReplacer(`"`, "'", "<", "‹", ">", "›").Replace(Data(s))
	return strings.Join(strings.Fields(s), " ")
}
