package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/coopbot/coopbot/internal/edge"
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

// apiError is the body of every API error response.
type apiError struct {
	Error     string `json:"error"`
	Code      string `json:"code"`
	RequestID string `json:"request_id,omitempty"`
}

// auth requires the API token when one is configured: "Authorization:
// Bearer <token>", the scheme in any case (RFC 9110 §11.1), compared in
// constant time.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	if s.opts.APIToken == "" {
		return h
	}
	want := []byte(s.opts.APIToken)
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		ok := strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), want) == 1
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="coopbot"`)
			writeJSON(w, http.StatusUnauthorized, apiError{
				Error: "this API needs the header Authorization: Bearer <API_TOKEN>", Code: "unauthorized", RequestID: requestID(r.Context())})
			return
		}
		h(w, r)
	}
}

func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	q, err := decodeAsk(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ans, err := s.ask(r.Context(), edge.SurfaceAPI, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// askShape is the body POST /api/ask wants, quoted in its refusals.
const askShape = `{"question": "..."}`

// decodeAsk reads the question from a body of exactly one JSON object
// {"question": "..."}, with a plain EINVALID sentence for anything else.
// The object is read as raw fields first, so that an unknown field or a
// wrong type is told apart by its shape, never by the decoder's message
// (which names Go types). The Content-Type is not checked, so
// `curl -d '{"question": "..."}'` works as it is.
func decodeAsk(w http.ResponseWriter, r *http.Request) (string, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		var tooBig *http.MaxBytesError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return "", retrieval.Errorf(retrieval.EINVALID, "the request body is too large (at most %d bytes); the question may be at most %d bytes", maxBody, retrieval.MaxQuestionLen)
		case errors.Is(err, io.EOF):
			return "", retrieval.Errorf(retrieval.EINVALID, "the request body is empty: want JSON %s", askShape)
		case errors.As(err, &typ):
			return "", retrieval.Errorf(retrieval.EINVALID, "the request body must be a JSON object: want %s", askShape)
		}
		return "", retrieval.Errorf(retrieval.EINVALID, "the request body is not valid JSON: want %s", askShape)
	}
	if dec.More() {
		return "", retrieval.Errorf(retrieval.EINVALID, "the request body has more than one JSON value: want %s", askShape)
	}
	if fields == nil {
		return "", retrieval.Errorf(retrieval.EINVALID, "the request body must be a JSON object: want %s", askShape)
	}
	for name := range fields {
		if name != "question" {
			return "", retrieval.Errorf(retrieval.EINVALID, "unknown field %q: want %s", printable(name, 40), askShape)
		}
	}
	var q string
	if raw, ok := fields["question"]; ok {
		if err := json.Unmarshal(raw, &q); err != nil {
			return "", retrieval.Errorf(retrieval.EINVALID, `the field "question" must be a string: want %s`, askShape)
		}
	}
	return q, nil
}

// printable returns s cut to at most max characters, for quoting user
// input back in a refusal.
func printable(s string, max int) string {
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	k := defaultK
	if v := r.URL.Query().Get("k"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxK {
			s.writeError(w, r, retrieval.Errorf(retrieval.EINVALID, "k must be a whole number from 1 to %d, got %q", maxK, printable(v, 20)))
			return
		}
		k = n
	}
	ans, err := s.front.Search(r.Context(), edge.Question{Surface: edge.SurfaceAPI, ID: requestID(r.Context()), Text: q}, k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// writeError writes err as an apiError with the status its code maps to
// and the text its code maps to (edge.Text); the Front has logged the
// detail under the same request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	id := requestID(r.Context())
	st := status(err)
	if st == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, st, apiError{Error: edge.Text(err, id), Code: retrieval.ErrorCode(err), RequestID: id})
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
