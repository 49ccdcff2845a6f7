package sqlstoretest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/sqlstore"
)

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
