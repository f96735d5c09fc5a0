package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopbot/coopbot/internal/pgtest"
	"github.com/coopbot/coopbot/retrieval/postgres"
)

// race runs f(0) … f(n-1) at once and returns how many returned true; an
// error fails t.
func race(t *testing.T, n int, f func(i int) (bool, error)) int {
	t.Helper()
	var won atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			ok, err := f(i)
			if err != nil {
				errs <- err
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("racing call: %v", err)
	}
	return int(won.Load())
}

// Two stores on one database stand for two replicas: of 8 racing claims
// of one key exactly one wins, and an expired claim is swept.
func TestClaimsOnce(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_claims")
	ctx := context.Background()
	replicas := []*postgres.Claims{open(t, url).Claims(10 * time.Minute), open(t, url).Claims(10 * time.Minute)}
	for _, key := range []string{"slack:event:Ev1", "discord:msg:701"} {
		won := race(t, 8, func(i int) (bool, error) { return replicas[i%2].Claim(ctx, key) })
		if won != 1 {
			t.Errorf("Claim(%q) won by %d of 8 racing callers; want 1", key, won)
		}
	}
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, `UPDATE chat_claims SET claimed_at = now() - interval '11 minutes' WHERE key = 'slack:event:Ev1'`); err != nil {
		t.Fatal(err)
	}
	// A fresh Claims sweeps on its first call.
	fresh := open(t, url).Claims(10 * time.Minute)
	if ok, err := fresh.Claim(ctx, "slack:event:Ev2"); !ok || err != nil {
		t.Errorf("Claim(Ev2) = %v, %v; want true", ok, err)
	}
	if ok, err := fresh.Claim(ctx, "slack:event:Ev1"); !ok || err != nil {
		t.Errorf("Claim(Ev1) after its claim expired = %v, %v; want true (swept)", ok, err)
	}
	if ok, _ := fresh.Claim(ctx, "discord:msg:701"); ok {
		t.Errorf("Claim(discord:msg:701) within the TTL = true; want false")
	}
}

// The bucket is shared: 6 a minute with a burst of 6 admits 6 questions
// from one user across two stores, refuses the 7th with a wait, and
// leaves another user alone.
func TestLimitsShared(t *testing.T) {
	url := pgtest.NewDB(t, "retrieval_limits")
	ctx := context.Background()
	a, b := open(t, url).Limits(6, 6), open(t, url).Limits(6, 6)
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if ok, wait, err := l.Take(ctx, "slack:U1"); !ok || err != nil {
			t.Fatalf("Take #%d = %v, %s, %v; want admitted", i+1, ok, wait, err)
		}
	}
	for _, l := range []*postgres.Limits{a, b} {
		ok, wait, err := l.Take(ctx, "slack:U1")
		if ok || err != nil || wait < time.Second || wait > 10*time.Second {
			t.Errorf("Take #7 = %v, %s, %v; want refused with a wait of 1–10s (one token per 10s)", ok, wait, err)
		}
	}
	if ok, _, err := b.Take(ctx, "discord:U1"); !ok || err != nil {
		t.Errorf("Take(another user) = %v, %v; want admitted", ok, err)
	}
	// Racing takes of one user's last tokens admit exactly the burst.
	admitted := race(t, 20, func(i int) (bool, error) {
		ok, _, err := []*postgres.Limits{a, b}[i%2].Take(ctx, "slack:racer")
		return ok, err
	})
	if admitted != 6 {
		t.Errorf("20 racing takes admitted %d; want the burst, 6", admitted)
	}
}

// BenchmarkClaim is one claim of a new key (docs/deploy.md).
func BenchmarkClaim(b *testing.B) {
	c := open(b, pgtest.NewDB(b, "retrieval_claims_bench")).Claims(10 * time.Minute)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if ok, err := c.Claim(ctx, "bench:"+strconv.Itoa(i)); !ok || err != nil {
			b.Fatalf("Claim = %v, %v", ok, err)
		}
	}
}

// BenchmarkTake is one admitted take from a user's bucket.
func BenchmarkTake(b *testing.B) {
	l := open(b, pgtest.NewDB(b, "retrieval_limits_bench")).Limits(1e9, 1e9)
	ctx := context.Background()
	for b.Loop() {
		if ok, _, err := l.Take(ctx, "slack:U1"); !ok || err != nil {
			b.Fatalf("Take = %v, %v", ok, err)
		}
	}
}
