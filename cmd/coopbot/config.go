package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coopbot/coopbot/retrieval/postgres"
	"github.com/coopbot/coopbot/sources"
)

// Config is coopbot's whole configuration, loaded from the environment
// (and, for some commands, flags). Secrets may also come from files: for a
// variable X, X_FILE names a file whose trimmed content is used. Secrets are
// never logged.
type Config struct {
	DatabaseURL string // DATABASE_URL; empty = in-process store over the bundled corpus
	// CorpusDir (CORPUS_DIR), without DATABASE_URL, is a folder indexed
	// in-process at start instead of the bundled corpus.
	CorpusDir string
	// SourcesAllowPrivate (SOURCES_ALLOW_PRIVATE=true) lets web sources
	// reach loopback and private addresses (an intranet).
	SourcesAllowPrivate bool
	// Sources (SOURCES) are folders, pages and feeds ("feed:URL") that
	// serve keeps fresh, every SourcesEvery (SOURCES_EVERY, default 1h).
	Sources      []sources.Source
	SourcesEvery time.Duration
	// DatabaseReadURL (DATABASE_READ_URL, optional) is a streaming read
	// replica of DatabaseURL's database that serves searches; writes and
	// chat claims stay on DatabaseURL.
	DatabaseReadURL string
	// ReadMaxLag (READ_MAX_LAG, default 10s) is the replication lag past
	// which searches skip the read replica for the primary.
	ReadMaxLag time.Duration
	// StatementTimeout bounds each database statement when answering
	// (STATEMENT_TIMEOUT, default 5s); ingest is not bounded.
	StatementTimeout time.Duration
	// EfSearch is the dense arm's HNSW search breadth (EF_SEARCH, 1–1000;
	// 0 = the store's default): higher finds more of the exact nearest
	// neighbours and costs more per question (docs/performance.md).
	EfSearch int
	// LexicalBudget bounds the postings a lexical search reads
	// (LEXICAL_BUDGET, postings; unset = exact at any cost): past it the
	// PostgreSQL store keeps the best chunks it has read, trading a
	// measured share of the exact top 10 for a bound on the time a
	// question of common words takes (docs/performance.md).
	LexicalBudget int
	// ConnectRetry is how long ingest retries a database it cannot reach
	// (CONNECT_RETRY, default 60s); serve retries for as long as it runs.
	ConnectRetry time.Duration

	Embedder       string // EMBEDDER: "semantic" (default), "hash" or "openai"
	EmbeddingModel string // EMBEDDING_MODEL, with EMBEDDER=openai
	OpenAIBaseURL  string // OPENAI_BASE_URL
	OpenAIAPIKey   string // OPENAI_API_KEY (secret)
	ChatModel      string // CHAT_MODEL; set = generated answers
	LLMTimeout     time.Duration

	HTTPAddr        string        // HTTP_ADDR, default ":8080" (coopbot serve --addr)
	APIToken        string        // API_TOKEN (secret); set = /api/* needs "Authorization: Bearer <token>"
	AnswerTimeout   time.Duration // ANSWER_TIMEOUT for one question over HTTP, default 90s
	ShutdownTimeout time.Duration // SHUTDOWN_TIMEOUT to finish in-flight answers on SIGTERM, default 10s

	SlackSigningSecret string   // SLACK_SIGNING_SECRET (secret)
	SlackBotToken      string   // SLACK_BOT_TOKEN (secret, xoxb-…)
	SlackAppToken      string   // SLACK_APP_TOKEN (secret, xapp-…)
	SlackChannels      []string // SLACK_CHANNELS, comma-separated channel IDs; empty = all
	SlackEphemeral     bool     // SLACK_EPHEMERAL=true: answers only visible to the asker
	// SlackAPIURL is the Slack Web API base URL (SLACK_API_URL, default
	// https://slack.com/api/; GovSlack and test servers use another),
	// always ending in "/" as slack-go joins method names onto it.
	SlackAPIURL string

	DiscordToken    string   // DISCORD_TOKEN (secret)
	DiscordGuildID  string   // DISCORD_GUILD_ID; set = register /ask in this guild only
	DiscordChannels []string // DISCORD_CHANNELS; empty = all
	// DiscordShardID and DiscordShardCount (DISCORD_SHARD_ID, 0-based,
	// and DISCORD_SHARD_COUNT) are sent in IDENTIFY; each replica on one
	// token takes its own id (docs/deploy.md). Count 0 = unsharded.
	DiscordShardID    int
	DiscordShardCount int

	RatePerMinute float64 // RATE_PER_MINUTE per user, default 6
	RateBurst     int     // RATE_BURST, default 3
	MaxInFlight   int     // MAX_IN_FLIGHT answers at once, default 16

	LogLevel  string // LOG_LEVEL: debug, info (default), warn, error
	LogFormat string // LOG_FORMAT: text (default) or json

	// AnswerLog is ANSWER_LOG: "on" (default) records every question
	// and takes votes (docs/feedback.md); "off" does neither.
	AnswerLog     string
	AnswerLogDays int    // ANSWER_LOG_DAYS the log keeps questions, default 90
	AnswerLogKey  string // ANSWER_LOG_KEY (secret) keying the user and channel hashes
}

