package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// NewDB sets up a new, empty database for a race and returns an opener of
// stores on it: each call is another store on the same database, as
// another process would have, which the caller closes.
type NewDB func(t *testing.T) func() (acct.Store, error)

// RunRaces runs the contract's races: several stores on one database at
// once, each doing what the core does, where exactly the guarded
// statements must decide (points never below zero, every failed login
// counted, a code used once, its wrong guesses counted up to the limit).
func RunRaces(t *testing.T, newDB NewDB) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, NewDB)
	}{
		{"ConcurrentPoints", testConcurrentPoints},
		{"ConcurrentLoginFailures", testConcurrentLoginFailures},
		{"ConcurrentCharges", testConcurrentCharges},
		{"UseCodeRace", testUseCodeRace},
		{"ConsumeChallengeRace", testConsumeChallengeRace}, // scram.go
		{"FailCodeAttemptRace", testFailCodeAttemptRace},
		{"ClaimSettingRace", testClaimSettingRace},
		{"ClaimJobsRace", testClaimJobsRace},
		{"SkeletonRace", testSkeletonRace}, // skeletons.go
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newDB) })
	}
}

// testConcurrentPoints has 20 stores on one file, as 20 processes would,
// each take 1 point 5 times from a balance of 50 the way the core does (a
// look-up, the guarded change, a ledger row): exactly 50 succeed, the
// balance ends at 0, and the ledger holds 50 rows whose balances are 49
// down to 0, each once.
func testConcurrentPoints(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := NewRec("alice")
	Insert(t, s, alice)
	if _, ok, err := AddPoints(ctx, s, alice.ID, 50); err != nil || !ok {
		t.Fatal(ok, err)
	}

	const stores, perStore = 20, 5
	var won atomic.Int64
	raceStores(t, open, stores, func(_ int, s acct.Store) error {
		for range perStore {
			var ok bool
			err := s.Update(ctx, func(tx acct.Tx) error {
				u, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: "alice"})
				if err != nil {
					return err
				}
				var balance int64
				if balance, ok, err = tx.AddPoints(ctx, u.ID, -1); err != nil || !ok {
					return err
				}
				return tx.InsertPointsEntry(ctx, &acct.PointsEntry{UserID: u.ID, Delta: -1, Balance: balance,
					Reason: "spend", Actor: "test", At: t0})
			})
			if err != nil {
				return err
			}
			if ok {
				won.Add(1)
			}
		}
		return nil
	})
	if won.Load() != 50 {
		t.Errorf("%d changes went through, want 50", won.Load())
	}
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.Points != 0 {
		t.Fatalf("balance %+v, %v; want 0", got, err)
	}
	var es []acct.PointsEntry
	err = s.View(ctx, func(tx acct.Tx) (err error) {
		es, err = tx.ListPointsEntries(ctx, acct.PointsFilter{UserID: alice.ID, Limit: 1000})
		return err
	})
	if err != nil || len(es) != 50 {
		t.Fatalf("ledger: %d rows, %v; want 50", len(es), err)
	}
	for i, e := range es { // newest first: balances 0, 1, …, 49
		if e.Balance != int64(i) {
			t.Errorf("ledger row %d: balance %d, want %d", i, e.Balance, i)
		}
	}
}

