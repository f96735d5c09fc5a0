package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/gate"
	"github.com/coopbot/coopbot/metrics"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/web"
)

func init() {
	register(command{name: "serve", summary: "serve the web page, JSON API, metrics and the Slack/Discord bots", run: runServe})
}

// serveFlags are serve's command line.
type serveFlags struct {
	addr  string
	grace time.Duration
}

func parseServe(m *Main, args []string) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", m.Config.HTTPAddr, "listen address `host:port` (HTTP_ADDR)")
	fs.DurationVar(&f.grace, "shutdown-timeout", m.Config.ShutdownTimeout, "time to finish in-flight answers on SIGTERM (SHUTDOWN_TIMEOUT)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: coopbot serve [--addr host:port] [--shutdown-timeout D]\n\nServes the web page, the JSON API, /healthz, /readyz, /metrics and the chat bots\nwhose credentials are set (see docs/bots.md).")
		fs.PrintDefaults()
	}
	if err := parseFlags(m, fs, args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, usageError{"serve", fmt.Sprintf("serve takes no arguments, got %q", fs.Arg(0))}
	case checkAddr(f.addr) != nil:
		return f, usageError{"serve", fmt.Sprintf("--addr: %v", checkAddr(f.addr))}
	case f.grace <= 0:
		return f, usageError{"serve", fmt.Sprintf("--shutdown-timeout must be positive, got %s", f.grace)}
	}
	return f, nil
}

// runServe builds the core (or, when the database is unreachable, keeps
// retrying in the background while serving 503s), serves HTTP (page, API,
// /healthz, /readyz, /metrics and the bots' endpoints) and starts the
// bots, every surface through one edge.Front. On SIGINT or SIGTERM (ctx
// cancelled) it stops accepting, lets in-flight answers finish within the
// shutdown timeout, stops the bots and returns nil; Run then closes the
// database pool.
func runServe(ctx context.Context, m *Main, args []string) error {
	f, err := parseServe(m, args)
	if err != nil {
		return err
	}
	m.Logger.Info("starting", "config", m.Config)
	mt := metrics.New()
	m.Metrics = mt
	lc := &lazyCore{}
	if err := mt.RegisterIndexGauges(func(ctx context.Context) (retrieval.Stats, error) {
		if _, err := lc.service(); err != nil {
			return retrieval.Stats{}, err
		}
		return m.Store.Stats(ctx)
	}); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	// Before the store opens (perhaps in the background), which hands
	// it the database; stopped after the surfaces, before Run closes the
	// pool.
	defer m.startAnswerLog(ctx, m.Logger)()
	stopOpening, err := m.openServing(ctx, mt, lc)
	if err != nil {
		return err
	}
	defer stopOpening() // before Run closes the pool
	front := m.newFront(lc)
	mux, err := m.serveMux(front, lc)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "cannot listen on %s (is another server using the port?)", f.addr)
	}
	stopBots, err := m.startBots(ctx, mux, front, lc)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopBots()
	return m.serveHTTP(ctx, ln, mux, f.grace, stopBots)
}

// newFront is the one path from every surface to core: MAX_IN_FLIGHT
// answers at once, a queue of 4 × that, EBUSY (429, "busy, try again")
// beyond; ANSWER_TIMEOUT per answer; questions counted in m.Metrics.
func (m *Main) newFront(core edge.Core) *edge.Front {
	return edge.New(core, edge.Options{
		Gate:      gate.Options{MaxInFlight: m.Config.MaxInFlight},
		Timeout:   m.Config.AnswerTimeout,
		Recorder:  m.Metrics,
		Logger:    m.Logger,
		AnswerLog: m.AnswerLog,
	})
}

// openServing opens the core into lc; if the database is unreachable it
// keeps serving (503 and /readyz saying why) and retries in the background
// until stop is called. Other failures are returned.
func (m *Main) openServing(ctx context.Context, mt *metrics.Metrics, lc *lazyCore) (stop func(), err error) {
	openCtx, cancel := context.WithCancel(ctx)
	var opening sync.WaitGroup
	stop = func() { cancel(); opening.Wait() }
	if err := m.openCore(ctx, mt, lc); err != nil {
		if !m.retryable(err) {
			stop()
			return nil, err
		}
		lc.cause.Store(&err)
		m.Logger.Warn("database unreachable at start; serving and retrying in the background", "err", err)
		fmt.Fprintf(m.Stderr, "coopbot: %s; serving anyway (/readyz answers 503) and retrying in the background\n", retrieval.ErrorDetail(err))
		opening.Add(1)
		go func() { defer opening.Done(); m.retryOpen(openCtx, mt, lc) }()
	}
	return stop, nil
}

// serveMux routes the web surface (through front) and /metrics.
func (m *Main) serveMux(front *edge.Front, lc *lazyCore) (*http.ServeMux, error) {
	ws, err := web.New(web.Options{
		Front: front,
		Ready: func(ctx context.Context) error {
			if _, err := lc.service(); err != nil {
				return lc.notReady()
			}
			return m.ready(ctx)
		},
		APIToken: m.Config.APIToken,
		// The page describes what CORPUS_DIR loaded, once it has; the
		// service is published (atomically) after m.About is set.
		About: func() string {
			if _, err := lc.service(); err != nil {
				return ""
			}
			return m.About
		},
		Suggestions: m.suggestions(),
		Gaps:        m.gapsPage(lc),
		Logger:      m.Logger,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	ws.Register(mux)
	mux.Handle("GET /metrics", m.Metrics.Handler())
	return mux, nil
}

// serveHTTP serves mux on ln until ctx is cancelled or the server fails,
// then drains in-flight requests within grace and stops the bots.
func (m *Main) serveHTTP(ctx context.Context, ln net.Listener, mux http.Handler, grace time.Duration, stopBots func()) error {
	log := m.Logger
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(m.Stderr, "coopbot: serving http://%s\n", ln.Addr())
	log.Info("listening", "addr", ln.Addr().String())

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", grace.String())
	case serveErr = <-errc:
		log.Error("http server failed", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("in-flight requests did not finish in time; closing them", "err", err)
		_ = srv.Close()
	}
	stopBots()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", serveErr)
	}
	log.Info("stopped")
	return nil
}

// ready reports whether the service can answer: the database answers (with
// PostgreSQL; its migrations are applied when the store opens, and Stats
// reads the tables they create) and the index is not empty. /readyz shows
// the code's text; the detail goes to the log.
func (m *Main) ready(ctx context.Context) error {
	if m.Postgres != nil {
		if err := m.Postgres.Ping(ctx); err != nil {
			return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "the database is unreachable")
		}
	}
	s, err := m.Store.Stats(ctx)
	if err != nil {
		return retrieval.Detailf(retrieval.EUNAVAILABLE, err, "the store cannot be read (are the migrations applied?)")
	}
	if s.Chunks == 0 {
		return retrieval.Detailf(retrieval.EUNAVAILABLE, nil, "the index is empty: run coopbot ingest")
	}
	return nil
}
