package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is coopbot's whole configuration, loaded from the environment
// (and, for some commands, flags). Secrets may also come from files: for a
// variable X, X_FILE names a file whose trimmed content is used. Secrets are
// never logged.
type Config struct {
	DatabaseURL string // DATABASE_URL; empty = in-process store over the bundled corpus

	Embedder       string // EMBEDDER: "hash" (default) or "openai"
	EmbeddingModel string // EMBEDDING_MODEL, with EMBEDDER=openai
	OpenAIBaseURL  string // OPENAI_BASE_URL
	OpenAIAPIKey   string // OPENAI_API_KEY (secret)
	ChatModel      string // CHAT_MODEL; set = generated answers
	LLMTimeout     time.Duration

	HTTPAddr string // HTTP_ADDR, default ":8080"
	APIToken string // API_TOKEN (secret); set = /api/* needs "Authorization: Bearer <token>"

	SlackSigningSecret string   // SLACK_SIGNING_SECRET (secret)
	SlackBotToken      string   // SLACK_BOT_TOKEN (secret, xoxb-…)
	SlackAppToken      string   // SLACK_APP_TOKEN (secret, xapp-…)
	SlackChannels      []string // SLACK_CHANNELS, comma-separated channel IDs; empty = all
	SlackEphemeral     bool     // SLACK_EPHEMERAL=true: answers only visible to the asker

	DiscordToken    string   // DISCORD_TOKEN (secret)
	DiscordGuildID  string   // DISCORD_GUILD_ID; set = register /ask in this guild only
	DiscordChannels []string // DISCORD_CHANNELS; empty = all

	RatePerMinute float64 // RATE_PER_MINUTE per user, default 6
	RateBurst     int     // RATE_BURST, default 3
	MaxInFlight   int     // MAX_IN_FLIGHT answers at once, default 16

	LogLevel  string // LOG_LEVEL: debug, info (default), warn, error
	LogFormat string // LOG_FORMAT: text (default) or json
}

// LoadConfig reads the configuration from getenv (os.Getenv in production)
// and validates it, reporting every problem in one error.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	secret := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		if f := strings.TrimSpace(getenv(name + "_FILE")); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: cannot read %s", name, f))
				return ""
			}
			return strings.TrimSpace(string(b))
		}
		return ""
	}
	list := func(name string) []string {
		var out []string
		for _, s := range strings.Split(getenv(name), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	num := func(name string, def float64) float64 {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive number, got %q", name, v))
			return def
		}
		return f
	}
	boolean := func(name string) bool {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: want true or false, got %q", name, v))
		}
		return b
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a duration such as 30s, got %q", name, v))
			return def
		}
		return d
	}

	c := Config{
		DatabaseURL:        secret("DATABASE_URL"),
		Embedder:           str("EMBEDDER", "hash"),
		EmbeddingModel:     str("EMBEDDING_MODEL", ""),
		OpenAIBaseURL:      str("OPENAI_BASE_URL", ""),
		OpenAIAPIKey:       secret("OPENAI_API_KEY"),
		ChatModel:          str("CHAT_MODEL", ""),
		LLMTimeout:         dur("LLM_TIMEOUT", 60*time.Second),
		HTTPAddr:           str("HTTP_ADDR", ":8080"),
		APIToken:           secret("API_TOKEN"),
		SlackSigningSecret: secret("SLACK_SIGNING_SECRET"),
		SlackBotToken:      secret("SLACK_BOT_TOKEN"),
		SlackAppToken:      secret("SLACK_APP_TOKEN"),
		SlackChannels:      list("SLACK_CHANNELS"),
		SlackEphemeral:     boolean("SLACK_EPHEMERAL"),
		DiscordToken:       secret("DISCORD_TOKEN"),
		DiscordGuildID:     str("DISCORD_GUILD_ID", ""),
		DiscordChannels:    list("DISCORD_CHANNELS"),
		RatePerMinute:      num("RATE_PER_MINUTE", 6),
		RateBurst:          int(num("RATE_BURST", 3)),
		MaxInFlight:        int(num("MAX_IN_FLIGHT", 16)),
		LogLevel:           str("LOG_LEVEL", "info"),
		LogFormat:          str("LOG_FORMAT", "text"),
	}
	switch c.Embedder {
	case "hash":
	case "openai":
		if c.EmbeddingModel == "" {
			errs = append(errs, errors.New("EMBEDDER=openai needs EMBEDDING_MODEL"))
		}
	default:
		errs = append(errs, fmt.Errorf("EMBEDDER: want hash or openai, got %q", c.Embedder))
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: want an app-level token starting with xapp-"))
	}
	if c.SlackAppToken != "" && c.SlackBotToken == "" {
		errs = append(errs, errors.New("SLACK_APP_TOKEN (Socket Mode) also needs SLACK_BOT_TOKEN"))
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
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}
