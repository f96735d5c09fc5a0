// Package openaitest runs a local OpenAI-compatible server for tests:
// /chat/completions answers with scripted replies and records every
// request; /embeddings returns deterministic vectors. Every request is
// checked for the expected model and API key.
package openaitest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is a decoded /chat/completions request.
type ChatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature *float64  `json:"temperature"`
	MaxTokens   *int      `json:"max_tokens"`
}

// Content returns the content of the first message with role, or "".
func (r ChatRequest) Content(role string) string {
	for _, m := range r.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

var (
	sourceTag   = regexp.MustCompile(`<source n="(\d+)"`)
	sourceBlock = regexp.MustCompile(`(?s)<source n="\d+"[^>]*>\n(.*?)\n</source>`)
	questionTag = regexp.MustCompile(`(?s)<question>\n?(.*?)\n?</question>`)
)

// Sources returns the number of numbered sources in the user message.
func (r ChatRequest) Sources() int { return len(sourceTag.FindAllString(r.Content("user"), -1)) }

// SourceTexts returns the text of each numbered source in the user
// message, in order (source n is SourceTexts()[n-1]).
func (r ChatRequest) SourceTexts() []string {
	var out []string
	for _, m := range sourceBlock.FindAllStringSubmatch(r.Content("user"), -1) {
		out = append(out, m[1])
	}
	return out
}

// Question returns the text between the user message's <question> tags.
func (r ChatRequest) Question() string {
	m := questionTag.FindStringSubmatch(r.Content("user"))
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// Reply is a scripted answer to one chat request.
type Reply struct {
	Status     int    // HTTP status; 0 = 200
	RetryAfter string // Retry-After-Ms header value, for 429 and 5xx
	Content    string // the assistant message (status 200)
	Hang       bool   // block until the client gives up
}

// Server is a local OpenAI-compatible API. Its zero value is not usable;
// call NewServer.
type Server struct {
	URL            string // base URL to use as OPENAI_BASE_URL (ends in /v1)
	ChatModel      string
	EmbeddingModel string
	APIKey         string // required bearer token; "" = none checked
	Dims           int    // embedding dimensions

	tb   testing.TB
	done chan struct{}

	mu       sync.Mutex
	script   []func(ChatRequest) Reply
	fallback func(ChatRequest) Reply
	chats    []ChatRequest
	embeds   int
	reverse  bool
}

// NewServer starts a server that is closed when the test ends. Chat
// requests fail the test (and get a 500) unless scripted with Script or
// Default.
func NewServer(tb testing.TB, chatModel, embeddingModel string, dims int) *Server {
	s := &Server{ChatModel: chatModel, EmbeddingModel: embeddingModel, Dims: dims, tb: tb, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() { close(s.done) }) // runs first: releases hanging handlers
	s.URL = srv.URL + "/v1"
	return s
}

// Script queues replies for the next chat requests, in order.
func (s *Server) Script(replies ...func(ChatRequest) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Default sets the reply for chat requests once the script is used up.
func (s *Server) Default(reply func(ChatRequest) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = reply
}

// Say returns a scripted reply with fixed content.
func Say(content string) func(ChatRequest) Reply {
	return func(ChatRequest) Reply { return Reply{Content: content} }
}

// Fail returns a scripted error reply with the given status.
func Fail(status int) func(ChatRequest) Reply {
	return func(ChatRequest) Reply { return Reply{Status: status, RetryAfter: "5"} }
}

// Hang returns a scripted reply that never comes.
func Hang() func(ChatRequest) Reply {
	return func(ChatRequest) Reply { return Reply{Hang: true} }
}

// ChatRequests returns the chat requests received so far.
func (s *Server) ChatRequests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.chats...)
}

// EmbeddingRequests returns the number of embeddings requests received.
func (s *Server) EmbeddingRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.embeds
}

// SetDims changes the embedding dimensions (to test a model change).
func (s *Server) SetDims(d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Dims = d
}

// ReverseEmbeddings makes /embeddings list its data in reverse order, as
// the API allows (clients must use each item's index).
func (s *Server) ReverseEmbeddings() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reverse = true
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.APIKey == "" || r.Header.Get("Authorization") == "Bearer "+s.APIKey {
		return true
	}
	s.tb.Errorf("openaitest: %s without the API key", r.URL.Path)
	writeError(w, http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided.")
	return false
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req ChatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.tb.Errorf("openaitest: chat request: %v", err)
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if req.Model != s.ChatModel {
		s.tb.Errorf("openaitest: chat request for model %q; want %q", req.Model, s.ChatModel)
		writeError(w, http.StatusNotFound, "model_not_found", "model not found")
		return
	}
	s.mu.Lock()
	s.chats = append(s.chats, req)
	var next func(ChatRequest) Reply
	if len(s.script) > 0 {
		next, s.script = s.script[0], s.script[1:]
	} else {
		next = s.fallback
	}
	s.mu.Unlock()
	if next == nil {
		s.tb.Errorf("openaitest: unscripted chat request %d", len(s.ChatRequests()))
		writeError(w, http.StatusInternalServerError, "server_error", "no scripted reply")
		return
	}
	rep := next(req)
	switch {
	case rep.Hang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case rep.Status != 0 && rep.Status != http.StatusOK:
		if rep.RetryAfter != "" {
			w.Header().Set("Retry-After-Ms", rep.RetryAfter)
		}
		writeError(w, rep.Status, "scripted_error", http.StatusText(rep.Status))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1700000000, "model": req.Model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": rep.Content, "refusal": nil},
		}},
		"usage": map[string]any{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	})
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req struct {
		Model          string   `json:"model"`
		Input          []string `json:"input"`
		EncodingFormat string   `json:"encoding_format"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.tb.Errorf("openaitest: embeddings request: %v", err)
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if req.Model != s.EmbeddingModel {
		s.tb.Errorf("openaitest: embeddings request for model %q; want %q", req.Model, s.EmbeddingModel)
		writeError(w, http.StatusNotFound, "model_not_found", "model not found")
		return
	}
	for i, in := range req.Input {
		if in == "" {
			writeError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("input[%d] is empty", i))
			return
		}
	}
	s.mu.Lock()
	s.embeds++
	dims, reverse := s.Dims, s.reverse
	s.mu.Unlock()
	data := make([]any, len(req.Input))
	for i, in := range req.Input {
		j := i
		if reverse {
			j = len(req.Input) - 1 - i
		}
		data[j] = map[string]any{"object": "embedding", "index": i, "embedding": Vector(in, dims)}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)},
	})
}

// Vector is the deterministic unit vector the server returns for text:
// the sum of one pseudo-random vector per lower-cased word, so texts
// sharing words are similar.
func Vector(text string, dims int) []float64 {
	v := make([]float64, dims)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		w = strings.Trim(w, `.,;:!?"'()[]`)
		if w == "" {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(w))
		x := h.Sum64()
		for i := range v {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v[i] += float64(int64(x%2001)-1000) / 1000
		}
	}
	var n float64
	for _, x := range v {
		n += x * x
	}
	if n == 0 {
		v[0], n = 1, 1
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] /= n
	}
	return v
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": code, "code": code, "param": nil}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
