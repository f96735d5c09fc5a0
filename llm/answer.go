package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/coopbot/coopbot/prompts"
	"github.com/coopbot/coopbot/retrieval"
)

// Message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message sent to a model.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string
}

// Chat is a chat-completion model.
type Chat interface {
	// Complete sends messages and returns the text of the model's reply.
	// It honours ctx and bounds the call with its own timeout. Errors:
	// EUNAVAILABLE when the model cannot be reached, times out, refuses
	// the request or returns an empty reply.
	Complete(ctx context.Context, messages []Message) (string, error)
}

// Answerer writes answers with a language model from the snippets
// retrieved for a question. It sends at most MaxSources snippets within
// TokenBudget, verifies the reply's citations (see Verify), abstains
// (retrieval.Abstained) when the model says the sources do not answer or
// cites none of them, and keeps only the sentences its sources support
// (see SupportRule). It never falls back by itself: a model failure, or
// a reply its sources do not support, is returned as an error so that
// retrieval.Service uses the extractive answer.
type Answerer struct {
	Chat        Chat
	MaxSources  int // 0 = DefaultMaxSources
	TokenBudget int // estimated tokens of source text; 0 = DefaultTokenBudget
	// Analyzer is the retrieval core's analyzer; the support check (see
	// SupportRule.Check) matches sentences to passages with it. Required.
	Analyzer retrieval.Analyzer
	// Lexicon is the core's word meanings, so that support matches
	// paraphrases as retrieval does; nil = spelling and aliases only.
	Lexicon retrieval.Lexicon
	Support SupportRule
	Logger  *slog.Logger
}

var _ retrieval.Answerer = (*Answerer)(nil)

// Answer implements retrieval.Answerer. Errors: EUNAVAILABLE from Chat
// (the model failed or timed out) and when too little of the reply is
// supported (see SupportRule.Enough); EINTERNAL if a prompt cannot be
// rendered or there is no Analyzer.
func (a *Answerer) Answer(ctx context.Context, question string, snippets []retrieval.Snippet) (retrieval.Answer, error) {
	log := a.logger()
	if a.Analyzer == nil {
		return retrieval.Answer{}, errors.New("llm answerer: no analyzer for the support check")
	}
	srcs, used := Sources(snippets, a.MaxSources, a.TokenBudget)
	if len(srcs) == 0 {
		log.InfoContext(ctx, "llm answer abstained", "reason", "no sources")
		return retrieval.Abstained(question), nil
	}
	system, err := prompts.System(len(srcs))
	if err != nil {
		return retrieval.Answer{}, err
	}
	user, err := prompts.Answer(question, srcs)
	if err != nil {
		return retrieval.Answer{}, err
	}
	reply, err := a.Chat.Complete(ctx, []Message{{Role: RoleSystem, Content: system}, {Role: RoleUser, Content: user}})
	if err != nil {
		return retrieval.Answer{}, asUnavailable(err, "generate answer")
	}
	ans, reason, v := Build(question, reply, used)
	attrs := []any{"sources", len(srcs), "cited", len(v.Cited), "dropped", v.Dropped, "abstained", ans.Abstained}
	if reason != "" {
		attrs = append(attrs, "reason", reason)
	}
	if ans.Abstained {
		log.InfoContext(ctx, "llm answer", attrs...)
		return ans, nil
	}
	c := a.Support.Check(a.Analyzer, a.Lexicon, v, used)
	attrs = append(attrs, "claims", c.Claims, "supported", c.Kept)
	for _, sc := range c.Sentences {
		if sc.Reason != "" {
			attrs = append(attrs, slog.Group("dropped_sentence", "reason", sc.Reason, "support", sc.Support, "missing", sc.Missing, "text", fit(sc.Text, 200)))
		}
	}
	if !a.Support.Enough(c) {
		log.WarnContext(ctx, "llm answer unsupported by its sources", attrs...)
		return retrieval.Answer{}, retrieval.Errorf(retrieval.EUNAVAILABLE, "The generated answer was not supported by its sources.")
	}
	log.InfoContext(ctx, "llm answer", attrs...)
	return answerOf(question, c, used), nil
}

// answerOf is the Answer of a checked reply to sources.
func answerOf(question string, c Checked, sources []retrieval.Snippet) retrieval.Answer {
	cites := make([]retrieval.Citation, 0, len(c.Cited))
	for k, n := range c.Cited {
		cites = append(cites, retrieval.CitationOf(k+1, sources[n-1]))
	}
	return retrieval.Answer{Question: question, Text: c.Text, Citations: cites}
}

// Build turns a model's reply to sources (the snippets sent, numbered
// from 1 in order) into an Answer: citations verified and renumbered,
// or the abstained answer with a reason ("says the sources do not
// answer", "cited no source", "empty reply") when it does not answer.
func Build(question, reply string, sources []retrieval.Snippet) (retrieval.Answer, string, Verified) {
	v := Verify(reply, len(sources))
	switch {
	case strings.TrimSpace(reply) == "":
		return retrieval.Abstained(question), "empty reply", v
	case SaysNotAnswered(reply):
		return retrieval.Abstained(question), "says the sources do not answer", v
	case len(v.Cited) == 0:
		return retrieval.Abstained(question), "cited no source", v
	}
	return answerOf(question, Checked{Text: v.Text, Cited: v.Cited}, sources), "", v
}

func (a *Answerer) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// asUnavailable wraps err with short context, giving it code EUNAVAILABLE
// unless it already carries a code.
func asUnavailable(err error, what string) error {
	if retrieval.ErrorCode(err) != retrieval.EINTERNAL {
		return fmt.Errorf("%s: %w", what, err)
	}
	return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "The language model is unavailable.")
}
