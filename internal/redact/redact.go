// Package redact keeps capability URLs and tokens out of logs. A Slack
// response_url, a Discord interaction or webhook URL and a bot token each
// let whoever reads them post as the bot, and they reach log lines
// inside errors (net/http puts the request URL in every transport
// error), so adapters wrap their slog handler with Handler rather than
// trusting each call site.
package redact

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// Mark replaces what was removed.
const Mark = "[redacted]"

var (
	// url matches a URL with a scheme; the host is kept, for diagnosis.
	url = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+`)
	// token matches token shapes: Slack (xoxb-…, xapp-…), Discord bot
	// tokens (three dot-separated base64 parts) and long opaque strings
	// such as Discord interaction tokens.
	token = regexp.MustCompile(`\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+|` +
		`\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}|[A-Za-z0-9_.-]{100,}`)
)

// String returns s with every URL cut to its scheme and host (user
// information, path and query removed) and every token replaced by Mark.
func String(s string) string {
	s = url.ReplaceAllStringFunc(s, func(u string) string {
		i := strings.Index(u, "://") + 3
		rest := u[i:]
		host := rest
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			host = rest[:j]
		}
		if j := strings.LastIndexByte(host, '@'); j >= 0 {
			host = host[j+1:]
		}
		if len(host) == len(rest) {
			return u[:i] + host
		}
		return u[:i] + host + "/" + Mark
	})
	return token.ReplaceAllString(s, Mark)
}

// Handler returns a handler that passes every record to h with its
// message and its string, error and stringer attributes redacted by
// String.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ h slog.Handler }

func (r handler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r handler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = attr(a)
	}
	return handler{r.h.WithAttrs(red)}
}

func (r handler) WithGroup(name string) slog.Handler { return handler{r.h.WithGroup(name)} }

// attr redacts one attribute, groups recursively.
func attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = attr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, String(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, String(x.String()))
		case []byte:
			return slog.String(a.Key, String(string(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
