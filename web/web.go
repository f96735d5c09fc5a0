// Package web serves coopbot over HTTP: the onboarding page at / (a
// server-rendered html/template that works without JavaScript, plus a
// little plain JS), the JSON API (POST /api/ask, GET /api/search), and the
// health endpoints /healthz and /readyz. It is a thin adapter over the
// one path to the core every surface shares (internal/edge).
package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/retrieval"
)

// Options configures a Server. Front is required.
type Options struct {
	// Front is the one path to the retrieval core that every surface
	// shares: validation, the admission gate, the answer timeout, outcome
	// metrics and logs.
	Front *edge.Front
	// Ready reports whether the service can answer (store reachable,
	// migrations applied, index not empty); nil means always ready.
	// /readyz shows the text of its error's code; the whole error is
	// logged.
	Ready func(ctx context.Context) error
	// APIToken, when set, is required as "Authorization: Bearer <token>"
	// on /api/*. The page itself stays public.
	APIToken string
	// Suggestions are the example questions offered on the page; nil
	// means DefaultSuggestions.
	Suggestions []string
	// About, when set and not empty, says on the page what the documents
	// are (the store loaded from CORPUS_DIR), in place of the bundled
	// corpus's description. It is read on each request: the store may
	// load after the server starts.
	About func() string
	// Gaps, when set, builds the coverage-gaps report GET /gaps shows
	// (behind APIToken when set); nil answers 404.
	Gaps   GapsFunc
	Logger *slog.Logger
}

// DefaultSuggestions are questions the bundled corpus answers, plus one it
// does not, to show the "not in the sources" state.
var DefaultSuggestions = []string{
	"Which minister announced the Typhoon exercise plan?",
	"What is the Joint New Air-to-Air Missile project?",
	"Where did the first UK–Japan 2+2 meeting take place?",
	"When did Japan lift its ban on defence exports?",
	"What cyber cooperation did the two countries agree?",
	"Who won the 2015 Rugby World Cup?",
}

// Server is the HTTP surface. Create it with New.
type Server struct {
	opts  Options
	front *edge.Front
	log   *slog.Logger
	page  *template.Template
	suggs []string
}

// New validates opts and returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Front == nil {
		return nil, errors.New("web: Options.Front is required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	suggs := opts.Suggestions
	if suggs == nil {
		suggs = DefaultSuggestions
	}
	page, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Server{opts: opts, front: opts.Front, log: log, page: page, suggs: suggs}, nil
}

// Register adds the server's routes to mux: GET / (the page), GET /answer
// (the answer fragment the page's script fetches), GET /static/,
// POST /api/ask, GET /api/search, POST /api/feedback, GET /gaps, GET /healthz and GET /readyz. /metrics is
// registered by the caller.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", s.wrap(s.handlePage))
	mux.Handle("GET /answer", s.wrap(s.handleFragment))
	mux.Handle("GET /static/", s.wrap(staticHandler().ServeHTTP))
	mux.Handle("POST /api/ask", s.wrap(s.auth(s.handleAsk)))
	mux.Handle("GET /api/search", s.wrap(s.auth(s.handleSearch)))
	mux.Handle("POST /api/feedback", s.wrap(s.handleFeedback))
	mux.Handle("GET /gaps", s.wrap(s.auth(s.handleGaps)))
	mux.Handle("GET /healthz", s.wrap(s.handleHealth))
	mux.Handle("GET /readyz", s.wrap(s.handleReady))
}

// Handler returns a new mux with the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// ask asks the core through the Front, under the request's id.
func (s *Server) ask(ctx context.Context, surface, question string) (retrieval.Answer, error) {
	return s.front.Ask(ctx, edge.Question{Surface: surface, ID: requestID(ctx), Text: question})
}

// status maps an error code to an HTTP status.
func status(err error) int {
	switch retrieval.ErrorCode(err) {
	case "":
		return http.StatusOK
	case retrieval.EINVALID:
		return http.StatusBadRequest
	case retrieval.ENOTFOUND:
		return http.StatusNotFound
	case retrieval.ERATELIMIT, retrieval.EBUSY:
		return http.StatusTooManyRequests
	case retrieval.EUNAVAILABLE, retrieval.EMISMATCH:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			id := requestID(ctx)
			s.log.WarnContext(ctx, "not ready", "request_id", id, "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "error": retrieval.ErrorMessage(err), "request_id": id})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}

// requestID returns the id wrap gave the request, or "".
func requestID(ctx context.Context) string { return edge.RequestID(ctx) }

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// wrap gives every request an id (X-Request-Id), security headers, a
// recovered panic (500, never a stack trace to the user) and one log line.
func (s *Server) wrap(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := edge.NewRequestID()
		ctx := edge.WithRequestID(r.Context(), id)
		sw := &statusWriter{ResponseWriter: w}
		hd := w.Header()
		hd.Set("X-Request-Id", id)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic in handler", "request_id", id, "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					err := retrieval.Errorf(retrieval.EINTERNAL, "panic")
					writeJSON(sw, http.StatusInternalServerError, apiError{Error: edge.Text(err, id), Code: retrieval.EINTERNAL, RequestID: id})
				}
			}
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" || len(r.URL.Path) > 7 && r.URL.Path[:8] == "/static/" {
				level = slog.LevelDebug
			}
			s.log.Log(ctx, level, "http request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", sw.status, "duration_ms", time.Since(start).Milliseconds())
		}()
		h(sw, r.WithContext(ctx))
	})
}
