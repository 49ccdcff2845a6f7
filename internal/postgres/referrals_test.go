package postgres

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestPointsCheck checks that the CHECK on the balance holds even against
// a statement without the guard of AddPoints (the guarded changes are in
// the storetest contract).
func TestPointsCheck(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	if _, err := s.pool.Exec(ctx, "UPDATE users SET points = -1 WHERE id = $1", alice.ID); err == nil {
		t.Error("a negative balance was stored")
	}
}

// TestConcurrentPoints has 20 stores on one schema, as 20 processes would,
// each take 1 point 5 times from a balance of 50 the way the core does (a
// look-up, the guarded change, a ledger row): exactly 50 succeed, the
// balance ends at 0, and the ledger holds 50 rows whose balances are 49
// down to 0, each once.
func TestConcurrentPoints(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := openURL(t, url)
	alice := newRec("alice")
	insert(t, s, alice)
	if _, ok, err := addPoints(ctx, s, alice.ID, 50); err != nil || !ok {
		t.Fatal(ok, err)
	}

	const stores, perStore = 20, 5
	start := make(chan struct{})
	type result struct {
		ok  bool
		err error
	}
	results := make(chan result, stores*perStore)
	var ready, wg sync.WaitGroup
	ready.Add(stores)
	for range stores {
		wg.Go(func() {
			s, err := Open(ctx, url)
			ready.Done()
			if err != nil {
				results <- result{err: err}
				return
			}
			defer s.Close()
			<-start
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
				results <- result{ok, err}
			}
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	close(results)
	won := 0
	for r := range results {
		if r.err != nil {
			t.Error(r.err)
		}
		if r.ok {
			won++
		}
	}
	if won != 50 {
		t.Errorf("%d changes went through, want 50", won)
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
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

// TestMigrateFrom0005 opens a schema that the first five migrations made
// and checks that 0006 gives every account but the tombstones a referral
// code of its own and a balance of 0.
func TestMigrateFrom0005(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	qs := []string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"}
	for _, m := range ms[:5] {
		qs = append(qs, m.sql, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", m.version))
	}
	qs = append(qs,
		`INSERT INTO users (username, status, created_at, updated_at)
			SELECT 'user' || i, 'active', now(), now() FROM generate_series(1, 2000) AS i`,
		`INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', now(), now(), now())`)
	for _, q := range qs {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, u)
	var recs []acct.UserRecord
	err = s.View(ctx, func(tx acct.Tx) (err error) {
		recs, err = tx.ListUsers(ctx, acct.UserFilter{Limit: 10000})
		return err
	})
	if err != nil || len(recs) != 2001 {
		t.Fatalf("%d users, %v", len(recs), err)
	}
	form := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{8}$`)
	seen := map[string]bool{}
	for _, r := range recs {
		switch {
		case r.Status == acct.StatusDeleted:
			if r.ReferralCode != "" {
				t.Errorf("tombstone %d got code %q", r.ID, r.ReferralCode)
			}
		case !form.MatchString(r.ReferralCode):
			t.Errorf("user %d: code %q", r.ID, r.ReferralCode)
		case seen[r.ReferralCode]:
			t.Errorf("code %q twice", r.ReferralCode)
		}
		seen[r.ReferralCode] = true
		if r.Points != 0 || r.ReferredBy != nil {
			t.Errorf("user %d: points %d, referred by %v", r.ID, r.Points, r.ReferredBy)
		}
	}
	// The characters are spread over the whole alphabet.
	counts := map[rune]int{}
	for code := range seen {
		for _, c := range code {
			counts[c]++
		}
	}
	if len(counts) != 32 {
		t.Errorf("%d distinct characters in 2000 codes, want 32", len(counts))
	}
}
