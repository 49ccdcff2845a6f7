package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

func addPoints(ctx context.Context, s *Store, userID, delta int64) (int64, bool, error) {
	var balance int64
	var ok bool
	err := s.Update(ctx, func(tx acct.Tx) (err error) {
		balance, ok, err = tx.AddPoints(ctx, userID, delta)
		return err
	})
	return balance, ok, err
}

func TestAddPoints(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	for _, c := range []struct {
		delta, balance int64
		ok             bool
	}{
		{10, 10, true}, {-4, 6, true}, {-7, 6, false}, {-6, 0, true}, {-1, 0, false}, {3, 3, true},
	} {
		balance, ok, err := addPoints(ctx, s, alice.ID, c.delta)
		if err != nil || balance != c.balance || ok != c.ok {
			t.Errorf("AddPoints(%+d) = %d, %v, %v; want %d, %v", c.delta, balance, ok, err, c.balance, c.ok)
		}
	}
	if _, _, err := addPoints(ctx, s, 99, 1); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("AddPoints of no user: %v, want not found", err)
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.Points != 3 {
		t.Fatalf("points after the changes: %+v, %v", got, err)
	}
	// UpdateUser leaves the balance alone: only AddPoints changes it.
	got.Points = 1000
	got.FirstName = "Alicia"
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if got, _ = get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID}); got.Points != 3 || got.FirstName != "Alicia" {
		t.Errorf("after UpdateUser: points %d, first name %q", got.Points, got.FirstName)
	}
	// The CHECK holds even against a statement without the guard.
	if _, err := s.w.ExecContext(ctx, "UPDATE users SET points = -1 WHERE id = ?", alice.ID); err == nil {
		t.Error("a negative balance was stored")
	}
}

// TestConcurrentPoints has 20 stores on one file, as 20 processes would,
// each take 1 point 5 times from a balance of 50 the way the core does (a
// look-up, the guarded change, a ledger row): exactly 50 succeed, the
// balance ends at 0, and the ledger holds 50 rows whose balances are 49
// down to 0, each once.
func TestConcurrentPoints(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
			s, err := Open(ctx, path)
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
	integrityCheck(t, s.w)
}

