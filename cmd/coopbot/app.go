package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/coopbot/coopbot/corpus"
	"github.com/coopbot/coopbot/feedback"
	"github.com/coopbot/coopbot/ingest"
	"github.com/coopbot/coopbot/ingest/pdf"
	"github.com/coopbot/coopbot/metrics"
	"github.com/coopbot/coopbot/retrieval"
	"github.com/coopbot/coopbot/retrieval/hash"
	"github.com/coopbot/coopbot/retrieval/memory"
	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/retrieval/semantic"
	"github.com/coopbot/coopbot/retrieval/snowball"
)

// Main wires coopbot's components by hand: configuration, embedder, store
// and the retrieval service. Open builds them; Close releases them.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer
	Logger *slog.Logger

	Analyzer retrieval.Analyzer
	Embedder retrieval.Embedder
	Store    retrieval.Store
	Postgres *postgres.Store // nil with the in-process store
	Service  *retrieval.Service
	// Metrics, when set (by serve), counts questions from every surface.
	Metrics *metrics.Metrics
	// About, when set, says on the page what the store was loaded with
	// (CORPUS_DIR).
	About string

	pdf *pdf.Extractor // started by formats, on the first PDF

	// AnswerLog, when set (startAnswerLog), records every question and
	// takes votes; logStore is its store.
	AnswerLog *feedback.Log
	logStore  *logStore

	closers []func()
}

// NewMain returns a Main whose logger writes to stderr.
func NewMain(cfg Config, stdout, stderr io.Writer) *Main {
	return &Main{Config: cfg, Stdout: stdout, Stderr: stderr, Logger: newLogger(cfg, stderr, cfg.level())}
}

// level is LOG_LEVEL as a slog level (info when unset).
func (c Config) level() slog.Level {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(c.LogLevel))
	return level
}

// newLogger logs at level and above to w in LOG_FORMAT.
func newLogger(cfg Config, w io.Writer, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// questionLogger is the log of ask and search: silent unless
// LOG_LEVEL=debug, so that an error stays one plain line on stderr and
// the operator asks for the detail behind it.
func (m *Main) questionLogger() *slog.Logger {
	if m.Config.level() > slog.LevelDebug {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

// OpenEmbedder builds the configured embedder.
func (m *Main) OpenEmbedder(ctx context.Context) error {
	if m.Embedder != nil {
		return nil
	}
	m.Analyzer = snowball.New()
	e, err := m.newEmbedder(ctx)
	if err != nil {
		return err
	}
	m.Embedder = e
	return nil
}

// OpenStore opens PostgreSQL when DATABASE_URL is set. Otherwise, when
// bundled is true, it indexes CORPUS_DIR, or else the bundled corpus,
// into an in-process store.
func (m *Main) OpenStore(ctx context.Context, bundled bool) error {
	if m.Store != nil {
		return nil
	}
	if err := m.OpenEmbedder(ctx); err != nil {
		return err
	}
	if m.Config.DatabaseURL != "" {
		// Commands that answer (bundled) bound every statement; ingest
		// writes and builds indexes, and is not bounded.
		opts := postgres.Options{EfSearch: m.Config.EfSearch, LexicalBudget: m.Config.LexicalBudget, Analyzer: m.Analyzer}
		if bundled {
			opts.StatementTimeout = m.Config.StatementTimeout
		}
		s, err := postgres.Open(ctx, m.Config.DatabaseURL, opts)
		if err != nil {
			return err
		}
		m.Postgres, m.Store = s, s
		m.closers = append(m.closers, s.Close)
		if m.logStore != nil {
			al := s.AnswerLog()
			m.logStore.pg.Store(&al)
		}
		fmt.Fprintln(m.Stderr, "coopbot: using the PostgreSQL store (DATABASE_URL)")
		if bundled {
			return m.openReadReplica(ctx, s, opts)
		}
		return nil
	}
	if !bundled {
		return retrieval.Errorf(retrieval.EINVALID, "this command needs a database: set DATABASE_URL (for example postgres://user:pass@localhost:5432/coopbot)")
	}
	if m.Config.CorpusDir != "" {
		return m.openCorpusDir(ctx)
	}
	mem := memory.New(m.Analyzer)
	p := ingest.Pipeline{Store: mem, Embedder: m.Embedder, Logger: slog.New(slog.DiscardHandler)}
	sum, err := p.Run(ctx, ingest.RunOptions{FS: corpus.FS})
	if err != nil {
		return fmt.Errorf("index bundled corpus: %w", err)
	}
	m.Store = mem
	fmt.Fprintf(m.Stderr, "coopbot: using the in-process store over the bundled corpus (%d documents, %d chunks); set DATABASE_URL to use PostgreSQL\n", sum.Ingested, sum.Chunks)
	return nil
}

// Open builds the whole retrieval core.
func (m *Main) Open(ctx context.Context) error {
	if m.Service != nil {
		return nil
	}
	if err := m.OpenStore(ctx, true); err != nil {
		return err
	}
	ans, err := m.newAnswerer(ctx)
	if err != nil {
		return err
	}
	lex, err := semantic.NewLexicon()
	if err != nil {
		return err
	}
	m.Service = &retrieval.Service{
		Store:    m.Store,
		Embedder: m.Embedder,
		Analyzer: m.Analyzer,
		Lexicon:  lex,
		Answerer: ans,
		Rewriter: m.llmRewriter(),
		Logger:   m.Logger,
		// The answer log names the model that wrote an answer.
		AnswererName: m.Config.ChatModel,
	}
	return nil
}

// Close releases everything Open acquired, in reverse order.
func (m *Main) Close() error {
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.closers = nil
	return nil
}

// newEmbedder returns the embedder named by EMBEDDER.
func (m *Main) newEmbedder(ctx context.Context) (retrieval.Embedder, error) {
	switch m.Config.Embedder {
	case "", "semantic":
		return semantic.Blend(hash.New(hash.DefaultDims), m.Analyzer)
	case "hash":
		return hash.New(hash.DefaultDims), nil
	case "openai":
		return m.openAIEmbedder()
	}
	return nil, retrieval.Errorf(retrieval.EINVALID, "unknown EMBEDDER %q", m.Config.Embedder)
}

// newAnswerer returns the configured answerer: nil means the extractive
// default of retrieval.Service; with CHAT_MODEL, generated answers (see
// llm.go).
func (m *Main) newAnswerer(ctx context.Context) (retrieval.Answerer, error) {
	return m.llmAnswerer(ctx)
}
