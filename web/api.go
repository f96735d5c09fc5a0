package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/coopbot/coopbot/retrieval"
)

// maxBody bounds a POST /api/ask body; a question is at most
// retrieval.MaxQuestionLen bytes, JSON escaping can triple that.
const maxBody = 8 * retrieval.MaxQuestionLen

// Search result counts accepted by GET /api/search.
const (
	defaultK = 5
	maxK     = 20
)

// askRequest is the body of POST /api/ask.
type askRequest struct {
	Question string `json:"question"`
}

// apiError is the body of every API error response.
type apiError struct {
	Error     string `json:"error"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
}

// validateQuestion rejects empty, non-UTF-8 and oversized questions with
// the core's own EINVALID messages, before a slot is taken.
func validateQuestion(q string) error {
	_, err := retrieval.CleanQuestion(q)
	return err
}

// auth requires the API token when one is configured.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	if s.opts.APIToken == "" {
		return h
	}
	want := []byte("Bearer " + s.opts.APIToken)
	return func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="coopbot"`)
			writeJSON(w, http.StatusUnauthorized, apiError{
				Error: "this API needs the header Authorization: Bearer <API_TOKEN>", Code: "unauthorized", RequestID: requestID(r.Context())})
			return
		}
		h(w, r)
	}
}

func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	var req askRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ans, err := s.ask(r.Context(), "api", req.Question)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// decodeJSON reads one JSON object into v, with clear EINVALID errors for
// malformed JSON, unknown fields or a body too large. The Content-Type is
// not checked, so `curl -d '{"question": "..."}'` works as it is.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return retrieval.Errorf(retrieval.EINVALID, "the request body is too large (at most %d bytes); the question may be at most %d bytes", maxBody, retrieval.MaxQuestionLen)
		case errors.Is(err, io.EOF):
			return retrieval.Errorf(retrieval.EINVALID, `the request body is empty: want JSON {"question": "..."}`)
		case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
			return retrieval.Errorf(retrieval.EINVALID, `the request body is not valid JSON: want {"question": "..."}`)
		case errors.As(err, &typ):
			return retrieval.Errorf(retrieval.EINVALID, "field %q must be a %s", typ.Field, typ.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return retrieval.Errorf(retrieval.EINVALID, `unknown field %s: want {"question": "..."}`, strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return retrieval.Errorf(retrieval.EINVALID, `the request body is not valid JSON: want {"question": "..."}`)
	}
	if dec.More() {
		return retrieval.Errorf(retrieval.EINVALID, `the request body has more than one JSON value: want {"question": "..."}`)
	}
	return nil
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	k := defaultK
	if v := r.URL.Query().Get("k"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxK {
			s.writeError(w, r, retrieval.Errorf(retrieval.EINVALID, "k must be a whole number from 1 to %d, got %q", maxK, v))
			return
		}
		k = n
	}
	if err := validateQuestion(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	release, ok := s.acquire()
	if !ok {
		s.writeError(w, r, errBusy)
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.AnswerTimeout)
	defer cancel()
	snips, err := s.opts.Searcher.Search(ctx, q, k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SearchAnswer(q, snips))
}

// SearchAnswer presents search results in the JSON of `coopbot ask
// --json`: no answer text, one citation per snippet numbered from 1, and
// Abstained when nothing was found.
func SearchAnswer(query string, snips []retrieval.Snippet) retrieval.Answer {
	a := retrieval.Answer{Question: query, Abstained: len(snips) == 0, Citations: []retrieval.Citation{}}
	for i, sn := range snips {
		a.Citations = append(a.Citations, retrieval.Citation{
			N: i + 1, DocumentID: sn.DocumentID, Title: sn.Title, Date: sn.Date,
			Paragraph: sn.Paragraph, Text: sn.Text, Highlight: sn.Highlight, Score: sn.Score,
		})
	}
	return a
}

// writeError writes err as an apiError with the status its code maps to.
// Internal errors get a generic message and the request id; the cause is
// logged, never sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	id := requestID(ctx)
	code := retrieval.ErrorCode(err)
	st := status(err)
	msg := retrieval.ErrorMessage(err)
	if st >= 500 {
		s.log.ErrorContext(ctx, "request failed", "request_id", id, "path", r.URL.Path, "code", code, "err", err)
		if code == retrieval.EINTERNAL {
			msg = fmt.Sprintf("%s (request id %s)", msg, id)
		}
	}
	if st == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, st, apiError{Error: msg, Code: code, RequestID: id})
}

// writeJSON writes v as indented JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
