package sqlstore

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// fakeRow gives Scan fixed values, as database/sql does to *any
// destinations.
type fakeRow []any

func (r fakeRow) Scan(dest ...any) error {
	for i, d := range dest {
		*d.(*any) = r[i]
	}
	return nil
}

func TestUserScanner(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	ms := at.UnixMilli()
	row := fakeRow{int64(7), "alice", "alice@example.com", int64(1), nil, int64(0), "Alice", "", "fr",
		int64(0), "held", ms, "$hash", ms, ms + 1, nil, []byte("github:1"), int64(2), nil, "", "CODE2345", int64(3), "locked", "a1ice", int64(40)}
	var rec acct.UserRecord
	if err := NewUserScanner().Scan(row, &rec); err != nil {
		t.Fatal(err)
	}
	ref := int64(3)
	want := acct.UserRecord{User: acct.User{ID: 7, Username: "alice", Email: "alice@example.com", EmailVerified: true,
		FirstName: "Alice", Language: "fr", Status: acct.StatusHeld, HoldUntil: &at, Foreign: "github:1", HasPassword: true,
		FailedLogins: 2, CreatedAt: at, UpdatedAt: at.Add(time.Millisecond), ReferralCode: "CODE2345", ReferredBy: &ref, Points: 40},
		PasswordHash: "$hash", HeldFrom: acct.StatusLocked, UsernameSkeleton: "a1ice"}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("got  %+v\nwant %+v", rec, want)
	}

	for i, bad := range map[int]any{0: nil, 3: int64(2), 1: int64(5), 13: "soon", 22: int64(1)} {
		r := append(fakeRow(nil), row...)
		r[i] = bad
		if err := NewUserScanner().Scan(r, &rec); err == nil || !strings.HasPrefix(err.Error(), "column ") {
			t.Errorf("column %d holding %#v: error %v", i, bad, err)
		}
	}
}

func TestAddressScanner(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	var rec acct.AddressRecord
	row := fakeRow{int64(9), int64(7), "email", "a@b.c", int64(1), int64(1), at.UnixMilli(), at.UnixMilli(), "a@b.c"}
	if err := NewAddressScanner().Scan(row, &rec); err != nil {
		t.Fatal(err)
	}
	want := acct.AddressRecord{Seq: 9, Address: acct.Address{UserID: 7, Kind: acct.AddressEmail, Value: "a@b.c",
		Primary: true, Verified: true, VerifiedAt: &at, CreatedAt: at}, Skeleton: "a@b.c"}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("got  %+v\nwant %+v", rec, want)
	}
	// PostgreSQL's booleans and times.
	pg := fakeRow{int64(9), int64(7), "email", "a@b.c", true, true, at.In(time.FixedZone("x", 3600)), at, "a@b.c"}
	if err := NewAddressScanner().Scan(pg, &rec); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("PostgreSQL's types: got  %+v\nwant %+v", rec, want)
	}
	row[6] = nil
	row[7] = nil
	if err := NewAddressScanner().Scan(row, &rec); err == nil {
		t.Error("a NULL created_at was read")
	}
}
