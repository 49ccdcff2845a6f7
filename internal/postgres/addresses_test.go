package postgres

// Store-level tests of addresses, ported from internal/sqlite's.

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestAddressRaceStores has 20 stores on one database claim the same
// address for 20 accounts, as Local does (a look-up, then the insert):
// exactly one wins, the others get a conflict on email.
func TestAddressRaceStores(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	setup := openURL(t, u)
	const racers = 20
	users := make([]*acct.UserRecord, racers)
	for i := range users {
		users[i] = newRec(fmt.Sprintf("racer%d", i))
	}
	insert(t, setup, users...)

	stores := make([]*Store, racers)
	for i := range stores {
		stores[i] = openURL(t, u)
	}
	start := make(chan struct{})
	results := make(chan error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-start
			results <- stores[i].Update(ctx, func(tx acct.Tx) error {
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
	var ok, conflicts int
	for err := range results {
		switch {
		case err == nil:
			ok++
		case acct.IsCode(err, acct.CodeConflict) && acct.ErrorField(err) == "email":
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != racers-1 {
		t.Errorf("%d successes and %d conflicts, want 1 and %d", ok, conflicts, racers-1)
	}
	var n int
	if err := setup.pool.QueryRow(ctx, "SELECT count(*) FROM addresses WHERE value = 'same@example.com'").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows of the address, %v", n, err)
	}
}

// TestMigrate0005Backfill builds a schema with the migrations before 0005,
// with accounts in it, and checks that their primary addresses join the
// address table, verified as the accounts say, and that they are unique
// from then on.
func TestMigrate0005Backfill(t *testing.T) {
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
	queries := []string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"}
	for _, m := range ms[:4] {
		queries = append(queries, m.SQL, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", m.Version))
	}
	ms1 := func(n int) string { return fmt.Sprintf("'%s'", fromMillis(n).Format(time.RFC3339Nano)) }
	queries = append(queries,
		`INSERT INTO users (username, email, email_verified, phone, status, created_at, updated_at)
			VALUES ('alice', 'alice@example.com', true, '+447400100001', 'active', `+ms1(1000)+`, `+ms1(2000)+`)`,
		`INSERT INTO users (username, phone, phone_verified, status, created_at, updated_at)
			VALUES ('bob', '+447400100002', true, 'held', `+ms1(3000)+`, `+ms1(4000)+`)`,
		`INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', `+ms1(5000)+`, `+ms1(6000)+`, `+ms1(6000)+`)`,
		`INSERT INTO users (foreign_id, status, created_at, updated_at) VALUES ('github:1', 'active', `+ms1(7000)+`, `+ms1(8000)+`)`,
	)
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, u)
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
}

// fromMillis is a time given in Unix milliseconds, in UTC.
func fromMillis(ms int) time.Time { return time.UnixMilli(int64(ms)).UTC() }
