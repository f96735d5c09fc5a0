package bot

import (
	"context"
	"sync"
)

// Tasks runs an adapter's answers in the background, each with a context
// that Close cancels, so the adapter can drain them on shutdown. It is safe
// for concurrent use.
type Tasks struct {
	base   context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// NewTasks returns an open Tasks.
func NewTasks() *Tasks {
	base, cancel := context.WithCancel(context.Background())
	return &Tasks{base: base, cancel: cancel}
}

// Go runs f in a goroutine unless Close was called, and reports whether it
// did. f's context is cancelled when Close gives up waiting.
func (t *Tasks) Go(f func(ctx context.Context)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		f(t.base)
	}()
	return true
}

// Close refuses new tasks, waits for running ones until ctx is done, then
// cancels those left and returns once all have returned.
func (t *Tasks) Close(ctx context.Context) {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	t.cancel()
	<-done
}
