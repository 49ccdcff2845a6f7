package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// NewAddress returns an unverified extra address of userID created at t0.
func NewAddress(userID int64, kind acct.AddressKind, value string) *acct.AddressRecord {
	return &acct.AddressRecord{Address: acct.Address{UserID: userID, Kind: kind, Value: value, CreatedAt: t0}}
}

func insertAddresses(t *testing.T, s acct.Store, recs ...*acct.AddressRecord) {
	t.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(tx acct.Tx) error {
		for _, r := range recs {
			if err := tx.InsertAddress(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert addresses: %v", err)
	}
}

// ListAddresses returns userID's addresses of kind ("" for all), failing t on an error.
func ListAddresses(t *testing.T, s acct.Store, userID int64, kind acct.AddressKind) []acct.AddressRecord {
	t.Helper()
	ctx := context.Background()
	var out []acct.AddressRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		out, err = tx.ListAddresses(ctx, userID, kind)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// addressValues lists addresses as "value" with "*" for the primary and
// "v" for verified.
func addressValues(recs []acct.AddressRecord) string {
	var parts []string
	for _, r := range recs {
		s := r.Value
		if r.Primary {
			s += "*"
		}
		if r.Verified {
			s += "v"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func testAddressCRUD(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)

	verifiedAt := t0.Add(time.Minute)
	primary := NewAddress(alice.ID, acct.AddressEmail, "alice@example.com")
	primary.Primary = true
	work := NewAddress(alice.ID, acct.AddressEmail, "alice@work.example")
	work.Verified, work.VerifiedAt = true, &verifiedAt
	phone := NewAddress(alice.ID, acct.AddressPhone, "+447400100001")
	old := NewAddress(alice.ID, acct.AddressEmail, "alice@old.example")
	insertAddresses(t, s, phone, work, primary, old)
	if primary.Seq == 0 || work.Seq == 0 || primary.Seq == work.Seq {
		t.Fatalf("seqs %d, %d", primary.Seq, work.Seq)
	}

	// Read back as written.
	var got *acct.AddressRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		got, err = tx.GetAddress(ctx, acct.AddressEmail, "alice@work.example")
		return err
	})
	if err != nil || !reflect.DeepEqual(got, work) {
		t.Fatalf("get: %+v, %v\nwant %+v", got, err, work)
	}
	for _, k := range []struct {
		kind  acct.AddressKind
		value string
	}{{acct.AddressPhone, "alice@example.com"}, {acct.AddressEmail, "nobody@example.com"}, {acct.AddressEmail, ""}} {
		err := s.View(ctx, func(tx acct.Tx) error { _, err := tx.GetAddress(ctx, k.kind, k.value); return err })
		if !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("get %s %q: %v", k.kind, k.value, err)
		}
	}

	// Emails before phones, the primary first, then in seq order.
	if got := addressValues(ListAddresses(t, s, alice.ID, "")); got != "alice@example.com* alice@work.examplev alice@old.example +447400100001" {
		t.Errorf("list: %s", got)
	}
	if got := addressValues(ListAddresses(t, s, alice.ID, acct.AddressPhone)); got != "+447400100001" {
		t.Errorf("list phones: %s", got)
	}
	if got := ListAddresses(t, s, bob.ID, ""); got == nil || len(got) != 0 {
		t.Errorf("bob's: %#v", got)
	}

	// Swap the primary; the former one becomes an extra address.
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.SetPrimaryAddress(ctx, alice.ID, acct.AddressEmail, "alice@work.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := addressValues(ListAddresses(t, s, alice.ID, acct.AddressEmail)); got != "alice@work.example*v alice@example.com alice@old.example" {
		t.Errorf("after the swap: %s", got)
	}
	// A first primary of a kind, with none before.
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.SetPrimaryAddress(ctx, alice.ID, acct.AddressPhone, "+447400100001")
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user  int64
		kind  acct.AddressKind
		value string
	}{{bob.ID, acct.AddressEmail, "alice@example.com"}, {alice.ID, acct.AddressPhone, "alice@example.com"}, {alice.ID, acct.AddressEmail, "x@example.com"}} {
		for name, fn := range map[string]func(context.Context, acct.Tx) error{
			"primary": func(ctx context.Context, tx acct.Tx) error {
				return tx.SetPrimaryAddress(ctx, tc.user, tc.kind, tc.value)
			},
			"verified": func(ctx context.Context, tx acct.Tx) error {
				return tx.SetAddressVerified(ctx, tc.user, tc.kind, tc.value, t0)
			},
			"delete": func(ctx context.Context, tx acct.Tx) error { return tx.DeleteAddress(ctx, tc.user, tc.kind, tc.value) },
		} {
			if err := Update(t, s, fn); !acct.IsCode(err, acct.CodeNotFound) {
				t.Errorf("%s of user %d's %s %q: %v", name, tc.user, tc.kind, tc.value, err)
			}
		}
	}

	// Verified: at a time, at an unknown time, and an earlier time kept.
	verify := func(value string, at time.Time) {
		t.Helper()
		if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
			return tx.SetAddressVerified(ctx, alice.ID, acct.AddressEmail, value, at)
		}); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(time.Hour)
	verify("alice@example.com", later)
	verify("alice@example.com", t0.Add(2*time.Hour))
	verify("alice@old.example", time.Time{})
	verify("alice@work.example", later)
	byValue := map[string]acct.AddressRecord{}
	for _, r := range ListAddresses(t, s, alice.ID, "") {
		byValue[r.Value] = r
	}
	if r := byValue["alice@example.com"]; !r.Verified || r.VerifiedAt == nil || !r.VerifiedAt.Equal(later) {
		t.Errorf("verified twice: %+v", r)
	}
	if r := byValue["alice@old.example"]; !r.Verified || r.VerifiedAt != nil {
		t.Errorf("verified at an unknown time: %+v", r)
	}
	if r := byValue["alice@work.example"]; !r.VerifiedAt.Equal(verifiedAt) {
		t.Errorf("verified again: %+v", r)
	}
	// Verified, an unknown time is filled in later.
	verify("alice@old.example", later)
	if r := ListAddresses(t, s, alice.ID, acct.AddressEmail)[2]; r.Value != "alice@old.example" || !r.VerifiedAt.Equal(later) {
		t.Errorf("time filled in: %+v", r)
	}

	// Delete one, then all.
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.DeleteAddress(ctx, alice.ID, acct.AddressEmail, "alice@old.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := addressValues(ListAddresses(t, s, alice.ID, "")); got != "alice@work.example*v alice@example.comv +447400100001*" {
		t.Errorf("after delete: %s", got)
	}
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.DeleteAddresses(ctx, alice.ID) }); err != nil {
		t.Fatal(err)
	}
	if got := ListAddresses(t, s, alice.ID, ""); len(got) != 0 {
		t.Errorf("after delete all: %v", got)
	}
	// Deleting none is fine.
	if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.DeleteAddresses(ctx, alice.ID) }); err != nil {
		t.Fatal(err)
	}
}

