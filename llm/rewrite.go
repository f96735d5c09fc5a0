package llm

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/coopbot/coopbot/prompts"
	"github.com/coopbot/coopbot/retrieval"
)

// Rewriter bounds for the conversation shown to the model.
const (
	DefaultMaxTurns = 4   // most recent turns kept
	maxTurnText     = 600 // bytes kept of each earlier question and answer
)

// Rewriter turns a follow-up into a standalone question with a language
// model and the rewrite prompt.
type Rewriter struct {
	Chat     Chat
	MaxTurns int // most recent turns sent; 0 = DefaultMaxTurns
	Logger   *slog.Logger
}

var _ retrieval.Rewriter = (*Rewriter)(nil)

// Rewrite implements retrieval.Rewriter. With no history it returns the
// question unchanged without calling the model. Errors: EUNAVAILABLE when
// the model fails or its reply holds no usable question (empty or longer
// than retrieval.MaxQuestionLen).
func (r *Rewriter) Rewrite(ctx context.Context, history []Turn, question string) (string, error) {
	if len(history) == 0 {
		return question, nil
	}
	n := r.MaxTurns
	if n <= 0 {
		n = DefaultMaxTurns
	}
	if len(history) > n {
		history = history[len(history)-n:]
	}
	turns := make([]Turn, len(history))
	for i, t := range history {
		turns[i] = Turn{Question: truncate(t.Question, maxTurnText), Answer: truncate(StripMarkers(t.Answer), maxTurnText)}
	}
	p, err := prompts.Rewrite(turns, question)
	if err != nil {
		return "", err
	}
	reply, err := r.Chat.Complete(ctx, []Message{{Role: RoleUser, Content: p}})
	if err != nil {
		return "", asUnavailable(err, "rewrite follow-up")
	}
	q := CleanRewrite(reply)
	if q == "" || len(q) > retrieval.MaxQuestionLen || !utf8.ValidString(q) {
		return "", retrieval.Errorf(retrieval.EUNAVAILABLE, "The language model returned no usable standalone question.")
	}
	if r.Logger != nil {
		r.Logger.DebugContext(ctx, "rewrote follow-up", "turns", len(turns))
	}
	return q, nil
}

// Turn is retrieval.Turn, named here for brevity.
type Turn = retrieval.Turn

// CleanRewrite extracts the question from a rewrite reply: the first
// non-empty line, without a leading label such as "Standalone question:"
// and without surrounding quotes.
func CleanRewrite(reply string) string {
	var line string
	for _, l := range strings.Split(reply, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			line = l
			break
		}
	}
	for _, label := range []string{"standalone question:", "rewritten question:", "question:"} {
		if len(line) >= len(label) && strings.EqualFold(line[:len(label)], label) {
			line = strings.TrimSpace(line[len(label):])
			break
		}
	}
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"'", "'"}, {"`", "`"}} {
		if len(line) >= len(q[0])+len(q[1]) && strings.HasPrefix(line, q[0]) && strings.HasSuffix(line, q[1]) {
			line = strings.TrimSpace(line[len(q[0]) : len(line)-len(q[1])])
		}
	}
	return line
}

// StripMarkers removes the citation markers from s and folds its white
// space: an earlier answer in the rewrite prompt carries only its words,
// and eval compares a lead's words.
func StripMarkers(s string) string {
	ms := ParseMarkers(s)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m.Start])
		last = m.End
	}
	b.WriteString(s[last:])
	return strings.Join(strings.Fields(b.String()), " ")
}
