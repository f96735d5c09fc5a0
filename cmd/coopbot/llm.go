package main

import (
	"context"
	"strings"

	"github.com/coopbot/coopbot/llm"
	"github.com/coopbot/coopbot/llm/openai"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/semantic"
)

// llmOptions are the connection settings for the OpenAI-compatible API
// (OPENAI_BASE_URL, OPENAI_API_KEY, LLM_TIMEOUT).
func (m *Main) llmOptions() openai.Options {
	return openai.Options{
		BaseURL: m.Config.OpenAIBaseURL,
		APIKey:  m.Config.OpenAIAPIKey,
		Timeout: m.Config.LLMTimeout,
		Logger:  m.Logger,
	}
}

// checkOpenAIKey refuses the hosted OpenAI API without a key: the request
// would fail on every call, so say so at start-up.
func (m *Main) checkOpenAIKey(what string) error {
	if m.Config.OpenAIAPIKey == "" && (m.Config.OpenAIBaseURL == "" || strings.Contains(m.Config.OpenAIBaseURL, "api.openai.com")) {
		return retrieval.Errorf(retrieval.EINVALID, "%s uses the OpenAI API, which needs OPENAI_API_KEY; for a local server (Ollama, vLLM, llama.cpp) set OPENAI_BASE_URL, e.g. http://localhost:11434/v1", what)
	}
	return nil
}

// openAIEmbedder returns the EMBEDDER=openai embedder for EMBEDDING_MODEL.
func (m *Main) openAIEmbedder() (retrieval.Embedder, error) {
	if err := m.checkOpenAIKey("EMBEDDER=openai"); err != nil {
		return nil, err
	}
	return openai.NewEmbedder(m.Config.EmbeddingModel, m.llmOptions())
}

// llmChat returns the CHAT_MODEL chat model, or nil when CHAT_MODEL is
// unset.
func (m *Main) llmChat() (*openai.Chat, error) {
	if m.Config.ChatModel == "" {
		return nil, nil
	}
	if err := m.checkOpenAIKey("CHAT_MODEL"); err != nil {
		return nil, err
	}
	return openai.NewChat(m.Config.ChatModel, m.llmOptions())
}

// llmAnswerer returns the generated-answer Answerer when CHAT_MODEL is
// set, and nil (the extractive default) otherwise.
func (m *Main) llmAnswerer(ctx context.Context) (retrieval.Answerer, error) {
	c, err := m.llmChat()
	if err != nil || c == nil {
		return nil, err
	}
	base := m.Config.OpenAIBaseURL
	if base == "" {
		base = openai.DefaultBaseURL
	}
	m.Logger.InfoContext(ctx, "generated answers on", "chat_model", c.Model(), "base_url", base, "timeout", m.Config.LLMTimeout)
	// The lexicon is loaded once per process; Open hands the same one to
	// the core.
	lex, err := semantic.NewLexicon()
	if err != nil {
		return nil, err
	}
	return &llm.Answerer{Chat: c, Analyzer: m.Analyzer, Lexicon: lex, Logger: m.Logger}, nil
}

// llmRewriter returns the follow-up Rewriter when CHAT_MODEL is set, and
// nil otherwise (or when the chat model cannot be built: llmAnswerer has
// reported that already).
func (m *Main) llmRewriter() retrieval.Rewriter {
	c, err := m.llmChat()
	if err != nil || c == nil {
		return nil
	}
	return &llm.Rewriter{Chat: c, Logger: m.Logger}
}
