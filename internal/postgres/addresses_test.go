package postgres

// Store-level tests of addresses, ported from internal/sqlite's.

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// newAddress returns an unverified extra address of userID created at t0.
func newAddress(userID int64, kind acct.AddressKind, value string) *acct.AddressRecord {
	return &acct.AddressRecord{Address: acct.Address{UserID: userID, Kind: kind, Value: value, CreatedAt: t0}}
}

func insertAddresses(t *testing.T, s *Store, recs ...*acct.AddressRecord) {
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

func listAddresses(t *testing.T, s *Store, userID int64, kind acct.AddressKind) []acct.AddressRecord {
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

func update(t *testing.T, s *Store, fn func(context.Context, acct.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return s.Update(ctx, func(tx acct.Tx) error { return fn(ctx, tx) })
}

func TestAddressCRUD(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)

	verifiedAt := t0.Add(time.Minute)
	primary := newAddress(alice.ID, acct.AddressEmail, "alice@example.com")
	primary.Primary = true
	work := newAddress(alice.ID, acct.AddressEmail, "alice@work.example")
	work.Verified, work.VerifiedAt = true, &verifiedAt
	phone := newAddress(alice.ID, acct.AddressPhone, "+447400100001")
	old := newAddress(alice.ID, acct.AddressEmail, "alice@old.example")
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
	if got := addressValues(listAddresses(t, s, alice.ID, "")); got != "alice@example.com* alice@work.examplev alice@old.example +447400100001" {
		t.Errorf("list: %s", got)
	}
	if got := addressValues(listAddresses(t, s, alice.ID, acct.AddressPhone)); got != "+447400100001" {
		t.Errorf("list phones: %s", got)
	}
	if got := listAddresses(t, s, bob.ID, ""); got == nil || len(got) != 0 {
		t.Errorf("bob's: %#v", got)
	}

	// Swap the primary; the former one becomes an extra address.
	if err := update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.SetPrimaryAddress(ctx, alice.ID, acct.AddressEmail, "alice@work.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := addressValues(listAddresses(t, s, alice.ID, acct.AddressEmail)); got != "alice@work.example*v alice@example.com alice@old.example" {
		t.Errorf("after the swap: %s", got)
	}
	// A first primary of a kind, with none before.
	if err := update(t, s, func(ctx context.Context, tx acct.Tx) error {
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
			if err := update(t, s, fn); !acct.IsCode(err, acct.CodeNotFound) {
				t.Errorf("%s of user %d's %s %q: %v", name, tc.user, tc.kind, tc.value, err)
			}
		}
	}

	// Verified: at a time, at an unknown time, and an earlier time kept.
	verify := func(value string, at time.Time) {
		t.Helper()
		if err := update(t, s, func(ctx context.Context, tx acct.Tx) error {
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
	for _, r := range listAddresses(t, s, alice.ID, "") {
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
	if r := listAddresses(t, s, alice.ID, acct.AddressEmail)[2]; r.Value != "alice@old.example" || !r.VerifiedAt.Equal(later) {
		t.Errorf("time filled in: %+v", r)
	}

	// Delete one, then all.
	if err := update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.DeleteAddress(ctx, alice.ID, acct.AddressEmail, "alice@old.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := addressValues(listAddresses(t, s, alice.ID, "")); got != "alice@work.example*v alice@example.comv +447400100001*" {
		t.Errorf("after delete: %s", got)
	}
	if err := update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.DeleteAddresses(ctx, alice.ID) }); err != nil {
		t.Fatal(err)
	}
	if got := listAddresses(t, s, alice.ID, ""); len(got) != 0 {
		t.Errorf("after delete all: %v", got)
	}
	// Deleting none is fine.
	if err := update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.DeleteAddresses(ctx, alice.ID) }); err != nil {
		t.Fatal(err)
	}
}

func TestAddressConflicts(t *testing.T) {
	s := openTest(t)
	alice, bob := newRec("alice"), newRec("bob")
	insert(t, s, alice, bob)
	insertAddresses(t, s, newAddress(alice.ID, acct.AddressEmail, "x@example.com"), newAddress(alice.ID, acct.AddressPhone, "+447400100001"))

	for _, a := range []*acct.AddressRecord{
		newAddress(bob.ID, acct.AddressEmail, "x@example.com"),
		newAddress(alice.ID, acct.AddressEmail, "x@example.com"),
		newAddress(bob.ID, acct.AddressPhone, "+447400100001"),
	} {
		err := update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAddress(ctx, a) })
		checkConflict(t, "insert "+a.Value, err, string(a.Kind))
	}
	// The same text as another kind is no clash.
	insertAddresses(t, s, newAddress(bob.ID, acct.AddressPhone, "x@example.com"))

	// Two primaries of one kind for one account: refused, but not as an
	// address in use.
	p1 := newAddress(bob.ID, acct.AddressEmail, "p1@example.com")
	p2 := newAddress(bob.ID, acct.AddressEmail, "p2@example.com")
	p1.Primary, p2.Primary = true, true
	insertAddresses(t, s, p1)
	err := update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAddress(ctx, p2) })
	if err == nil || acct.ErrorField(err) == "email" {
		t.Errorf("a second primary: %v (field %q)", err, acct.ErrorField(err))
	}
	// A verified time without verification is not stored.
	odd := newAddress(bob.ID, acct.AddressEmail, "odd@example.com")
	odd.VerifiedAt = &t0
	insertAddresses(t, s, odd)
	if r := listAddresses(t, s, bob.ID, acct.AddressEmail)[1]; r.Value != "odd@example.com" || r.VerifiedAt != nil {
		t.Errorf("unverified with a time: %+v", r)
	}
	// A rolled-back insert leaves nothing.
	err = update(t, s, func(ctx context.Context, tx acct.Tx) error {
		if err := tx.InsertAddress(ctx, newAddress(bob.ID, acct.AddressEmail, "gone@example.com")); err != nil {
			return err
		}
		return fmt.Errorf("roll back")
	})
	if err == nil || len(listAddresses(t, s, bob.ID, acct.AddressEmail)) != 2 {
		t.Errorf("rolled back: %v, %s", err, addressValues(listAddresses(t, s, bob.ID, "")))
	}
}

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
		queries = append(queries, m.sql, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", m.version))
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
		1: {{Seq: 1, Address: acct.Address{UserID: 1, Kind: acct.AddressEmail, Value: "alice@example.com", Primary: true, Verified: true, CreatedAt: fromMillis(1000)}},
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