// testConcurrentLoginFailures has 20 stores on one file, as 20 processes
// would, each count 5 failures of the same account the way the core does
// (a look-up first, then the increment): all 100 count.
func testConcurrentLoginFailures(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := NewRec("alice")
	Insert(t, s, alice)

	const stores, perStore = 20, 5
	raceStores(t, open, stores, func(_ int, s acct.Store) error {
		for range perStore {
			if _, err := FailLogin(ctx, s, "alice"); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.FailedLogins != stores*perStore {
		t.Errorf("count %d, want %d", got.FailedLogins, stores*perStore)
	}
}

// FailLogin counts one failed login of username as the core does.
func FailLogin(ctx context.Context, s acct.Store, username string) (int, error) {
	var n int
	err := s.Update(ctx, func(tx acct.Tx) error {
		u, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: username})
		if err != nil {
			return err
		}
		n, err = tx.AddLoginFailure(ctx, u.ID)
		return err
	})
	return n, err
}

// testUseCodeRace has 16 goroutines, each with its own store on one file as
// processes would have, submit the same code at once the way the core
// does: all read it first and find it outstanding, then all try to use
// it. Exactly one succeeds. Then 16 goroutines sharing one store do the
// same with a second code.
func testUseCodeRace(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := NewRec("alice")
	Insert(t, s, alice)
	separate, shared := NewCode(alice.ID, "cod_separate"), NewCode(alice.ID, "cod_shared")
	InsertCodes(t, s, separate, shared)
	now := t0.Add(time.Minute)

	const racers = 16
	race := func(t *testing.T, mac []byte, own bool) {
		start := make(chan struct{})
		results := make(chan string, racers)
		var ready, wg sync.WaitGroup
		ready.Add(racers)
		for i := range racers {
			wg.Go(func() {
				res, err := func() (string, error) {
					racer := s
					if own {
						var err error
						if racer, err = open(); err != nil {
							ready.Done()
							return "", err
						}
						defer racer.Close()
					}
					return SubmitCode(ctx, racer, mac, now, ready.Done, start)
				}()
				if err != nil {
					res = fmt.Sprintf("racer %d: %v", i, err)
				}
				results <- res
			})
		}
		ready.Wait()
		close(start)
		wg.Wait()
		close(results)
		var outcomes []string
		for r := range results {
			outcomes = append(outcomes, r)
		}
		CheckUseRace(t, outcomes, racers)
	}
	t.Run("separate stores", func(t *testing.T) { race(t, separate.MAC, true) })
	t.Run("one store", func(t *testing.T) { race(t, shared.MAC, false) })
	for _, c := range []*acct.CodeRecord{separate, shared} {
		got, err := GetCode(s, acct.CodeKey{ID: c.ID})
		if err != nil || got.UsedAt == nil || !got.UsedAt.Equal(now) {
			t.Errorf("%s: %+v, %v", c.ID, got, err)
		}
	}
}

// SubmitCode is one racer on s: it finds the code by MAC and checks that
// it is outstanding, calls ready, waits for start, and then uses the code
// in a transaction of its own. It returns "used" or "refused".
func SubmitCode(ctx context.Context, s acct.Store, mac []byte, now time.Time,
	ready func(), start <-chan struct{}) (string, error) {
	var c *acct.CodeRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		c, err = tx.GetCode(ctx, acct.CodeKey{MAC: mac})
		return err
	})
	ready()
	if err == nil && (c.UsedAt != nil || c.VoidedAt != nil || !now.Before(c.ExpiresAt)) {
		err = fmt.Errorf("code %s not outstanding before the race: %+v", c.ID, c)
	}
	<-start
	if err != nil {
		return "", err
	}
	used, err := UseCode(ctx, s, c.Seq, now)
	switch {
	case err != nil:
		return "", err
	case used:
		return "used", nil
	}
	return "refused", nil
}

func CheckUseRace(t *testing.T, outcomes []string, racers int) {
	t.Helper()
	var used, refused int
	for _, o := range outcomes {
		switch o {
		case "used":
			used++
		case "refused":
			refused++
		default:
			t.Error(o)
		}
	}
	if used != 1 || refused != racers-1 {
		t.Errorf("%d used and %d refused, want 1 and %d", used, refused, racers-1)
	}
}

// testFailCodeAttemptRace has 16 goroutines make wrong guesses at one
// code with max 5 at once, each three times: exactly five are counted,
// as 1 to 5, and the code is then void. First each with its own store on
// one file, as processes would have, then sharing one store.
func testFailCodeAttemptRace(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := NewRec("alice")
	Insert(t, s, alice)
	separate := NewOTP(alice.ID, "cod_separate", acct.PurposeVerifyPhone, "+15550100", t0)
	shared := NewOTP(alice.ID, "cod_shared", acct.PurposeRecovery, "+15550100", t0)
	InsertCodes(t, s, separate, shared)
	now := t0.Add(time.Minute)
	const racers, guesses, max = 16, 3, 5

	race := func(t *testing.T, c *acct.CodeRecord, own bool) {
		start := make(chan struct{})
		counts := make(chan int, racers*guesses)
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				racer := s
				if own {
					var err error
					if racer, err = open(); err != nil {
						t.Error(err)
						return
					}
					defer racer.Close()
				}
				<-start
				for range guesses {
					n, err := FailAttempt(ctx, racer, c.Seq, max, now)
					if err != nil {
						t.Error(err)
						return
					}
					counts <- n
				}
			})
		}
		close(start)
		wg.Wait()
		close(counts)
		seen := map[int]int{}
		for n := range counts {
			seen[n]++
		}
		want := map[int]int{0: racers*guesses - max, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
		if !reflect.DeepEqual(seen, want) {
			t.Errorf("counts returned (count: times) %v, want %v", seen, want)
		}
		got, err := GetCode(s, acct.CodeKey{ID: c.ID})
		if err != nil || got.Attempts != max || got.VoidedAt == nil || !got.VoidedAt.Equal(now) || got.UsedAt != nil {
			t.Errorf("after the race: %+v, %v", got, err)
		}
	}
	t.Run("separate stores", func(t *testing.T) { race(t, separate, true) })
	t.Run("one store", func(t *testing.T) { race(t, shared, false) })
}

// raceStores opens n more stores on the database of open, as n processes
// or servers would, waits until every one is open, then lets them all run
// fn at once, each with its number and its store, and reports every error
// fn returns. It returns when all are done and closed.
func raceStores(t *testing.T, open func() (acct.Store, error), n int, fn func(i int, s acct.Store) error) {
	t.Helper()
	start := make(chan struct{})
	errs := make(chan error, n)
	var ready, wg sync.WaitGroup
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			s, err := open()
			ready.Done()
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			<-start // all open: the work overlaps
			if err := fn(i, s); err != nil {
				errs <- fmt.Errorf("store %d: %w", i, err)
			}
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