func testAddressConflicts(t *testing.T, s acct.Store) {
	alice, bob := NewRec("alice"), NewRec("bob")
	Insert(t, s, alice, bob)
	insertAddresses(t, s, NewAddress(alice.ID, acct.AddressEmail, "x@example.com"), NewAddress(alice.ID, acct.AddressPhone, "+447400100001"))

	for _, a := range []*acct.AddressRecord{
		NewAddress(bob.ID, acct.AddressEmail, "x@example.com"),
		NewAddress(alice.ID, acct.AddressEmail, "x@example.com"),
		NewAddress(bob.ID, acct.AddressPhone, "+447400100001"),
	} {
		err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAddress(ctx, a) })
		CheckConflict(t, "insert "+a.Value, err, string(a.Kind))
	}
	// The same text as another kind is no clash.
	insertAddresses(t, s, NewAddress(bob.ID, acct.AddressPhone, "x@example.com"))

	// Two primaries of one kind for one account: refused, but not as an
	// address in use.
	p1 := NewAddress(bob.ID, acct.AddressEmail, "p1@example.com")
	p2 := NewAddress(bob.ID, acct.AddressEmail, "p2@example.com")
	p1.Primary, p2.Primary = true, true
	insertAddresses(t, s, p1)
	err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAddress(ctx, p2) })
	if err == nil || acct.ErrorField(err) == "email" {
		t.Errorf("a second primary: %v (field %q)", err, acct.ErrorField(err))
	}
	// A verified time without verification is not stored.
	odd := NewAddress(bob.ID, acct.AddressEmail, "odd@example.com")
	odd.VerifiedAt = &t0
	insertAddresses(t, s, odd)
	if r := ListAddresses(t, s, bob.ID, acct.AddressEmail)[1]; r.Value != "odd@example.com" || r.VerifiedAt != nil {
		t.Errorf("unverified with a time: %+v", r)
	}
	// A rolled-back insert leaves nothing.
	err = Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		if err := tx.InsertAddress(ctx, NewAddress(bob.ID, acct.AddressEmail, "gone@example.com")); err != nil {
			return err
		}
		return fmt.Errorf("roll back")
	})
	if err == nil || len(ListAddresses(t, s, bob.ID, acct.AddressEmail)) != 2 {
		t.Errorf("rolled back: %v, %s", err, addressValues(ListAddresses(t, s, bob.ID, "")))
	}
}
