package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/edge"
	"github.com/coopbot/coopbot/internal/testcore"
)

// downState is shared state whose database is unreachable; it counts
// the calls that reach it.
type downState struct{ calls atomic.Int32 }

func (d *downState) Claim(context.Context, string) (bool, error) {
	d.calls.Add(1)
	return false, errors.New("cannot reach the database at db:5432")
}

func (d *downState) Take(context.Context, string) (bool, time.Duration, error) {
	d.calls.Add(1)
	return false, 0, errors.New("cannot reach the database at db:5432")
}

type countingRecorder map[string]int

func (c countingRecorder) ObserveSharedFailure(kind string) { c[kind]++ }

// A claim or limit that cannot be written answers anyway — once per
// process, by this process's own dedupe and limit — logged once and
// counted every time; for sharedBackoff the database is not tried again.
func TestSharedStateDownFallsBack(t *testing.T) {
	var logs bytes.Buffer
	rec := countingRecorder{}
	down := &downState{}
	b := New(edge.New(testcore.Service(t), edge.Options{}), slog.New(slog.NewTextHandler(&logs, nil)),
		Options{RatePerMinute: 6, Burst: 2, Claims: down, Limits: down, Recorder: rec})
	ctx := context.Background()
	for i, want := range []bool{true, false, true} {
		key := []string{"slack:event:Ev1", "slack:event:Ev1", "slack:event:Ev2"}[i]
		if got := b.Claim(ctx, key); got != want {
			t.Errorf("Claim(%q) #%d with the database down = %v; want %v", key, i+1, got, want)
		}
	}
	req := Request{Platform: "slack", Surface: "mention", UserID: "U1", Question: "Which minister announced the Typhoon exercise plan?"}
	for i, want := range []bool{true, true, false} {
		if _, ok := b.Precheck(req); ok != want {
			t.Errorf("Precheck #%d with the database down = %v; want %v (this process's burst of 2)", i+1, ok, want)
		}
	}
	if rec["claim"] != 3 || rec["limit"] != 3 {
		t.Errorf("failures counted = %v; want 3 claims and 3 limits", rec)
	}
	if n := strings.Count(logs.String(), "this replica's own state decides"); n != 1 {
		t.Errorf("logged %d failures; want 1:\n%s", n, logs.String())
	}
	if n := down.calls.Load(); n != 1 {
		t.Errorf("the unreachable state was tried %d times within %s; want once", n, sharedBackoff)
	}
}

// Without shared state the in-process dedupe decides; empty keys are
// never duplicates.
func TestClaimInProcess(t *testing.T) {
	b := New(edge.New(testcore.Service(t), edge.Options{}), nil, Options{})
	ctx := context.Background()
	for i, tt := range []struct {
		key  string
		want bool
	}{{"discord:msg:1", true}, {"discord:msg:1", false}, {"discord:msg:2", true}, {"", true}, {"", true}} {
		if got := b.Claim(ctx, tt.key); got != tt.want {
			t.Errorf("Claim(%q) #%d = %v; want %v", tt.key, i+1, got, tt.want)
		}
	}
}
