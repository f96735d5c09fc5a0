package gate_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/gate"
	"github.com/coopbot/coopbot/internal/testcore"
	"github.com/coopbot/coopbot/retrieval"
)

// heldCore blocks every call until release is closed and counts the calls
// running at once.
type heldCore struct {
	release chan struct{}
	entered chan struct{}
	now     atomic.Int64
	peak    atomic.Int64
}

func newHeld() *heldCore {
	return &heldCore{release: make(chan struct{}), entered: make(chan struct{}, 100)}
}

func (h *heldCore) hold(ctx context.Context) error {
	n := h.now.Add(1)
	defer h.now.Add(-1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	h.entered <- struct{}{}
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *heldCore) Ask(ctx context.Context, q string) (retrieval.Answer, error) {
	return retrieval.Answer{Question: q}, h.hold(ctx)
}

func (h *heldCore) AskFollowUp(ctx context.Context, _ []retrieval.Turn, q string) (retrieval.Answer, error) {
	return retrieval.Answer{Question: q}, h.hold(ctx)
}

func (h *heldCore) Search(ctx context.Context, q string, k int) ([]retrieval.Snippet, error) {
	return nil, h.hold(ctx)
}

// TestBusyBeyondQueue: with 2 slots and a queue of 1, the fourth
// concurrent call fails at once with EBUSY, the queued one runs when a
// slot frees, and no more than 2 ever run at once.
func TestBusyBeyondQueue(t *testing.T) {
	h := newHeld()
	g := gate.New(h, gate.Options{MaxInFlight: 2, MaxQueue: 1, MaxWait: time.Minute})
	if got := g.Capacity(); got != 3 {
		t.Errorf("Capacity() = %d; want 3", got)
	}
	ctx := t.Context()
	errs := make(chan error, 3)
	calls := []func() error{
		func() error { _, err := g.Ask(ctx, "a"); return err },
		func() error { _, err := g.AskFollowUp(ctx, nil, "b"); return err },
		func() error { _, err := g.Search(ctx, "c", 5); return err },
	}
	for i, call := range calls {
		go func() { errs <- call() }()
		if i < 2 {
			<-h.entered
		}
	}
	// The third call is queued; wait until it is.
	deadline := time.Now().Add(10 * time.Second)
	for g.InFlight() != 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	if _, err := g.Ask(ctx, "d"); retrieval.ErrorCode(err) != retrieval.EBUSY {
		t.Fatalf("fourth call: err = %v; want EBUSY", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("fourth call waited %s; want an immediate refusal", d)
	}
	if got := g.Refused(); got != 1 {
		t.Errorf("Refused() = %d; want 1", got)
	}
	close(h.release)
	for range calls {
		if err := <-errs; err != nil {
			t.Errorf("admitted call failed: %v", err)
		}
	}
	if p := h.peak.Load(); p > 2 {
		t.Errorf("%d calls ran at once; want at most 2", p)
	}
}

// TestWaitTimesOut: a queued call gives up with EBUSY after MaxWait, and
// with EUNAVAILABLE when its context ends first.
func TestWaitTimesOut(t *testing.T) {
	h := newHeld()
	defer close(h.release)
	g := gate.New(h, gate.Options{MaxInFlight: 1, MaxWait: 50 * time.Millisecond})
	go func() { _, _ = g.Ask(t.Context(), "a") }()
	<-h.entered
	if _, err := g.Ask(t.Context(), "b"); retrieval.ErrorCode(err) != retrieval.EBUSY {
		t.Errorf("queued call after MaxWait: err = %v; want EBUSY", err)
	} else if msg := retrieval.ErrorMessage(err); !strings.Contains(msg, "busy") || !strings.Contains(msg, "try again") {
		t.Errorf("busy message = %q; want busy, try again", msg)
	}
	g2 := gate.New(h, gate.Options{MaxInFlight: 1, MaxWait: time.Minute})
	go func() { _, _ = g2.Ask(t.Context(), "a") }()
	<-h.entered
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := g2.Search(ctx, "b", 5); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
		t.Errorf("queued call whose context ends: err = %v; want EUNAVAILABLE", err)
	}
}

// TestNoQueue: MaxQueue < 0 refuses at once when every slot is taken.
func TestNoQueue(t *testing.T) {
	h := newHeld()
	defer close(h.release)
	g := gate.New(h, gate.Options{MaxInFlight: 1, MaxQueue: -1})
	go func() { _, _ = g.Ask(t.Context(), "a") }()
	<-h.entered
	if _, err := g.Ask(t.Context(), "b"); retrieval.ErrorCode(err) != retrieval.EBUSY {
		t.Errorf("err = %v; want EBUSY", err)
	}
}

// TestRealCoreUnderLoad: 40 goroutines × 5 questions through a gate of 4
// slots over the real core all get answers (the queue absorbs the burst),
// never more than 4 at once.
func TestRealCoreUnderLoad(t *testing.T) {
	svc := testcore.Service(t)
	g := gate.New(svc, gate.Options{MaxInFlight: 4, MaxQueue: 64, MaxWait: 2 * time.Minute})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				a, err := g.Ask(t.Context(), "Which minister announced the Typhoon exercise plan?")
				if err != nil || len(a.Citations) == 0 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of 200 questions failed or were not answered", n)
	}
}
