package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// ListPasswordHashes pages through id and hash, "" for no password,
// skipping purged accounts.
func testListPasswordHashes(t *testing.T, s acct.Store) {
	ctx := context.Background()
	a, b, c, d := NewRec("a"), NewRec("b"), NewRec("c"), NewRec("d")
	a.PasswordHash = "$2b$04$hash-of-a"
	c.PasswordHash = "$argon2id$hash-of-c"
	d.PasswordHash = "pbkdf2_sha256$1$s$hash-of-d"
	Insert(t, s, a, b, c, d)
	gone := NewRec("")
	gone.Status, gone.DeletedAt = acct.StatusDeleted, &t0
	Insert(t, s, gone)
	page := func(after int64, limit int) []acct.UserHash {
		t.Helper()
		var out []acct.UserHash
		err := s.View(ctx, func(tx acct.Tx) (err error) {
			out, err = tx.ListPasswordHashes(ctx, after, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []acct.UserHash{{ID: a.ID, Hash: a.PasswordHash}, {ID: b.ID}, {ID: c.ID, Hash: c.PasswordHash}, {ID: d.ID, Hash: d.PasswordHash}}
	if got := page(0, 10); !reflect.DeepEqual(got, want) {
		t.Fatalf("all: %+v, want %+v", got, want)
	}
	if got := page(0, 3); !reflect.DeepEqual(got, want[:3]) {
		t.Fatalf("first page: %+v", got)
	}
	if got := page(c.ID, 3); !reflect.DeepEqual(got, want[3:]) {
		t.Fatalf("second page: %+v", got)
	}
	if got := page(gone.ID, 3); got == nil || len(got) != 0 {
		t.Fatalf("past the end: %#v, want an empty slice", got)
	}
	err := s.View(ctx, func(tx acct.Tx) error {
		_, err := tx.ListPasswordHashes(ctx, 0, 0)
		return err
	})
	if err == nil {
		t.Fatal("limit 0 accepted")
	}
}
