package sqlite

import (
	"context"
	"regexp"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestPointsCheck checks that the CHECK on the balance holds even against
// a statement without the guard of AddPoints (the guarded changes are in
// the storetest contract).
func TestPointsCheck(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	alice := newRec("alice")
	insert(t, s, alice)
	if _, err := s.w.ExecContext(ctx, "UPDATE users SET points = -1 WHERE id = ?", alice.ID); err == nil {
		t.Error("a negative balance was stored")
	}
}

// TestPointsLedgerPlan checks that a page of one account's ledger reads
// the ledger's user index (the ledger itself is in the storetest contract).
func TestPointsLedgerPlan(t *testing.T) {
	s := openTest(t)
	if plan := queryPlan(t, s.w, "SELECT id FROM points_ledger WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT 5", 1, 9); !regexp.MustCompile(`USING (COVERING )?INDEX points_ledger_user_id`).MatchString(plan) {
		t.Errorf("ledger query plan: %s", plan)
	}
}

// TestMigrateFrom0005 opens a file that the first five migrations made and
// checks that 0006 gives every account but the tombstones a referral code
// of its own and a balance of 0.
func TestMigrateFrom0005(t *testing.T) {
	ctx := context.Background()
	path := oldFile(t, 5,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT INTO users (username, status, created_at, updated_at) SELECT 'user' || i, 'active', 1, 2 FROM n`,
		`INSERT INTO users (status, created_at, updated_at, deleted_at) VALUES ('deleted', 1, 2, 2)`,
	)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
	integrityCheck(t, s.w)
}
