package sqlstoretest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/sqlstore"
)

// MigrateSkeletons makes a store with the migrations before the
// skeletons, with accounts that already look alike, and checks that the
// migration fills the skeletons oldest first, leaves NULL on a later
// look-alike instead of failing, and that the older account's skeleton
// then refuses new look-alikes while the later one keeps working.
func MigrateSkeletons(t *testing.T, k Kit) {
	ctx := context.Background()
	ms := k.migrations(t)
	before := -1
	for i, m := range ms {
		if strings.HasSuffix(m.Name, "_skeletons.sql") {
			before = i
		}
	}
	if before < 0 {
		t.Fatal("no skeletons migration")
	}
	user := "INSERT INTO users (username, email, status, created_at, updated_at) VALUES (?, ?, 'active', ?, ?)"
	address := "INSERT INTO addresses (user_id, kind, value, is_primary, created_at) VALUES (?, ?, ?, ?, ?)"
	at := func(ms int64) any { return k.D.Time(time.UnixMilli(ms)) }
	lookAlike := "kn\u043ewn@example.com" // a Cyrillic o
	where, db := k.Older(t, before,
		Stmt{user, []any{"modern", "known@example.com", at(1000), at(1000)}},
		Stmt{user, []any{"rnodern", lookAlike, at(2000), at(2000)}},
		Stmt{user, []any{"carol", nil, at(3000), at(3000)}},
		Stmt{address, []any{1, "email", "known@example.com", true, at(1000)}},
		Stmt{address, []any{2, "email", lookAlike, true, at(2000)}},
		Stmt{address, []any{3, "phone", "+447400100001", false, at(3000)}},
	)
	s, err := k.Open(ctx, where, sqlstore.Options{})
	if err != nil {
		t.Fatalf("the migration failed on look-alikes already stored: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	col := func(q string, arg any) string {
		var v sql.NullString
		if err := db.QueryRow(k.D.Rebind(q), arg).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v.String
	}
	for id, want := range map[int64]string{1: acct.Skeleton("modern"), 2: "", 3: acct.Skeleton("carol")} {
		if got := col("SELECT username_skeleton FROM users WHERE id = ?", id); got != want {
			t.Errorf("user %d: username_skeleton %q, want %q", id, got, want)
		}
	}
	for seq, want := range map[int64]string{1: acct.Skeleton("known@example.com"), 2: "", 3: ""} {
		if got := col("SELECT skeleton FROM addresses WHERE seq = ?", seq); got != want {
			t.Errorf("address %d: skeleton %q, want %q", seq, got, want)
		}
	}
	// The later look-alike keeps working: it is written back as read.
	err = storetest.Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		rec, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyID, ID: 2})
		if err != nil {
			return err
		}
		rec.FirstName = "Still here"
		return tx.UpdateUser(ctx, rec)
	})
	if err != nil {
		t.Fatalf("update the later look-alike: %v", err)
	}
	// A new look-alike meets the older account's skeleton.
	err = storetest.Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.InsertUser(ctx, &acct.UserRecord{User: acct.User{Username: "rn0dern", Status: acct.StatusActive},
			UsernameSkeleton: acct.Skeleton("rn0dern")})
	})
	if acct.ErrorCode(err) != acct.CodeConflict || acct.ErrorField(err) != "username" {
		t.Errorf("a new look-alike: %v, want a conflict naming username", err)
	}
	k.check(t, db)
}

