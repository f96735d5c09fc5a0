package openai

import (
	"context"
	"fmt"
	"strings"

	oai "github.com/openai/openai-go"

	"github.com/coopbot/coopbot/llm"
	"github.com/coopbot/coopbot/retrieval"
)

// DefaultMaxTokens bounds the length of a chat reply.
const DefaultMaxTokens = 800

// Chat is a chat-completion model on an OpenAI-compatible server. It
// asks for deterministic replies (temperature 0) of at most
// DefaultMaxTokens tokens.
type Chat struct {
	model string
	c     *client
	svc   oai.ChatCompletionService
}

var _ llm.Chat = (*Chat)(nil)

// NewChat returns a Chat for model (CHAT_MODEL, e.g. "gpt-4o-mini" or
// "llama3.1:8b"). Errors: EINVALID for an empty model or a bad base URL.
func NewChat(model string, o Options) (*Chat, error) {
	model = strings.TrimSpace(model)
	if model == "" {
		return nil, retrieval.Errorf(retrieval.EINVALID, "CHAT_MODEL: a chat model name is required")
	}
	c, err := newClient(o)
	if err != nil {
		return nil, err
	}
	return &Chat{model: model, c: c, svc: oai.NewChatCompletionService(c.opts...)}, nil
}

// Model returns the model's name.
func (c *Chat) Model() string { return c.model }

// Complete implements llm.Chat. Errors: EUNAVAILABLE when the server
// cannot be reached, answers with an error after all retries, times out,
// refuses, or returns no text; EINVALID for an unknown message role.
func (c *Chat) Complete(ctx context.Context, messages []llm.Message) (string, error) {
	params := oai.ChatCompletionNewParams{
		Model:       c.model,
		Temperature: oai.Float(0),
		MaxTokens:   oai.Int(DefaultMaxTokens),
	}
	for _, m := range messages {
		switch m.Role {
		case llm.RoleSystem:
			params.Messages = append(params.Messages, oai.SystemMessage(m.Content))
		case llm.RoleUser:
			params.Messages = append(params.Messages, oai.UserMessage(m.Content))
		case llm.RoleAssistant:
			params.Messages = append(params.Messages, oai.AssistantMessage(m.Content))
		default:
			return "", retrieval.Errorf(retrieval.EINVALID, "unknown chat role %q", m.Role)
		}
	}
	var res *oai.ChatCompletion
	err := c.c.call(ctx, "chat", c.model, func(ctx context.Context) error {
		var err error
		res, err = c.svc.New(ctx, params)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("chat completion: %w", err)
	}
	if len(res.Choices) == 0 {
		return "", retrieval.Errorf(retrieval.EUNAVAILABLE, "The language model returned no reply.")
	}
	msg := res.Choices[0].Message
	if strings.TrimSpace(msg.Content) == "" {
		if msg.Refusal != "" {
			return "", retrieval.Errorf(retrieval.EUNAVAILABLE, "The language model declined to answer.")
		}
		return "", retrieval.Errorf(retrieval.EUNAVAILABLE, "The language model returned an empty reply.")
	}
	return msg.Content, nil
}
