package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// Charge charges cost to bucket key in one write transaction, as the core
// does for a failed login.
func Charge(ctx context.Context, s acct.Store, key string, cost, window time.Duration, now time.Time) (time.Time, bool, error) {
	var until time.Time
	var ok bool
	err := s.Update(ctx, func(tx acct.Tx) (err error) {
		until, ok, err = tx.ChargeAttempt(ctx, key, cost, window, now)
		return err
	})
	return until, ok, err
}

// AttemptsUntil reads bucket key in a read transaction.
func AttemptsUntil(ctx context.Context, s acct.Store, key string) (time.Time, error) {
	var until time.Time
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		until, err = tx.AttemptsUntil(ctx, key)
		return err
	})
	return until, err
}

// testChargeAttempt: a new bucket starts at now; each charge moves its
// until by cost from max(until, now); a charge that would take it past
// now+window changes nothing and answers the current until; buckets are
// separate; an idle bucket starts again from now.
func testChargeAttempt(t *testing.T, s acct.Store) {
	ctx := context.Background()
	const cost, window = time.Minute, 3 * time.Minute
	if until, err := AttemptsUntil(ctx, s, "user:1"); err != nil || !until.IsZero() {
		t.Fatalf("no bucket: %v, %v; want the zero time", until, err)
	}
	for i := 1; i <= 3; i++ {
		until, ok, err := Charge(ctx, s, "user:1", cost, window, t0)
		if err != nil || !ok || !until.Equal(t0.Add(time.Duration(i)*cost)) {
			t.Fatalf("charge %d: %v, %v, %v; want %v", i, until, ok, err, t0.Add(time.Duration(i)*cost))
		}
	}
	until, ok, err := Charge(ctx, s, "user:1", cost, window, t0.Add(time.Second))
	if err != nil || ok || !until.Equal(t0.Add(window)) {
		t.Fatalf("charge past the window: %v, %v, %v; want refused at %v", until, ok, err, t0.Add(window))
	}
	if until, err := AttemptsUntil(ctx, s, "user:1"); err != nil || !until.Equal(t0.Add(window)) || until.Location() != time.UTC {
		t.Fatalf("after a refusal: %v, %v; want %v UTC", until, err, t0.Add(window))
	}
	// Paid off by a minute: one more.
	if until, ok, err := Charge(ctx, s, "user:1", cost, window, t0.Add(cost)); err != nil || !ok || !until.Equal(t0.Add(window+cost)) {
		t.Fatalf("charge after a minute: %v, %v, %v", until, ok, err)
	}
	// Another bucket is its own; an idle bucket starts from now.
	if until, ok, err := Charge(ctx, s, "email:vic@example.com", cost, window, t0); err != nil || !ok || !until.Equal(t0.Add(cost)) {
		t.Fatalf("other bucket: %v, %v, %v", until, ok, err)
	}
	later := t0.Add(time.Hour)
	if until, ok, err := Charge(ctx, s, "user:1", cost, window, later); err != nil || !ok || !until.Equal(later.Add(cost)) {
		t.Fatalf("idle bucket: %v, %v, %v; want %v", until, ok, err, later.Add(cost))
	}
	// No limit: cost and window 0 always charge, until stays at now.
	if until, ok, err := Charge(ctx, s, "user:2", 0, 0, t0); err != nil || !ok || !until.Equal(t0) {
		t.Fatalf("no limit: %v, %v, %v", until, ok, err)
	}
	// A cost beyond the window never charges.
	if _, ok, err := Charge(ctx, s, "user:3", window+time.Millisecond, window, t0); err != nil || ok {
		t.Fatalf("cost beyond the window: %v, %v", ok, err)
	}
	// A rolled-back charge leaves no trace.
	err = s.Update(ctx, func(tx acct.Tx) error {
		if _, _, err := tx.ChargeAttempt(ctx, "user:4", cost, window, t0); err != nil {
			return err
		}
		return errRollback
	})
	if until, err2 := AttemptsUntil(ctx, s, "user:4"); err == nil || err2 != nil || !until.IsZero() {
		t.Fatalf("rolled back: %v, %v, %v", err, until, err2)
	}
}

// errRollback makes Update roll back.
var errRollback = fmt.Errorf("roll back")

// testDeleteAttempts: only buckets paid off at now go, at most limit of
// them.
func testDeleteAttempts(t *testing.T, s acct.Store) {
	ctx := context.Background()
	for i := range 5 {
		at := t0.Add(time.Duration(i) * time.Minute)
		if _, ok, err := Charge(ctx, s, fmt.Sprintf("user:%d", i), time.Minute, time.Hour, at); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	del := func(now time.Time, limit int) int64 {
		var n int64
		err := s.Update(ctx, func(tx acct.Tx) (err error) {
			n, err = tx.DeleteAttempts(ctx, now, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Buckets 0..4 are paid off at t0+1m … t0+5m.
	if n := del(t0.Add(time.Minute-time.Millisecond), 10); n != 0 {
		t.Fatalf("deleted %d before any was paid off", n)
	}
	if n := del(t0.Add(3*time.Minute), 2); n != 2 {
		t.Fatalf("deleted %d, want the limit 2", n)
	}
	if n := del(t0.Add(3*time.Minute), 10); n != 1 {
		t.Fatalf("deleted %d, want 1 more", n)
	}
	for i, want := range []bool{false, false, false, true, true} {
		until, err := AttemptsUntil(ctx, s, fmt.Sprintf("user:%d", i))
		if err != nil || until.IsZero() == want {
			t.Errorf("bucket %d: %v, %v; kept %v", i, until, err, want)
		}
	}
}

// testConcurrentCharges has 20 stores on one database, as 20 processes
// or servers would, each charge one bucket 5 times at once (a read, then
// the guarded charge): all 100 count, and with room for 100 exactly 100
// go through when 120 are tried.
func testConcurrentCharges(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const stores, perStore = 20, 6
	const cost, window = time.Second, 100 * time.Second
	var won atomic.Int64
	raceStores(t, open, stores, func(_ int, s acct.Store) error {
		for range perStore {
			if _, err := AttemptsUntil(ctx, s, "user:7"); err != nil {
				return err
			}
			_, ok, err := Charge(ctx, s, "user:7", cost, window, t0)
			if err != nil {
				return err
			}
			if ok {
				won.Add(1)
			}
		}
		return nil
	})
	if won.Load() != 100 {
		t.Errorf("%d charges went through, want 100", won.Load())
	}
	if until, err := AttemptsUntil(ctx, s, "user:7"); err != nil || !until.Equal(t0.Add(window)) {
		t.Errorf("until %v, %v; want %v", until, err, t0.Add(window))
	}
}
