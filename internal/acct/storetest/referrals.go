package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// AddPoints adds delta to userID's points in its own transaction: the
// balance, and whether it changed.
func AddPoints(ctx context.Context, s acct.Store, userID, delta int64) (int64, bool, error) {
	var balance int64
	var ok bool
	err := s.Update(ctx, func(tx acct.Tx) (err error) {
		balance, ok, err = tx.AddPoints(ctx, userID, delta)
		return err
	})
	return balance, ok, err
}

func testAddPoints(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	Insert(t, s, alice)
	for _, c := range []struct {
		delta, balance int64
		ok             bool
	}{
		{10, 10, true}, {-4, 6, true}, {-7, 6, false}, {-6, 0, true}, {-1, 0, false}, {3, 3, true},
	} {
		balance, ok, err := AddPoints(ctx, s, alice.ID, c.delta)
		if err != nil || balance != c.balance || ok != c.ok {
			t.Errorf("AddPoints(%+d) = %d, %v, %v; want %d, %v", c.delta, balance, ok, err, c.balance, c.ok)
		}
	}
	if _, _, err := AddPoints(ctx, s, 99, 1); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("AddPoints of no user: %v, want not found", err)
	}
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.Points != 3 {
		t.Fatalf("points after the changes: %+v, %v", got, err)
	}
	// UpdateUser leaves the balance alone: only AddPoints changes it.
	got.Points = 1000
	got.FirstName = "Alicia"
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if got, _ = Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID}); got.Points != 3 || got.FirstName != "Alicia" {
		t.Errorf("after UpdateUser: points %d, first name %q", got.Points, got.FirstName)
	}
}

func testPointsLedger(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
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
}

func testPreregistrations(t *testing.T, s acct.Store) {
	ctx := context.Background()
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
	// The conflict leaves the transaction usable (on PostgreSQL a failed
	// statement would abort it): Preregister audits the refusal in it.
	err = s.Update(ctx, func(tx acct.Tx) error {
		if err := tx.InsertPreregistration(ctx, &acct.Preregistration{Email: "p3@example.com", CreatedAt: t0}); !acct.IsCode(err, acct.CodeConflict) {
			return fmt.Errorf("second entry: %v, want a conflict", err)
		}
		return tx.InsertEvent(ctx, &acct.Event{At: t0, Actor: "op", Action: "prereg.add", Outcome: acct.OutcomeFailure, Detail: "listed"})
	})
	if err != nil {
		t.Errorf("a statement after the conflict, in its transaction: %v", err)
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

func testReferralCodeColumns(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice, bob, carol := NewRec("alice"), NewRec("bob"), NewRec("carol")
	alice.ReferralCode = "AAAA1111"
	bob.ReferralCode = "BBBB2222"
	Insert(t, s, alice, bob, carol) // carol has none: NULL, as any number may
	carol.ReferralCode = "CCCC3333"
	carol.ReferredBy = &alice.ID
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, carol) }); err != nil {
		t.Fatal(err)
	}
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyReferralCode, Value: "CCCC3333"})
	if err != nil || !reflect.DeepEqual(got, carol) {
		t.Fatalf("by referral code: %+v, %v\nwant %+v", got, err, carol)
	}
	if _, err := Get(t, s, acct.UserKey{Field: acct.KeyReferralCode, Value: ""}); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("empty code: %v, want not found", err)
	}
	dup := NewRec("dave")
	dup.ReferralCode = "AAAA1111"
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, dup) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "referral_code" {
		t.Errorf("taken code: %v (field %q), want a conflict on referral_code", err, acct.ErrorField(err))
	}
	bad := NewRec("erin")
	bad.ReferredBy = new(int64(99))
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, bad) }); err == nil {
		t.Error("referred_by of no account was stored")
	}
	// A tombstone keeps no code and no referrer.
	carol.User = acct.User{ID: carol.ID, Status: acct.StatusDeleted, CreatedAt: t0, UpdatedAt: t0}
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, carol) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: carol.ID}); got.ReferralCode != "" || got.ReferredBy != nil {
		t.Errorf("tombstone: %+v", got)
	}
}
