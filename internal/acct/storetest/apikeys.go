package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

func newAPIKey(name string, created time.Time) *acct.APIKeyRecord {
	sum := sha256.Sum256([]byte("token of " + name))
	rec := &acct.APIKeyRecord{TokenHash: sum[:]}
	rec.Name, rec.Role, rec.Prefix = name, acct.RoleSupport, "acctl_key_"+name[:2]
	rec.CreatedAt, rec.CreatedBy = created, "tester"
	return rec
}

func insertAPIKeys(t *testing.T, s acct.Store, recs ...*acct.APIKeyRecord) {
	t.Helper()
	for _, rec := range recs {
		if err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAPIKey(ctx, rec) }); err != nil {
			t.Fatalf("insert API key %s: %v", rec.Name, err)
		}
	}
}

func getAPIKey(s acct.Store, key acct.APIKeyKey) (rec *acct.APIKeyRecord, err error) {
	ctx := context.Background()
	err = s.View(ctx, func(tx acct.Tx) error {
		rec, err = tx.GetAPIKey(ctx, key)
		return err
	})
	return rec, err
}

func listAPIKeys(t *testing.T, s acct.Store) []acct.APIKeyRecord {
	t.Helper()
	ctx := context.Background()
	var recs []acct.APIKeyRecord
	err := s.View(ctx, func(tx acct.Tx) (err error) {
		recs, err = tx.ListAPIKeys(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func apiKeyNames(recs []acct.APIKeyRecord) string {
	var names []string
	for _, r := range recs {
		names = append(names, r.Name)
	}
	return strings.Join(names, " ")
}

func testAPIKeyInsertGet(t *testing.T, s acct.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	if recs := listAPIKeys(t, s); recs == nil || len(recs) != 0 {
		t.Fatalf("empty store lists %#v", recs)
	}
	ci := newAPIKey("ci", at)
	ci.Role = acct.RoleAdmin
	insertAPIKeys(t, s, ci)
	if ci.ID <= 0 {
		t.Fatalf("ID %d", ci.ID)
	}
	for _, key := range []acct.APIKeyKey{{Name: "ci"}, {TokenHash: ci.TokenHash}, {Name: "ci", TokenHash: ci.TokenHash}} {
		got, err := getAPIKey(s, key)
		if err != nil || !reflect.DeepEqual(got, ci) {
			t.Fatalf("get %+v: %+v, %v\nwant %+v", key, got, err, ci)
		}
	}
	other := newAPIKey("other", at)
	for _, key := range []acct.APIKeyKey{{}, {Name: "nobody"}, {TokenHash: other.TokenHash}, {Name: "ci", TokenHash: other.TokenHash}} {
		if got, err := getAPIKey(s, key); !acct.IsCode(err, acct.CodeNotFound) {
			t.Errorf("get %+v: %+v, %v; want not found", key, got, err)
		}
	}
	// Stored with every time set: all come back, in UTC, to the millisecond.
	used, revoked := at.Add(time.Minute), at.Add(time.Hour)
	other.LastUsedAt, other.RevokedAt = &used, &revoked
	insertAPIKeys(t, s, other)
	got, err := getAPIKey(s, acct.APIKeyKey{Name: "other"})
	if err != nil || !reflect.DeepEqual(got, other) || got.RevokedAt.Location() != time.UTC {
		t.Fatalf("get other: %+v, %v\nwant %+v", got, err, other)
	}
}

func testAPIKeyConflicts(t *testing.T, s acct.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	insertAPIKeys(t, s, newAPIKey("ci", at))
	dup := newAPIKey("ci", at)
	dup.TokenHash = bytes.Repeat([]byte{1}, 32)
	err := Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAPIKey(ctx, dup) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "name" {
		t.Errorf("same name: %v (field %q)", err, acct.ErrorField(err))
	}
	same := newAPIKey("ci", at)
	same.Name = "other"
	err = Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAPIKey(ctx, same) })
	if !acct.IsCode(err, acct.CodeConflict) || acct.ErrorField(err) != "token_hash" {
		t.Errorf("same token: %v (field %q)", err, acct.ErrorField(err))
	}
	for _, bad := range []func(*acct.APIKeyRecord){
		func(r *acct.APIKeyRecord) { r.TokenHash = r.TokenHash[:31] },
		func(r *acct.APIKeyRecord) { r.Name = "" },
		func(r *acct.APIKeyRecord) { r.Role = "" },
	} {
		rec := newAPIKey("bad", at)
		bad(rec)
		err = Update(t, s, func(ctx context.Context, tx acct.Tx) error { return tx.InsertAPIKey(ctx, rec) })
		if err == nil || acct.IsCode(err, acct.CodeConflict) {
			t.Errorf("stored %+v: %v", rec, err)
		}
	}
	if got := apiKeyNames(listAPIKeys(t, s)); got != "ci" {
		t.Errorf("listed %q", got)
	}
}

func testListAPIKeys(t *testing.T, s acct.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Name order, in bytes: '-' < '.' < '0' < '_' < 'a'.
	insertAPIKeys(t, s, newAPIKey("zz", at), newAPIKey("a_b", at), newAPIKey("a-b", at), newAPIKey("a.b", at),
		newAPIKey("a0", at), newAPIKey("ab", at))
	revoked := newAPIKey("mm", at)
	revoked.RevokedAt = &at
	insertAPIKeys(t, s, revoked)
	recs := listAPIKeys(t, s)
	if got := apiKeyNames(recs); got != "a-b a.b a0 a_b ab mm zz" {
		t.Fatalf("listed %q", got)
	}
	if !reflect.DeepEqual(&recs[5], revoked) {
		t.Errorf("listed %+v\nwant %+v", recs[5], revoked)
	}
}

func testRevokeAPIKey(t *testing.T, s acct.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ci, other := newAPIKey("ci", at), newAPIKey("other", at)
	insertAPIKeys(t, s, ci, other)
	revoke := func(id int64, when time.Time) bool {
		t.Helper()
		var ok bool
		err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
			ok, err = tx.RevokeAPIKey(ctx, id, when)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !revoke(ci.ID, at.Add(time.Hour)) {
		t.Fatal("the first revocation did nothing")
	}
	if revoke(ci.ID, at.Add(2*time.Hour)) {
		t.Fatal("a second revocation changed the key")
	}
	if revoke(other.ID+100, at) {
		t.Fatal("revoked a key that does not exist")
	}
	got, err := getAPIKey(s, acct.APIKeyKey{Name: "ci"})
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(at.Add(time.Hour)) {
		t.Fatalf("after revocations: %+v, %v", got, err)
	}
	if got, _ := getAPIKey(s, acct.APIKeyKey{Name: "other"}); got.RevokedAt != nil {
		t.Fatalf("the other key was revoked: %+v", got)
	}
}

func testTouchAPIKey(t *testing.T, s acct.Store) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ci := newAPIKey("ci", at)
	insertAPIKeys(t, s, ci)
	touch := func(id int64, when time.Time) bool {
		t.Helper()
		var ok bool
		err := Update(t, s, func(ctx context.Context, tx acct.Tx) (err error) {
			ok, err = tx.TouchAPIKey(ctx, id, when, when.Add(-time.Minute))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	lastUsed := func() *time.Time {
		t.Helper()
		got, err := getAPIKey(s, acct.APIKeyKey{Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		return got.LastUsedAt
	}
	for i, c := range []struct {
		at      time.Time
		touched bool
		stored  time.Time
	}{
		{at, true, at},                        // never used
		{at.Add(30 * time.Second), false, at}, // within the minute
		{at.Add(time.Minute), false, at},      // a minute: not before
		{at.Add(time.Minute + time.Millisecond), true, at.Add(time.Minute + time.Millisecond)},
		{at, false, at.Add(time.Minute + time.Millisecond)}, // never backwards
	} {
		if got := touch(ci.ID, c.at); got != c.touched {
			t.Errorf("step %d: touched %v, want %v", i, got, c.touched)
		}
		if got := lastUsed(); got == nil || !got.Equal(c.stored) {
			t.Errorf("step %d: last used %v, want %v", i, got, c.stored)
		}
	}
	// A revoked key is never touched.
	err := Update(t, s, func(ctx context.Context, tx acct.Tx) error {
		_, err := tx.RevokeAPIKey(ctx, ci.ID, at.Add(time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if touch(ci.ID, at.Add(2*time.Hour)) {
		t.Error("touched a revoked key")
	}
}
