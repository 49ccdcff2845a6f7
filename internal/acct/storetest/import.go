package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// BulkUpdate runs fn with the store's BulkTx in a write transaction.
func BulkUpdate(t *testing.T, s acct.Store, fn func(context.Context, acct.Tx, acct.BulkTx) error) error {
	t.Helper()
	ctx := context.Background()
	return s.Update(ctx, func(tx acct.Tx) error { return fn(ctx, tx, tx.(acct.BulkTx)) })
}

func testBulkImportMethods(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	alice.ReferralCode = "AAAAAAAA"
	Insert(t, s, alice)

	// InsertUsers: ids in order, the balance written, a referrer among
	// the accounts already there.
	bob, carol := NewRec("bob"), NewRec("carol")
	bob.Points, bob.ReferralCode, bob.ReferredBy = 12, "BBBBBBBB", &alice.ID
	bob.Foreign, bob.Phone = "github:1", "+447400123123"
	bob.Status, bob.HoldUntil, bob.HeldFrom = acct.StatusHeld, &t0, acct.StatusLocked
	carol.PasswordHash, carol.Status = "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5", acct.StatusPending
	err := BulkUpdate(t, s, func(ctx context.Context, tx acct.Tx, bt acct.BulkTx) error {
		if err := bt.InsertUsers(ctx, []*acct.UserRecord{bob, carol}); err != nil {
			return err
		}
		return bt.InsertAddresses(ctx, []*acct.AddressRecord{
			{Address: acct.Address{UserID: bob.ID, Kind: acct.AddressEmail, Value: "bob@example.com", Primary: true, CreatedAt: t0}},
			{Address: acct.Address{UserID: bob.ID, Kind: acct.AddressPhone, Value: "+447400123123", Primary: true, Verified: true, VerifiedAt: &t0, CreatedAt: t0}},
			{Address: acct.Address{UserID: bob.ID, Kind: acct.AddressEmail, Value: "bob@work.example", CreatedAt: t0}},
			{Address: acct.Address{UserID: carol.ID, Kind: acct.AddressEmail, Value: "carol@example.com", Primary: true, CreatedAt: t0}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if bob.ID != alice.ID+1 || carol.ID != bob.ID+1 {
		t.Fatalf("ids %d, %d after %d", bob.ID, carol.ID, alice.ID)
	}
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: bob.ID})
	if err != nil || got.Points != 12 || got.ReferredBy == nil || *got.ReferredBy != alice.ID || got.Foreign != "github:1" ||
		got.HeldFrom != acct.StatusLocked {
		t.Fatalf("bob: %+v, %v", got, err)
	}

	// FindKeys, GetUsers and ListAddressesOf read them back.
	err = s.View(ctx, func(tx acct.Tx) error {
		bt := tx.(acct.BulkTx)
		owners, err := bt.FindKeys(ctx, []acct.UserKey{
			{Field: acct.KeyUsername, Value: "alice"}, {Field: acct.KeyUsername, Value: "nobody"},
			{Field: acct.KeyEmail, Value: "bob@work.example"}, {Field: acct.KeyEmail, Value: "carol@example.com"},
			{Field: acct.KeyPhone, Value: "+447400123123"}, {Field: acct.KeyEmail, Value: "+447400123123"},
			{Field: acct.KeyForeign, Value: "github:1"}, {Field: acct.KeyReferralCode, Value: "BBBBBBBB"},
		})
		if err != nil {
			return err
		}
		slices.SortFunc(owners, func(a, b acct.KeyOwner) int {
			return cmpKeys(a.Key.Field, b.Key.Field, a.Key.Value, b.Key.Value)
		})
		want := []acct.KeyOwner{
			{Key: acct.UserKey{Field: acct.KeyEmail, Value: "bob@work.example"}, UserID: bob.ID},
			{Key: acct.UserKey{Field: acct.KeyEmail, Value: "carol@example.com"}, UserID: carol.ID},
			{Key: acct.UserKey{Field: acct.KeyForeign, Value: "github:1"}, UserID: bob.ID},
			{Key: acct.UserKey{Field: acct.KeyPhone, Value: "+447400123123"}, UserID: bob.ID},
			{Key: acct.UserKey{Field: acct.KeyReferralCode, Value: "BBBBBBBB"}, UserID: bob.ID},
			{Key: acct.UserKey{Field: acct.KeyUsername, Value: "alice"}, UserID: alice.ID},
		}
		if !slices.Equal(owners, want) {
			t.Errorf("FindKeys:\n%+v\nwant\n%+v", owners, want)
		}
		users, err := bt.GetUsers(ctx, []int64{carol.ID, 999, alice.ID})
		if err != nil {
			return err
		}
		if len(users) != 2 || users[0].ID != alice.ID || users[1].ID != carol.ID || users[1].PasswordHash != carol.PasswordHash {
			t.Errorf("GetUsers: %+v", users)
		}
		addrs, err := bt.ListAddressesOf(ctx, []int64{carol.ID, bob.ID})
		if err != nil {
			return err
		}
		var got []string
		for _, a := range addrs {
			got = append(got, a.Value)
		}
		if !slices.Equal(got, []string{"bob@example.com", "bob@work.example", "+447400123123", "carol@example.com"}) ||
			addrs[2].VerifiedAt == nil || !addrs[2].VerifiedAt.Equal(t0) {
			t.Errorf("ListAddressesOf: %v, %+v", got, addrs)
		}
		// The same with ids spread far apart (the accounts of a batch
		// of look-ups, not a page of an export), and one asked twice.
		far, err := bt.ListAddressesOf(ctx, []int64{1 << 40, carol.ID, bob.ID, carol.ID})
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(far, addrs) {
			t.Errorf("ListAddressesOf, ids far apart:\n%+v\nwant\n%+v", far, addrs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A unique key taken fails the call with a conflict naming it, and
	// nothing of the transaction stays.
	dup := NewRec("dave")
	dup.Email = "bob@example.com"
	err = BulkUpdate(t, s, func(ctx context.Context, _ acct.Tx, bt acct.BulkTx) error {
		return bt.InsertUsers(ctx, []*acct.UserRecord{NewRec("erin"), dup})
	})
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "email" {
		t.Fatalf("duplicate email: %v", err)
	}
	err = BulkUpdate(t, s, func(ctx context.Context, _ acct.Tx, bt acct.BulkTx) error {
		return bt.InsertAddresses(ctx, []*acct.AddressRecord{{Address: acct.Address{UserID: alice.ID,
			Kind: acct.AddressPhone, Value: "+447400123123", CreatedAt: t0}}})
	})
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "phone" {
		t.Fatalf("duplicate phone: %v", err)
	}
	if _, err := Get(t, s, acct.UserKey{Field: acct.KeyUsername, Value: "erin"}); !acct.IsCode(err, acct.CodeNotFound) {
		t.Fatalf("erin: %v", err)
	}

	// The ledger, and the waiting list.
	at := t0.Add(time.Hour)
	err = BulkUpdate(t, s, func(ctx context.Context, tx acct.Tx, bt acct.BulkTx) error {
		if err := bt.InsertPointsEntries(ctx, []*acct.PointsEntry{{UserID: bob.ID, Delta: 12, Balance: 12, Reason: "imported balance", Actor: "me", At: at}}); err != nil {
			return err
		}
		for _, e := range []string{"x@example.com", "y@example.com"} {
			if err := tx.InsertPreregistration(ctx, &acct.Preregistration{Email: e, CreatedAt: t0, CreatedBy: "me"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var off []acct.Preregistration
	err = BulkUpdate(t, s, func(ctx context.Context, tx acct.Tx, bt acct.BulkTx) error {
		es, err := tx.ListPointsEntries(ctx, acct.PointsFilter{UserID: bob.ID, Limit: 10})
		if err != nil || len(es) != 1 || es[0].Delta != 12 || es[0].Reason != "imported balance" || !es[0].At.Equal(at) {
			t.Errorf("ledger: %+v, %v", es, err)
		}
		off, err = bt.DeletePreregistrations(ctx, []string{"y@example.com", "z@example.com"})
		return err
	})
	if err != nil || len(off) != 1 || off[0].Email != "y@example.com" || off[0].CreatedBy != "me" || !off[0].CreatedAt.Equal(t0) {
		t.Fatalf("DeletePreregistrations: %+v, %v", off, err)
	}
	err = s.View(ctx, func(tx acct.Tx) error {
		ps, err := tx.ListPreregistrations(ctx, acct.PreregFilter{Limit: 10})
		if err != nil || len(ps) != 1 || ps[0].Email != "x@example.com" {
			t.Errorf("left on the list: %+v, %v", ps, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Empty lists are no work and no error.
	err = BulkUpdate(t, s, func(ctx context.Context, _ acct.Tx, bt acct.BulkTx) error {
		if o, err := bt.FindKeys(ctx, nil); err != nil || len(o) != 0 {
			t.Errorf("FindKeys(nil): %v, %v", o, err)
		}
		if err := bt.InsertUsers(ctx, nil); err != nil {
			return err
		}
		if us, err := bt.GetUsers(ctx, nil); err != nil || us == nil {
			t.Errorf("GetUsers(nil): %v, %v", us, err)
		}
		ps, err := bt.DeletePreregistrations(ctx, nil)
		if err != nil || ps == nil {
			t.Errorf("DeletePreregistrations(nil): %v, %v", ps, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cmpKeys(fa, fb acct.KeyField, va, vb string) int {
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	case va < vb:
		return -1
	case va > vb:
		return 1
	}
	return 0
}
