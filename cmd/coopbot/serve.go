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

	"github.com/coopbot/coopbot/internal/gate"
	"github.com/coopbot/coopbot/metrics"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/web"
)

func init() {
	register(command{name: "serve", summary: "serve the web page, JSON API, metrics and the Slack/Discord bots", run: runServe})
}

// runServe builds the core (or, when the database is unreachable, keeps
// retrying in the background while serving 503s), serves HTTP (page, API, /healthz, /readyz,
// /metrics and the bots' endpoints) and starts the bots. On SIGINT or
// SIGTERM (ctx cancelled) it stops accepting, lets in-flight answers finish
// within the shutdown timeout, stops the bots and returns nil; Run then
// closes the database pool.
func runServe(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", m.Config.HTTPAddr, "listen address `host:port` (HTTP_ADDR)")
	grace := fs.Duration("shutdown-timeout", m.Config.ShutdownTimeout, "time to finish in-flight answers on SIGTERM (SHUTDOWN_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{2}
	}
	if fs.NArg() > 0 {
		return retrieval.Errorf(retrieval.EINVALID, "serve takes no arguments, got %q", fs.Arg(0))
	}
	if err := checkAddr(*addr); err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "--addr: %v", err)
	}
	if *grace <= 0 {
		return retrieval.Errorf(retrieval.EINVALID, "--shutdown-timeout must be positive, got %s", *grace)
	}
	log := m.Logger
	log.Info("starting", "config", m.Config)

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
	// Open the core; if the database is unreachable, serve anyway (503
	// and /readyz saying why) and keep trying in the background.
	openCtx, stopOpening := context.WithCancel(ctx)
	var opening sync.WaitGroup
	defer func() { stopOpening(); opening.Wait() }() // before Run closes the pool
	if err := m.openCore(ctx, mt, lc); err != nil {
		if !m.retryable(err) {
			return err
		}
		lc.cause.Store(&err)
		log.Warn("database unreachable at start; serving and retrying in the background", "err", err)
		fmt.Fprintf(m.Stderr, "coopbot: %s; serving anyway (/readyz answers 503) and retrying in the background\n", retrieval.ErrorMessage(err))
		opening.Add(1)
		go func() { defer opening.Done(); m.retryOpen(openCtx, mt, lc) }()
	}
	// One bound on the work all surfaces send to the core (and through it
	// to the database and the model): MAX_IN_FLIGHT at once, a queue of
	// 4 × that, EBUSY (429, "busy, try again") beyond.
	core := gate.New(lc, gate.Options{MaxInFlight: m.Config.MaxInFlight})
	ready := func(ctx context.Context) error {
		if _, err := lc.service(); err != nil {
			return lc.notReady()
		}
		return m.ready(ctx)
	}
	ws, err := web.New(web.Options{
		Asker:         core,
		Searcher:      core,
		Ready:         ready,
		Recorder:      mt,
		MaxInFlight:   core.Capacity(),
		AnswerTimeout: m.Config.AnswerTimeout,
		APIToken:      m.Config.APIToken,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	ws.Register(mux)
	mux.Handle("GET /metrics", mt.Handler())

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "cannot listen on %s (is another server using the port?)", *addr)
	}
	stopBots, err := m.startBots(ctx, mux, core, core.Capacity())
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopBots()
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
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
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
// reads the tables they create) and the index is not empty.
func (m *Main) ready(ctx context.Context) error {
	if m.Postgres != nil {
		if err := m.Postgres.Ping(ctx); err != nil {
			return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "the database is unreachable")
		}
	}
	s, err := m.Store.Stats(ctx)
	if err != nil {
		return retrieval.WrapError(retrieval.EUNAVAILABLE, err, "the store cannot be read (are the migrations applied?)")
	}
	if s.Chunks == 0 {
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "the index is empty: run coopbot ingest")
	}
	return nil
}
