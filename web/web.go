// Package web serves coopbot over HTTP: the onboarding page at / (a
// server-rendered html/template that works without JavaScript, plus a
// little plain JS), the JSON API (POST /api/ask, GET /api/search), and the
// health endpoints /healthz and /readyz. It is a thin adapter over the
// retrieval core's Asker and Searcher.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/coopbot/coopbot/retrieval"
)

// Recorder records questions; *metrics.Metrics implements it. The web
// surface records page questions as "web" and API questions as "api".
type Recorder interface {
	// ObserveQuestion counts a question with its outcome (answered,
	// abstained, invalid, rate_limited or error) and its latency.
	ObserveQuestion(surface, outcome string, elapsed time.Duration)
}

// Options configures a Server. Asker and Searcher are required.
type Options struct {
	Asker    retrieval.Asker
	Searcher retrieval.Searcher
	// Ready reports whether the service can answer (store reachable,
	// migrations applied, index not empty); nil means always ready. Its
	// error's retrieval.ErrorMessage is shown by /readyz, the whole error
	// is logged.
	Ready func(ctx context.Context) error
	// Recorder, when set, records every question asked through the page
	// or the API, including those refused as busy.
	Recorder Recorder
	// MaxInFlight bounds the questions and searches running at once;
	// beyond it requests get 429 "busy". 0 means 16.
	MaxInFlight int
	// AnswerTimeout bounds one question; 0 means 90 seconds.
	AnswerTimeout time.Duration
	// APIToken, when set, is required as "Authorization: Bearer <token>"
	// on /api/*. The page itself stays public.
	APIToken string
	// Suggestions are the example questions offered on the page; nil
	// means DefaultSuggestions.
	Suggestions []string
	Logger      *slog.Logger
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
	log   *slog.Logger
	sem   chan struct{}
	page  *template.Template
	suggs []string
}

// New validates opts and returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Asker == nil || opts.Searcher == nil {
		return nil, errors.New("web: Options.Asker and Options.Searcher are required")
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 16
	}
	if opts.AnswerTimeout <= 0 {
		opts.AnswerTimeout = 90 * time.Second
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
	return &Server{
		opts:  opts,
		log:   log,
		sem:   make(chan struct{}, opts.MaxInFlight),
		page:  page,
		suggs: suggs,
	}, nil
}

// Register adds the server's routes to mux: GET / (the page), GET /answer
// (the answer fragment the page's script fetches), GET /static/,
// POST /api/ask, GET /api/search, GET /healthz and GET /readyz. /metrics is
// registered by the caller.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", s.wrap(s.handlePage))
	mux.Handle("GET /answer", s.wrap(s.handleFragment))
	mux.Handle("GET /static/", s.wrap(staticHandler().ServeHTTP))
	mux.Handle("POST /api/ask", s.wrap(s.auth(s.handleAsk)))
	mux.Handle("GET /api/search", s.wrap(s.auth(s.handleSearch)))
	mux.Handle("GET /healthz", s.wrap(s.handleHealth))
	mux.Handle("GET /readyz", s.wrap(s.handleReady))
}

// Handler returns a new mux with the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

// acquire takes a slot for one call into the core, or reports false when
// MaxInFlight calls are already running.
func (s *Server) acquire() (release func(), ok bool) {
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, true
	default:
		return nil, false
	}
}

// errBusy is returned, without calling the core, when too many questions
// are in flight.
var errBusy = retrieval.Errorf(retrieval.EBUSY, "coopbot is busy answering other questions; try again in a moment")

// ask asks the core within the concurrency bound and the answer timeout,
// and records the question under surface.
func (s *Server) ask(ctx context.Context, surface, question string) (retrieval.Answer, error) {
	start := time.Now()
	ans, err := s.askBounded(ctx, question)
	if s.opts.Recorder != nil {
		s.opts.Recorder.ObserveQuestion(surface, outcome(ans, err), time.Since(start))
	}
	return ans, err
}

func (s *Server) askBounded(ctx context.Context, question string) (retrieval.Answer, error) {
	if err := validateQuestion(question); err != nil {
		return retrieval.Answer{}, err
	}
	release, ok := s.acquire()
	if !ok {
		return retrieval.Answer{}, errBusy
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, s.opts.AnswerTimeout)
	defer cancel()
	return s.opts.Asker.Ask(ctx, question)
}

// outcome classifies an Ask's result like metrics.Outcome.
func outcome(a retrieval.Answer, err error) string {
	switch retrieval.ErrorCode(err) {
	case "":
		if a.Abstained {
			return "abstained"
		}
		return "answered"
	case retrieval.EINVALID:
		return "invalid"
	case retrieval.ERATELIMIT, retrieval.EBUSY:
		return "rate_limited"
	}
	return "error"
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
			s.log.WarnContext(ctx, "not ready", "request_id", requestID(ctx), "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "error": retrieval.ErrorMessage(err)})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
}

type ctxKey struct{}

// requestID returns the id wrap gave the request, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

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
		id := newRequestID()
		ctx := context.WithValue(r.Context(), ctxKey{}, id)
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
					writeJSON(sw, http.StatusInternalServerError, apiError{Error: "internal error", Code: retrieval.EINTERNAL, RequestID: id})
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