// DefaultSlackAPIURL is Slack's own Web API (SLACK_API_URL unset).
const DefaultSlackAPIURL = "https://slack.com/api/"

// withSlash returns u ending in "/": slack-go appends method names
// ("chat.postMessage") to the base URL as they are.
func withSlash(u string) string {
	if strings.HasSuffix(u, "/") {
		return u
	}
	return u + "/"
}

// LoadConfig reads the configuration from getenv (os.Getenv in production)
// and validates it, reporting every problem in one error.
func LoadConfig(getenv func(string) string) (Config, error) {
	e := &envReader{getenv: getenv}
	c := e.read()
	errs := append(e.errs, c.validate()...)
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// read reads every variable, with its default.
func (e *envReader) read() Config {
	c := Config{
		DatabaseURL:        e.secret("DATABASE_URL"),
		DatabaseReadURL:    e.secret("DATABASE_READ_URL"),
		ReadMaxLag:         e.dur("READ_MAX_LAG", postgres.DefaultMaxLag),
		StatementTimeout:   e.dur("STATEMENT_TIMEOUT", 5*time.Second),
		EfSearch:           e.integer("EF_SEARCH", 0),
		LexicalBudget:      e.integer("LEXICAL_BUDGET", 0),
		ConnectRetry:       e.dur("CONNECT_RETRY", 60*time.Second),
		Embedder:           e.str("EMBEDDER", "semantic"),
		EmbeddingModel:     e.str("EMBEDDING_MODEL", ""),
		OpenAIBaseURL:      e.str("OPENAI_BASE_URL", ""),
		OpenAIAPIKey:       e.secret("OPENAI_API_KEY"),
		ChatModel:          e.str("CHAT_MODEL", ""),
		LLMTimeout:         e.dur("LLM_TIMEOUT", 60*time.Second),
		HTTPAddr:           e.str("HTTP_ADDR", ":8080"),
		APIToken:           e.secret("API_TOKEN"),
		AnswerTimeout:      e.dur("ANSWER_TIMEOUT", 90*time.Second),
		ShutdownTimeout:    e.dur("SHUTDOWN_TIMEOUT", 10*time.Second),
		SlackSigningSecret: e.secret("SLACK_SIGNING_SECRET"),
		SlackBotToken:      e.secret("SLACK_BOT_TOKEN"),
		SlackAppToken:      e.secret("SLACK_APP_TOKEN"),
		SlackChannels:      e.list("SLACK_CHANNELS"),
		SlackEphemeral:     e.boolean("SLACK_EPHEMERAL"),
		SlackAPIURL:        withSlash(e.str("SLACK_API_URL", DefaultSlackAPIURL)),
		DiscordToken:       e.secret("DISCORD_TOKEN"),
		DiscordGuildID:     e.str("DISCORD_GUILD_ID", ""),
		DiscordChannels:    e.list("DISCORD_CHANNELS"),
		DiscordShardID:     e.index("DISCORD_SHARD_ID"),
		DiscordShardCount:  e.integer("DISCORD_SHARD_COUNT", 0),
		RatePerMinute:      e.num("RATE_PER_MINUTE", 6),
		RateBurst:          e.integer("RATE_BURST", 3),
		MaxInFlight:        e.integer("MAX_IN_FLIGHT", 16),
		LogLevel:           e.str("LOG_LEVEL", "info"),
		LogFormat:          e.str("LOG_FORMAT", "text"),
		AnswerLog:          e.str("ANSWER_LOG", "on"),
		AnswerLogDays:      e.integer("ANSWER_LOG_DAYS", 90),
		AnswerLogKey:       e.secret("ANSWER_LOG_KEY"),
	}
	// Set apart from the literal, so that adding them left its alignment alone.
	c.CorpusDir = e.str("CORPUS_DIR", "")
	c.SourcesAllowPrivate = e.boolean("SOURCES_ALLOW_PRIVATE")
	c.Sources = e.sources("SOURCES")
	c.SourcesEvery = e.dur("SOURCES_EVERY", sources.DefaultEvery)
	return c
}

// validate returns every problem with c that no single variable shows.
func (c Config) validate() []error {
	var errs []error
	if c.CorpusDir != "" && c.DatabaseURL != "" {
		errs = append(errs, errors.New("CORPUS_DIR is for trying coopbot without a database; with DATABASE_URL set, unset CORPUS_DIR and run coopbot ingest on the folder"))
	}
	if len(c.Sources) > 0 && c.DatabaseURL == "" {
		errs = append(errs, errors.New("SOURCES needs DATABASE_URL: the refresher keeps what it fetched in PostgreSQL (to try a folder without one, use CORPUS_DIR)"))
	}
	if c.EfSearch > postgres.MaxEfSearch {
		errs = append(errs, fmt.Errorf("EF_SEARCH: want at most %d (pgvector's limit), got %d", postgres.MaxEfSearch, c.EfSearch))
	}
	switch c.Embedder {
	case "semantic", "hash":
	case "openai":
		if c.EmbeddingModel == "" {
			errs = append(errs, errors.New("EMBEDDER=openai needs EMBEDDING_MODEL"))
		}
	default:
		errs = append(errs, fmt.Errorf("EMBEDDER: want semantic, hash or openai, got %q", c.Embedder))
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: want an app-level token starting with xapp-"))
	}
	if c.SlackAppToken != "" && c.SlackBotToken == "" {
		errs = append(errs, errors.New("SLACK_APP_TOKEN (Socket Mode) also needs SLACK_BOT_TOKEN"))
	}
	if c.DiscordShardID >= max(c.DiscordShardCount, 1) {
		errs = append(errs, fmt.Errorf("DISCORD_SHARD_ID: want 0 to DISCORD_SHARD_COUNT-1 (%d), got %d; set DISCORD_SHARD_COUNT to the number of replicas", max(c.DiscordShardCount, 1)-1, c.DiscordShardID))
	}
	if u, err := url.Parse(c.SlackAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		errs = append(errs, fmt.Errorf("SLACK_API_URL: want an http(s) URL such as %s, got %q", DefaultSlackAPIURL, c.SlackAPIURL))
	}
	if err := checkAddr(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("HTTP_ADDR: %w", err))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.Contains(c.DatabaseURL, "=") {
		// Never echo the value: it holds a password.
		errs = append(errs, errors.New("DATABASE_URL: want postgres://user:password@host:5432/dbname"))
	}
	if c.DatabaseReadURL != "" && c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_READ_URL needs DATABASE_URL: writes, claims and the fallback go to the primary"))
	}
	if c.OpenAIBaseURL != "" {
		if u, err := url.Parse(c.OpenAIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("OPENAI_BASE_URL: want an http(s) URL such as http://ollama:11434/v1, got %q", c.OpenAIBaseURL))
		}
	}
	if (c.Embedder == "openai" || c.ChatModel != "") && c.OpenAIAPIKey == "" && c.OpenAIBaseURL == "" {
		errs = append(errs, errors.New("EMBEDDER=openai or CHAT_MODEL needs OPENAI_API_KEY (api.openai.com) or OPENAI_BASE_URL (a local OpenAI-compatible server such as Ollama)"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("LOG_FORMAT: want text or json, got %q", c.LogFormat))
	}
	if c.AnswerLog != "on" && c.AnswerLog != "off" {
		errs = append(errs, fmt.Errorf("ANSWER_LOG: want on or off, got %q", c.AnswerLog))
	}
	return errs
}

