package postgres

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestPointsCheck checks that the CHECK on the balance holds even against
// a statement without the guard of AddPoints (the guarded changes are in
// the storetest contract).
func TestPointsCheck(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	if _, err := s.pool.Exec(ctx, "UPDATE users SET points = -1 WHERE id = $1", alice.ID); err == nil {
		t.Error("a negative balance was stored")
	}
}

// TestMigrateFrom0005 opens a schema that the first five migrations made
// and checks that 0006 gives every account but the tombstones a referral
// code of its own and a balance of 0.
func TestMigrateFrom0005(t *testing.T) {
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
	qs := []string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"}
	for _, m := range ms[:5] {
		qs = append(qs, m.SQL, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", m.Version))
	}
	qs = append(qs,
		`INSERT INTO users (username, status, created_at, updated_at)
			SELECT 'user' || i, 'active', now(), now() FROM generate_series(1, 2000) AS i`,
		`INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', now(), now(), now())`)
	for _, q := range qs {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, u)
	var recs []acct.UserRecord
	err = s.View(ctx, func(tx acct.Tx) (err error) {
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
}
