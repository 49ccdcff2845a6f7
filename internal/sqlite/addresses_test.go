package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
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

// TestMigrate0005Backfill opens a file made by the migrations before 0005,
// with accounts in it, and checks that their primary addresses join the
// address table, verified as the accounts say, and that they are unique
// from then on.
func TestMigrate0005Backfill(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := oldFile(t, 4,
		`INSERT INTO users (username, email, email_verified, phone, status, created_at, updated_at)
			VALUES ('alice', 'alice@example.com', 1, '+447400100001', 'active', 1000, 2000)`,
		`INSERT INTO users (username, phone, phone_verified, status, created_at, updated_at)
			VALUES ('bob', '+447400100002', 1, 'held', 3000, 4000)`,
		`INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', 5000, 6000, 6000)`,
		`INSERT INTO users (foreign_id, status, created_at, updated_at) VALUES ('github:1', 'active', 7000, 8000)`,
	)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	want := map[int64][]acct.AddressRecord{
		1: {{Seq: 1, Address: acct.Address{UserID: 1, Kind: acct.AddressEmail, Value: "alice@example.com", Primary: true, Verified: true, CreatedAt: fromMillis(1000)},
			Skeleton: acct.Skeleton("alice@example.com")}, // 0009 fills it
			{Seq: 2, Address: acct.Address{UserID: 1, Kind: acct.AddressPhone, Value: "+447400100001", Primary: true, CreatedAt: fromMillis(1000)}}},
		2: {{Seq: 3, Address: acct.Address{UserID: 2, Kind: acct.AddressPhone, Value: "+447400100002", Primary: true, Verified: true, CreatedAt: fromMillis(3000)}}},
		3: {},
		4: {},
	}
	for id, w := range want {
		if got := listAddresses(t, s, id, ""); !reflect.DeepEqual(got, w) {
			t.Errorf("user %d:\n got %+v\nwant %+v", id, got, w)
		}
	}
	// The backfilled addresses are taken.
	err = update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.InsertAddress(ctx, newAddress(4, acct.AddressPhone, "+447400100002"))
	})
	checkConflict(t, "a backfilled phone", err, "phone")
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
