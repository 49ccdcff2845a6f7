package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// testSkeletonConflicts: the skeletons of usernames and email addresses
// (acct.Skeleton) are unique keys, as the values are: a second row with a
// skeleton in use is a conflict naming the field, whatever its value; an
// empty skeleton (NULL) is never one; a phone has none.
func testSkeletonConflicts(t *testing.T, s acct.Store) {
	ctx := context.Background()
	alice := NewRec("alice")
	alice.UsernameSkeleton = "sk-alice"
	Insert(t, s, alice)
	got, err := Get(t, s, acct.UserKey{Field: acct.KeyID, ID: alice.ID})
	if err != nil || got.UsernameSkeleton != "sk-alice" {
		t.Fatalf("read back: %+v, %v", got, err)
	}

	bob := NewRec("bob")
	bob.UsernameSkeleton = "sk-alice"
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, bob) })
	checkLookAlike(t, "insert a username skeleton in use", err, "username")

	bob.UsernameSkeleton = "" // NULL: any number of them
	carol := NewRec("carol")
	Insert(t, s, bob, carol)
	carol.UsernameSkeleton = "sk-alice"
	err = s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, carol) })
	checkLookAlike(t, "update to a username skeleton in use", err, "username")
	// Once alice's goes (an erased account), it is free.
	alice.UsernameSkeleton, alice.Username = "", ""
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, alice) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, carol) }); err != nil {
		t.Fatalf("a freed skeleton: %v", err)
	}

	a := NewAddress(bob.ID, acct.AddressEmail, "x@example.com")
	a.Skeleton = "sk-x"
	insertAddresses(t, s, a)
	if l := ListAddresses(t, s, bob.ID, acct.AddressEmail); len(l) != 1 || l[0].Skeleton != "sk-x" {
		t.Fatalf("read back: %+v", l)
	}
	if r, err := getAddress(s, acct.AddressEmail, "x@example.com"); err != nil || r.Skeleton != "sk-x" {
		t.Fatalf("get address: %+v, %v", r, err)
	}
	for _, owner := range []int64{bob.ID, carol.ID} {
		b := NewAddress(owner, acct.AddressEmail, fmt.Sprintf("y%d@example.com", owner))
		b.Skeleton = "sk-x"
		err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAddress(ctx, b) })
		checkLookAlike(t, "an address skeleton in use", err, "email")
	}
	// The same skeleton under another kind is no clash; none is none.
	p := NewAddress(carol.ID, acct.AddressPhone, "+447400100001")
	p.Skeleton = "sk-x"
	insertAddresses(t, s, p, NewAddress(carol.ID, acct.AddressEmail, "z1@example.com"),
		NewAddress(carol.ID, acct.AddressEmail, "z2@example.com"))
}

// getAddress reads one address in a View.
func getAddress(s acct.Store, kind acct.AddressKind, value string) (rec *acct.AddressRecord, err error) {
	err = s.View(context.Background(), func(tx acct.Tx) error {
		rec, err = tx.GetAddress(context.Background(), kind, value)
		return err
	})
	return rec, err
}

// testSkeletonRace has 16 stores on one database, as processes would,
// register accounts at once whose usernames and addresses differ but
// whose skeletons are one, the way the core does (user, then address):
// exactly one succeeds, every other is a conflict naming username or
// email.
func testSkeletonRace(t *testing.T, newDB NewDB) {
	ctx := context.Background()
	open := newDB(t)
	const racers = 16
	start := make(chan struct{})
	outcomes := make([]error, racers)
	var ready, wg sync.WaitGroup
	ready.Add(racers)
	for i := range racers {
		wg.Go(func() {
			s, err := open()
			ready.Done()
			if err != nil {
				outcomes[i] = err
				return
			}
			defer s.Close()
			<-start
			rec := NewRec(fmt.Sprintf("racer%d", i))
			if i%2 == 0 {
				rec.UsernameSkeleton = "sk-racer"
			}
			outcomes[i] = s.Update(ctx, func(tx acct.Tx) error {
				if err := tx.InsertUser(ctx, rec); err != nil {
					return err
				}
				a := NewAddress(rec.ID, acct.AddressEmail, rec.Email)
				a.Primary, a.Skeleton = true, "sk-racer@example.com"
				return tx.InsertAddress(ctx, a)
			})
		})
	}
	ready.Wait()
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range outcomes {
		switch f := acct.ErrorField(err); {
		case err == nil:
			ok++
		case acct.ErrorCode(err) == acct.CodeConflict && (f == "username" || f == "email"):
		case acct.ErrorCode(err) == acct.CodeUnavailable:
			t.Logf("racer %d: %v (busy: a retry would meet the conflict)", i, err)
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d look-alike racers succeeded, want 1", ok, racers)
	}
}

// checkLookAlike checks that err is the conflict of a skeleton in use
// for field, with acct.LookAlikeMessage.
func checkLookAlike(t *testing.T, what string, err error, field string) {
	t.Helper()
	var ae *acct.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v (%T), want an *acct.Error", what, err, err)
	}
	if want := acct.LookAlikeMessage(field); ae.Code != acct.CodeConflict || ae.Field != field || ae.Message != want {
		t.Errorf("%s: code %q field %q message %q; want conflict %q %q", what, ae.Code, ae.Field, ae.Message, field, want)
	}
}
