package sqlstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/sqlstore"
)

// AddressRace has 20 stores, opened at once on one database, claim the
// same address for 20 accounts, as Local does (a look-up, then the
// insert): exactly one wins, the others get a conflict on email, and the
// address is stored once.
func AddressRace(t *testing.T, k Kit) {
	ctx := context.Background()
	where, db := k.Fresh(t)
	setup := k.open(t, where, sqlstore.Options{})
	const racers = 20
	users := make([]*acct.UserRecord, racers)
	for i := range users {
		users[i] = storetest.NewRec(fmt.Sprintf("racer%d", i))
	}
	storetest.Insert(t, setup, users...)

	start := make(chan struct{})
	results := make(chan error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			s, err := k.Open(ctx, where, sqlstore.Options{})
			if err != nil {
				results <- fmt.Errorf("open: %w", err)
				return
			}
			defer s.Close()
			results <- s.Update(ctx, func(tx acct.Tx) error {
				if _, err := tx.GetAddress(ctx, acct.AddressEmail, "same@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
					return &acct.Error{Code: acct.CodeConflict, Field: "email", Message: "seen first", Err: err}
				}
				return tx.InsertAddress(ctx, storetest.NewAddress(users[i].ID, acct.AddressEmail, "same@example.com"))
			})
		})
	}
	close(start)
	wg.Wait()
	close(results)
	var ok, conflicts int
	for err := range results {
		var ae *acct.Error
		switch {
		case err == nil:
			ok++
		case acct.IsCode(err, acct.CodeConflict) && acct.ErrorField(err) == "email":
			conflicts++
		case errors.As(err, &ae):
			t.Errorf("unexpected error: %v: %v", err, ae.Err)
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != racers-1 {
		t.Errorf("%d successes and %d conflicts, want 1 and %d", ok, conflicts, racers-1)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM addresses WHERE value = 'same@example.com'").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows of the address, %v", n, err)
	}
	k.check(t, db)
}