// MigrateFrom0005 makes a store with the first five migrations and checks
// that 0006 gives every account but the tombstones a referral code of its
// own and a balance of 0, with codes spread over the whole alphabet.
func MigrateFrom0005(t *testing.T, k Kit) {
	ctx := context.Background()
	at := "CAST(? AS " + k.D.TimeType + ")"
	where, db := k.Older(t, 5,
		Stmt{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT INTO users (username, status, created_at, updated_at)
			SELECT 'user' || i, 'active', ` + at + `, ` + at + ` FROM n`, []any{k.D.Time(t0), k.D.Time(t0)}},
		Stmt{"INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', ?, ?, ?)",
			[]any{k.D.Time(t0), k.D.Time(t0), k.D.Time(t0)}},
	)
	s := k.open(t, where, sqlstore.Options{})
	var recs []acct.UserRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
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
	k.check(t, db)
}

// PointsCheck checks that the CHECK on the balance holds even against a
// statement without the guard of AddPoints (the guarded changes are in
// the storetest contract).
func PointsCheck(t *testing.T, k Kit) {
	s, db := k.OpenFresh(t)
	alice := storetest.NewRec("alice")
	storetest.Insert(t, s, alice)
	if _, err := db.Exec(k.D.Rebind("UPDATE users SET points = -1 WHERE id = ?"), alice.ID); err == nil {
		t.Error("a negative balance was stored")
	}
}

// EmptyKeysAreNull checks that a username, email, phone, password hash
// or foreign identity that is "" is stored as NULL, read back as "", and
// that clearing an email frees it for another account.
func EmptyKeysAreNull(t *testing.T, k Kit) {
	s, db := k.OpenFresh(t)
	a, b := storetest.NewRec(""), storetest.NewRec("")
	storetest.Insert(t, s, a, b) // neither has a username, email or phone
	if a.ID == b.ID {
		t.Fatal("same id")
	}
	var nulls int
	if err := db.QueryRow(`SELECT count(*) FROM users
		WHERE username IS NULL AND email IS NULL AND phone IS NULL AND password_hash IS NULL
		AND foreign_id IS NULL`).Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != 2 {
		t.Errorf("%d rows with NULL keys, want 2", nulls)
	}
	got, err := storetest.Get(t, s, acct.UserKey{Field: acct.KeyID, ID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "" || got.Email != "" || got.Phone != "" || got.PasswordHash != "" ||
		got.Foreign != "" || got.HasPassword {
		t.Errorf("NULLs read back as %+v", got)
	}
	// Clearing an email by update frees it for another account.
	c := storetest.NewRec("carol")
	storetest.Insert(t, s, c)
	c.Email = ""
	ctx := context.Background()
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.UpdateUser(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	d := storetest.NewRec("dave")
	d.Email = "carol@example.com"
	storetest.Insert(t, s, d)
}

// TimesRoundTrip checks that the times of an account and an event come
// back in UTC, in whole milliseconds, whatever their zone; stored checks
// how the dialect stored them, on db.
func TimesRoundTrip(t *testing.T, k Kit, stored func(t *testing.T, db *sql.DB)) {
	s, db := k.OpenFresh(t)
	ctx := context.Background()
	paris := time.FixedZone("CET", 3600)
	in := time.Date(2031, 12, 31, 23, 59, 59, 123_456_789, paris) // sub-millisecond digits, not UTC
	want := time.UnixMilli(in.UnixMilli()).UTC()

	rec := storetest.NewRec("alice")
	rec.CreatedAt, rec.UpdatedAt, rec.HoldUntil, rec.DeletedAt, rec.LockedUntil = in, in, &in, &in, &in
	storetest.Insert(t, s, rec)
	ev := &acct.Event{At: in, Actor: "root", Action: acct.ActionUserRegister, UserID: &rec.ID, Outcome: acct.OutcomeOK}
	if err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertEvent(ctx, ev) }); err != nil {
		t.Fatal(err)
	}
	got, err := storetest.Get(t, s, acct.UserKey{Field: acct.KeyID, ID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	events := storetest.ListEvents(t, s, acct.EventFilter{})
	for name, tm := range map[string]time.Time{
		"created_at": got.CreatedAt, "updated_at": got.UpdatedAt,
		"hold_until": *got.HoldUntil, "deleted_at": *got.DeletedAt, "locked_until": *got.LockedUntil,
		"event at": events[0].At,
	} {
		if tm != want || tm.Location() != time.UTC {
			t.Errorf("%s = %v, want %v (UTC, millisecond precision)", name, tm, want)
		}
	}
	stored(t, db)
}

// millis is a time given in Unix milliseconds, in UTC.
func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// upgraded opens the store at where, which Older made, and checks that it
// has the whole schema.
func (k Kit) upgraded(t *testing.T, where string) Store {
	t.Helper()
	s := k.open(t, where, sqlstore.Options{})
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != len(k.migrations(t)) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(k.migrations(t)))
	}
	return s
}

// MigrateFrom0003 makes a store with the first three migrations and a
// reset code, and checks that the code reads back with no purpose and
// that passcodes work after the upgrade.
func MigrateFrom0003(t *testing.T, k Kit) {
	at := k.D.Time(t0)
	where, db := k.Older(t, 3,
		Stmt{"INSERT INTO users (username, status, created_at, updated_at) VALUES ('alice', 'active', ?, ?)", []any{at, at}},
		Stmt{`INSERT INTO codes (public_id, user_id, kind, mac, channel, created_at, expires_at)
			VALUES ('cod_old', 1, 'reset', ?, 'none', ?, ?)`, []any{bytes.Repeat([]byte{7}, 32), at, at}},
	)
	s := k.upgraded(t, where)
	if c, err := storetest.GetCode(s, acct.CodeKey{ID: "cod_old"}); err != nil || c.Purpose != "" || c.Kind != acct.CodeKindReset {
		t.Errorf("old code after the upgrade: %+v, %v", c, err)
	}
	otp := storetest.NewOTP(1, "cod_otp", acct.PurposeSignup, "+15550100", t0)
	storetest.InsertCodes(t, s, otp)
	got := storetest.ListCodes(t, s, acct.CodeFilter{UserID: 1, Purpose: acct.PurposeSignup})
	if len(got) != 1 || !reflect.DeepEqual(&got[0], otp) {
		t.Errorf("passcode on the upgraded store: %+v", got)
	}
	k.check(t, db)
}

// Migrate0005Backfill makes a store with the migrations before 0005, with
// accounts in it, and checks that their primary addresses join the
// address table, verified as the accounts say, and that they are unique
// from then on.
func Migrate0005Backfill(t *testing.T, k Kit) {
	at := func(ms int64) any { return k.D.Time(millis(ms)) }
	where, db := k.Older(t, 4,
		Stmt{`INSERT INTO users (username, email, email_verified, phone, status, created_at, updated_at)
			VALUES ('alice', 'alice@example.com', ?, '+447400100001', 'active', ?, ?)`, []any{true, at(1000), at(2000)}},
		Stmt{`INSERT INTO users (username, phone, phone_verified, status, created_at, updated_at)
			VALUES ('bob', '+447400100002', ?, 'held', ?, ?)`, []any{true, at(3000), at(4000)}},
		Stmt{"INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', ?, ?, ?)",
			[]any{at(5000), at(6000), at(6000)}},
		Stmt{"INSERT INTO users (foreign_id, status, created_at, updated_at) VALUES ('github:1', 'active', ?, ?)",
			[]any{at(7000), at(8000)}},
	)
	s := k.upgraded(t, where)
	want := map[int64][]acct.AddressRecord{
		1: {{Seq: 1, Address: acct.Address{UserID: 1, Kind: acct.AddressEmail, Value: "alice@example.com", Primary: true, Verified: true, CreatedAt: millis(1000)},
			Skeleton: acct.Skeleton("alice@example.com")}, // 0009 fills it
			{Seq: 2, Address: acct.Address{UserID: 1, Kind: acct.AddressPhone, Value: "+447400100001", Primary: true, CreatedAt: millis(1000)}}},
		2: {{Seq: 3, Address: acct.Address{UserID: 2, Kind: acct.AddressPhone, Value: "+447400100002", Primary: true, Verified: true, CreatedAt: millis(3000)}}},
		3: {},
		4: {},
	}
	for id, w := range want {
		if got := storetest.ListAddresses(t, s, id, ""); !reflect.DeepEqual(got, w) {
			t.Errorf("user %d:\n got %+v\nwant %+v", id, got, w)
		}
	}
	// The backfilled addresses are taken.
	err := storetest.Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.InsertAddress(ctx, storetest.NewAddress(4, acct.AddressPhone, "+447400100002"))
	})
	storetest.CheckConflict(t, "a backfilled phone", err, "phone")
	k.check(t, db)
}

// ForeignConflict checks that a second account with a foreign identity
// in use is a conflict on "foreign", with the driver's error (which says
// Kit.ForeignViolation) kept in the chain.
func ForeignConflict(t *testing.T, k Kit) {
	s, _ := k.OpenFresh(t)
	ctx := context.Background()
	a := storetest.NewRec("alice")
	a.Foreign = "github:12345"
	storetest.Insert(t, s, a)
	b := storetest.NewRec("bob")
	b.Foreign = "github:12345"
	err := s.Update(ctx, func(tx acct.Tx) error { return tx.InsertUser(ctx, b) })
	var ae *acct.Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Err.Error(), k.ForeignViolation) {
		t.Fatalf("driver message: %v, want one that says %q", err, k.ForeignViolation)
	}
	storetest.CheckConflict(t, "foreign", err, "foreign")
}

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

	results := k.Race(where, racers, func(i int, s Store) error {
		return s.Update(ctx, func(tx acct.Tx) error {
			if _, err := tx.GetAddress(ctx, acct.AddressEmail, "same@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
				return &acct.Error{Code: acct.CodeConflict, Field: "email", Message: "seen first", Err: err}
			}
			return tx.InsertAddress(ctx, storetest.NewAddress(users[i].ID, acct.AddressEmail, "same@example.com"))
		})
	})
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

// Race runs fn(i, s) for i from 0 to n-1 at once, each with a store of
// its own opened on where at the same moment, and returns their errors
// (nil for a success), all in, in a closed channel.
func (k Kit) Race(where string, n int, fn func(i int, s Store) error) <-chan error {
	start := make(chan struct{})
	results := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			s, err := k.Open(context.Background(), where, sqlstore.Options{})
			if err != nil {
				results <- fmt.Errorf("open: %w", err)
				return
			}
			defer s.Close()
			results <- fn(i, s)
		})
	}
	close(start)
	wg.Wait()
	close(results)
	return results
}