// envReader reads configuration variables, collecting every problem in
// errs rather than stopping at the first.
type envReader struct {
	getenv func(string) string
	errs   []error
}

func (e *envReader) fail(format string, args ...any) {
	e.errs = append(e.errs, fmt.Errorf(format, args...))
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

// secret reads X, or the trimmed content of the file X_FILE names. A
// file that is missing, unreadable, empty or only whitespace is an error:
// a blank secret must never silently turn its feature (API_TOKEN: the
// API's authentication) off.
func (e *envReader) secret(name string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	f := strings.TrimSpace(e.getenv(name + "_FILE"))
	if f == "" {
		return ""
	}
	b, err := os.ReadFile(f)
	if err != nil {
		e.fail("%s_FILE: cannot read %s", name, f)
		return ""
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		e.fail("%s_FILE: %s is empty; put the secret in it, or unset %s_FILE", name, f, name)
	}
	return v
}

func (e *envReader) sources(name string) []sources.Source {
	s, err := sources.Parse(e.getenv(name))
	if err != nil {
		e.fail("%s: %w", name, err)
	}
	return s
}

func (e *envReader) list(name string) []string {
	var out []string
	for _, s := range strings.Split(e.getenv(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (e *envReader) num(name string, def float64) float64 {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		e.fail("%s: want a positive number, got %q", name, v)
		return def
	}
	return f
}

func (e *envReader) boolean(name string) bool {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail("%s: want true or false, got %q", name, v)
	}
	return b
}

func (e *envReader) integer(name string, def int) int {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		e.fail("%s: want a positive whole number, got %q", name, v)
		return def
	}
	return n
}

// index reads a whole number from 0 up (0 when unset).
func (e *envReader) index(name string) int {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.fail("%s: want a whole number from 0, got %q", name, v)
		return 0
	}
	return n
}

