package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// TestAddressRaceStores has 20 stores, opened at once on one file, claim
// the same address for 20 accounts, as Local does (a look-up, then the
// insert): exactly one wins, the others get a conflict on email.
func TestAddressRaceStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	setup, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const racers = 20
	users := make([]*acct.UserRecord, racers)
	for i := range users {
		users[i] = newRec(fmt.Sprintf("racer%d", i))
	}
	insert(t, setup, users...)
	setup.Close()

	start := make(chan struct{})
	results := make(chan error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			s, err := Open(ctx, path)
			if err != nil {
				results <- fmt.Errorf("open: %w", err)
				return
			}
			defer s.Close()
			results <- s.Update(ctx, func(tx acct.Tx) error {
				if _, err := tx.GetAddress(ctx, acct.AddressEmail, "same@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
					return &acct.Error{Code: acct.CodeConflict, Field: "email", Message: "seen first", Err: err}
				}
				return tx.InsertAddress(ctx, newAddress(users[i].ID, acct.AddressEmail, "same@example.com"))
			})
		})
	}
	close(start)
	wg.Wait()
	close(results)
	checkRace(t, results, racers)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM addresses WHERE value = 'same@example.com'").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows of the address, %v", n, err)
	}
	integrityCheck(t, s.w)
}

func TestAddressQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		query, want string
		args        []any
	}{
		{"SELECT " + sqlstore.AddressColumns + " FROM addresses WHERE kind = ? AND value = ?", "sqlite_autoindex_addresses_1", []any{"email", "x"}},
		{"SELECT " + sqlstore.AddressColumns + " FROM addresses WHERE user_id = ? ORDER BY kind, is_primary DESC, seq", "addresses_user_kind", []any{1}},
		{"DELETE FROM addresses WHERE user_id = ?", "addresses_user_kind", []any{1}},
	} {
		plan := queryPlan(t, s.w, tc.query, tc.args...)
		if !strings.Contains(plan, tc.want) {
			t.Errorf("%s:\n%s", tc.query, plan)
		}
	}
}
