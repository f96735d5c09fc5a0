// Package logtest captures log output for tests that scan it (for
// secrets, request ids): a Buffer safe for the goroutines that log into
// it, and a debug-level slog.Logger writing to one.
package logtest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer collects log output from concurrent goroutines.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was logged so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Await waits up to 30 s until the log holds want, failing the test
// otherwise.
func (b *Buffer) Await(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", want, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Logger returns a text logger at debug level writing to b, so that
// every line a component can write is captured.
func Logger(b *Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