func (e *envReader) dur(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.fail("%s: want a duration such as 30s, got %q", name, v)
		return def
	}
	return d
}

// checkAddr validates a listen address such as ":8080" or "127.0.0.1:0".
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port such as :8080, got %q", addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("want a port from 0 to 65535, got %q", port)
	}
	return nil
}

// LogValue logs the configuration with every secret reduced to whether it
// is set, so a Config can be logged as a whole.
func (c Config) LogValue() slog.Value {
	set := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	return slog.GroupValue(
		slog.String("database", map[bool]string{true: "postgres", false: "in-process"}[c.DatabaseURL != ""]),
		slog.String("corpus_dir", c.CorpusDir),
		slog.String("read_replica", set(c.DatabaseReadURL)),
		slog.String("embedder", c.Embedder),
		slog.String("embedding_model", c.EmbeddingModel),
		slog.String("openai_base_url", c.OpenAIBaseURL),
		slog.String("openai_api_key", set(c.OpenAIAPIKey)),
		slog.String("chat_model", c.ChatModel),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("api_token", set(c.APIToken)),
		slog.String("slack", set(c.SlackBotToken)),
		slog.String("slack_socket_mode", set(c.SlackAppToken)),
		slog.String("slack_api_url", c.SlackAPIURL),
		slog.String("discord", set(c.DiscordToken)),
		slog.Int("discord_shard_id", c.DiscordShardID),
		slog.Int("discord_shard_count", c.DiscordShardCount),
		slog.Float64("rate_per_minute", c.RatePerMinute),
		slog.Int("rate_burst", c.RateBurst),
		slog.Int("max_in_flight", c.MaxInFlight),
		slog.Duration("answer_timeout", c.AnswerTimeout),
		slog.Duration("statement_timeout", c.StatementTimeout),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.String("log_level", c.LogLevel),
		slog.String("answer_log", c.AnswerLog),
		slog.Int("answer_log_days", c.AnswerLogDays),
		slog.String("answer_log_key", set(c.AnswerLogKey)),
	)
}