func TestPointsLedger(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	var want []acct.PointsEntry
	err := s.Update(ctx, func(tx acct.Tx) error {
		for i := range 5 {
			for _, u := range []*acct.UserRecord{alice, bob} {
				e := acct.PointsEntry{UserID: u.ID, Delta: int64(i + 1), Balance: int64(10 * (i + 1)),
					Reason: fmt.Sprintf("reason %d", i), Actor: "op", At: t0.Add(time.Duration(i) * time.Second)}
				if err := tx.InsertPointsEntry(ctx, &e); err != nil {
					return err
				}
				if u == alice {
					want = append([]acct.PointsEntry{e}, want...) // newest first
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func(q acct.PointsFilter) []acct.PointsEntry {
		t.Helper()
		var es []acct.PointsEntry
		if err := s.View(ctx, func(tx acct.Tx) (err error) {
			es, err = tx.ListPointsEntries(ctx, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return es
	}
	if got := list(acct.PointsFilter{UserID: alice.ID, Limit: 10}); !reflect.DeepEqual(got, want) {
		t.Errorf("ledger:\n%+v\nwant\n%+v", got, want)
	}
	if got := list(acct.PointsFilter{UserID: alice.ID, Limit: 2, BeforeID: want[1].ID}); !reflect.DeepEqual(got, want[2:4]) {
		t.Errorf("page before %d:\n%+v\nwant\n%+v", want[1].ID, got, want[2:4])
	}
	if got := list(acct.PointsFilter{UserID: 99, Limit: 10}); got == nil || len(got) != 0 {
		t.Errorf("ledger of nobody: %#v, want empty", got)
	}
	err = s.Update(ctx, func(tx acct.Tx) error {
		return tx.InsertPointsEntry(ctx, &acct.PointsEntry{UserID: alice.ID, Delta: 0, Balance: 1, At: t0})
	})
	if err == nil {
		t.Error("a ledger row with delta 0 was stored")
	}
	if plan := queryPlan(t, s.w, "SELECT id FROM points_ledger WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT 5", 1, 9); !regexp.MustCompile(`USING (COVERING )?INDEX points_ledger_user_id`).MatchString(plan) {
		t.Errorf("ledger query plan: %s", plan)
	}
}

func TestPreregistrations(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var want []acct.Preregistration
	err := s.Update(ctx, func(tx acct.Tx) error {
		for i := range 5 {
			p := acct.Preregistration{Email: fmt.Sprintf("p%d@example.com", i), CreatedAt: t0, CreatedBy: "op"}
			if err := tx.InsertPreregistration(ctx, &p); err != nil {
				return err
			}
			want = append(want, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx acct.Tx) error {
		return tx.InsertPreregistration(ctx, &acct.Preregistration{Email: "p3@example.com", CreatedAt: t0})
	})
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "email" {
		t.Errorf("second entry of an address: %v (field %q), want a conflict on email", err, acct.ErrorField(err))
	}
	list := func(q acct.PreregFilter) []acct.Preregistration {
		t.Helper()
		var ps []acct.Preregistration
		if err := s.View(ctx, func(tx acct.Tx) (err error) {
			ps, err = tx.ListPreregistrations(ctx, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ps
	}
	if got := list(acct.PreregFilter{Limit: 10}); !reflect.DeepEqual(got, want) {
		t.Errorf("list:\n%+v\nwant\n%+v", got, want)
	}
	if got := list(acct.PreregFilter{AfterID: want[1].ID, Limit: 2}); !reflect.DeepEqual(got, want[2:4]) {
		t.Errorf("page:\n%+v\nwant\n%+v", got, want[2:4])
	}
	del := func(email string) *acct.Preregistration {
		t.Helper()
		var p *acct.Preregistration
		if err := s.Update(ctx, func(tx acct.Tx) (err error) {
			p, err = tx.DeletePreregistration(ctx, email)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := del("p2@example.com"); p == nil || !reflect.DeepEqual(*p, want[2]) {
		t.Errorf("delete: %+v, want %+v", p, want[2])
	}
	if p := del("p2@example.com"); p != nil {
		t.Errorf("delete again: %+v, want nil", p)
	}
	if got := list(acct.PreregFilter{Limit: 10}); len(got) != 4 {
		t.Errorf("after the delete: %+v", got)
	}
}

func TestReferralCodeColumns(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alice, bob, carol := newRec("alice"), newRec("bob"), newRec("carol")
	alice.ReferralCode = "AAAA1111"
	bob.ReferralCode = "BBBB2222"
	insert(t, s, alice, bob, carol) // carol has none: NULL, as any number may
	carol.ReferralCode = "CCCC3333"
	carol.ReferredBy = &alice.ID
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, carol) }); err != nil {
		t.Fatal(err)
	}
	got, err := get(t, s, acct.UserKey{Field: acct.KeyReferralCode, Value: "CCCC3333"})
	if err != nil || !reflect.DeepEqual(got, carol) {
		t.Fatalf("by referral code: %+v, %v\nwant %+v", got, err, carol)
	}
	if _, err := get(t, s, acct.UserKey{Field: acct.KeyReferralCode, Value: ""}); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("empty code: %v, want not found", err)
	}
	dup := newRec("dave")
	dup.ReferralCode = "AAAA1111"
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, dup) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "referral_code" {
		t.Errorf("taken code: %v (field %q), want a conflict on referral_code", err, acct.ErrorField(err))
	}
	bad := newRec("erin")
	bad.ReferredBy = new(int64(99))
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, bad) }); err == nil {
		t.Error("referred_by of no account was stored")
	}
	// A tombstone keeps no code and no referrer.
	carol.User = acct.User{ID: carol.ID, Status: acct.StatusDeleted, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, carol) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, acct.UserKey{Field: acct.KeyID, ID: carol.ID}); got.ReferralCode != "" || got.ReferredBy != nil {
		t.Errorf("tombstone: %+v", got)
	}
}

// TestMigrateFrom0005 opens a file that the first five migrations made and
// checks that 0006 gives every account but the tombstones a referral code
// of its own and a balance of 0.
func TestMigrateFrom0005(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := filepath.Join(t.TempDir(), "old.db")
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		t.Fatal(err)
	}
	old.SetMaxOpenConns(1)
	qs := []string{"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT"}
	for _, m := range ms[:5] {
		qs = append(qs, m.sql, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, 0)", m.version))
	}
	qs = append(qs,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT INTO users (username, status, created_at, updated_at) SELECT 'user' || i, 'active', 1, 2 FROM n`,
		`INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', 1, 2, 2)`)
	for _, q := range qs {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	integrityCheck(t, s.w)
}
