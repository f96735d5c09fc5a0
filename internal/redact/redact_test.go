package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/coopbot/coopbot/internal/redact"
)

const interactionToken = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpLcjRjY3k5bVhZc0xwT2VlR2dqT0ZxNjZwVUNObm5rQjJ6dnN4V0lVdFdQVDN0UGNiU2RwN2Y5d1lrR2ZzUUxP"

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Post "https://hooks.slack.com/commands/T1/123/s3cr3t": EOF`, `Post "https://hooks.slack.com/[redacted]": EOF`},
		{"https://discord.com/api/v9/interactions/1/" + interactionToken + "/callback", "https://discord.com/[redacted]"},
		{"postgres://coopbot:secret@db:5432/coopbot?sslmode=disable", "postgres://db:5432/[redacted]"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"token xoxb-1234-5678-abcdef and xapp-1-A0-99-ff", "token [redacted] and [redacted]"},
		{"Bot MTA5ODc2NTQzMjEwOTg3NjU0.GhIjKl.abcdefghijklmnopqrstuvwxyz012", "Bot [redacted]"},
		{"token " + interactionToken, "token [redacted]"},
		{"request_id=4f2a channel=C1 user=U1", "request_id=4f2a channel=C1 user=U1"},
		{"document 000_36fd46dc1482b52a hash " + strings.Repeat("ab", 32), "document 000_36fd46dc1482b52a hash " + strings.Repeat("ab", 32)},
	}
	for _, tt := range tests {
		if got := redact.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.Handler(slog.NewJSONHandler(&buf, nil))).With("hook", "https://hooks.slack.com/commands/T1/1/with")
	err := fmt.Errorf("failed to post webhook: %w", errors.New(`Post "https://hooks.slack.com/commands/T1/2/err": EOF`))
	log.WithGroup("g").Error("post to https://hooks.slack.com/commands/T1/3/msg failed", "error", err,
		"url", stringer("https://hooks.slack.com/commands/T1/4/stringer"), "raw", []byte("xoxb-9-9-secret"),
		slog.Group("inner", "u", "https://discord.com/api/webhooks/1/inner"), "n", 3)
	out := buf.String()
	for _, secret := range []string{"/with", "/err", "/msg", "/stringer", "xoxb-9", "/inner"} {
		if strings.Contains(out, secret) {
			t.Errorf("log output contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"n":3`) || !strings.Contains(out, "hooks.slack.com/[redacted]") {
		t.Errorf("log output lost its shape:\n%s", out)
	}
}
