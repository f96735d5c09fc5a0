// Package openai adapts any OpenAI-compatible server (OpenAI, Ollama,
// vLLM, llama.cpp server) to coopbot with the official openai-go client:
// Chat implements llm.Chat for generated answers and follow-up rewrites,
// and Embedder implements retrieval.Embedder over /embeddings.
//
// Calls are bounded by a timeout covering all attempts and retried with
// exponential backoff and jitter on 408, 409, 429, 5xx and connection
// errors (honouring Retry-After); they stop at once when the context
// ends. Failures carry code EUNAVAILABLE. The API key is sent only as a
// bearer token and never logged.
package openai

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	oai "github.com/openai/openai-go"
	"github.com/openai/openai-go/option"

	"github.com/coopbot/coopbot/retrieval"
)

// Defaults for Options.
const (
	DefaultBaseURL    = "https://api.openai.com/v1"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
	DefaultRetryBase  = 500 * time.Millisecond
	maxRetryDelay     = 8 * time.Second
	maxRetryAfter     = 30 * time.Second
)

// Options configure the connection to an OpenAI-compatible server.
type Options struct {
	// BaseURL is the API root including the version path, e.g.
	// http://localhost:11434/v1 for Ollama; "" = DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer …"; "" sends none (local
	// servers).
	APIKey string
	// Timeout bounds one call, all retries included; 0 = DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is the number of retries after a retryable failure;
	// 0 = DefaultMaxRetries, negative = no retries.
	MaxRetries int
	// RetryBase is the first backoff delay, doubled on each retry up to
	// 8s, with jitter; 0 = DefaultRetryBase.
	RetryBase time.Duration
	// HTTPClient makes the requests; nil = http.DefaultClient.
	HTTPClient *http.Client
	// Logger records retries and failures (no secrets); nil = discard.
	Logger *slog.Logger
}

// client is what Chat and Embedder share: request options and the retry
// policy.
type client struct {
	opts    []option.RequestOption
	timeout time.Duration
	retries int
	base    time.Duration
	log     *slog.Logger
}

func newClient(o Options) (*client, error) {
	base := strings.TrimSpace(o.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, retrieval.Errorf(retrieval.EINVALID, "OPENAI_BASE_URL: want an http:// or https:// URL such as http://localhost:11434/v1, got %q", base)
	}
	c := &client{timeout: o.Timeout, retries: o.MaxRetries, base: o.RetryBase, log: o.Logger}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultMaxRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.base <= 0 {
		c.base = DefaultRetryBase
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	c.opts = []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0), // retries are ours: context-aware, logged
	}
	if o.APIKey != "" {
		c.opts = append(c.opts, option.WithAPIKey(o.APIKey))
	}
	return c, nil
}

// call runs f with the client's timeout and retry policy. what names the
// call in logs and errors ("chat", "embeddings").
func (c *client) call(ctx context.Context, what, model string, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		status, after := statusOf(err)
		if ctx.Err() != nil {
			c.log.WarnContext(ctx, "model call timed out or was cancelled", "call", what, "model", model, "attempts", attempt+1, "err", ctx.Err())
			return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "The language model did not reply in time.")
		}
		if !retryable(status, err) || attempt >= c.retries {
			c.log.WarnContext(ctx, "model call failed", "call", what, "model", model, "status", status, "attempts", attempt+1, "err", err)
			return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "The language model is unavailable.")
		}
		d := c.backoff(attempt, after)
		c.log.InfoContext(ctx, "retrying model call", "call", what, "model", model, "status", status, "attempt", attempt+1, "wait", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return retrieval.WrapError(retrieval.EUNAVAILABLE, ctx.Err(), "The language model did not reply in time.")
		case <-t.C:
		}
	}
}

// backoff is the delay before retry attempt+1: Retry-After when the
// server sent a reasonable one, else base·2^attempt (capped) minus up to
// a quarter of jitter.
func (c *client) backoff(attempt int, after time.Duration) time.Duration {
	if after > 0 && after <= maxRetryAfter {
		return after
	}
	d := c.base << attempt
	if d <= 0 || d > maxRetryDelay {
		d = maxRetryDelay
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// statusOf returns the HTTP status of an API error (0 for transport
// errors) and the server's Retry-After, if any.
func statusOf(err error) (int, time.Duration) {
	var apiErr *oai.Error
	if !errors.As(err, &apiErr) {
		return 0, 0
	}
	var after time.Duration
	if apiErr.Response != nil {
		h := apiErr.Response.Header
		if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 {
			after = time.Duration(ms * float64(time.Millisecond))
		} else if s, err := strconv.ParseFloat(h.Get("Retry-After"), 64); err == nil && s >= 0 {
			after = time.Duration(s * float64(time.Second))
		}
	}
	return apiErr.StatusCode, after
}

// retryable reports whether a failure may succeed when tried again.
func retryable(status int, err error) bool {
	switch {
	case status == 0:
		// No response: a connection error is worth retrying; a malformed
		// response is not.
		var apiErr *oai.Error
		return !errors.As(err, &apiErr) && !errors.Is(err, context.Canceled) && isTransport(err)
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooManyRequests, status >= 500:
		return true
	}
	return false
}

// isTransport reports whether err came from the HTTP round trip (a
// *url.Error from http.Client.Do) rather than from decoding a response.
func isTransport(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}
