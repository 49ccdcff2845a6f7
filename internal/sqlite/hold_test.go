package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// TestMigrateFrom0007 opens a file that the first seven migrations made,
// with accounts on deletion hold, and checks that 0008 leaves them held
// with no remembered status, that a restore returns them active, as
// every restore did before, and that a new hold remembers its status.
func TestMigrateFrom0007(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	until := now.Add(24 * time.Hour).UnixMilli()
	path := oldFile(t, 7,
		fmt.Sprintf(`INSERT INTO users (username, email, status, hold_until, referral_code, created_at, updated_at)
			VALUES ('alice', 'alice@example.com', 'held', %d, 'AAAAAAAA', 1, 2)`, until),
		fmt.Sprintf(`INSERT INTO users (username, email, status, hold_until, referral_code, created_at, updated_at)
			VALUES ('bob', 'bob@example.com', 'held', %d, 'BBBBBBBB', 1, 2)`, until),
		`INSERT INTO users (username, email, status, referral_code, created_at, updated_at)
			VALUES ('carol', 'carol@example.com', 'pending', 'CCCCCCCC', 1, 2)`,
	)

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx acct.Tx) error {
		for _, name := range []string{"alice", "bob", "carol"} {
			rec, err := tx.GetUser(ctx, acct.UserKey{Field: acct.KeyUsername, Value: name})
			if err != nil {
				return err
			}
			if rec.HeldFrom != "" {
				t.Errorf("%s: held from %q after the migration, want none", name, rec.HeldFrom)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := acct.NewLocal(s, acct.Options{Now: func() time.Time { return now },
		Argon2: acct.Argon2Params{Memory: 64, Time: 1, Threads: 1}, ScramIterations: acct.MinScramIterations, Actor: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if u, err := l.Restore(ctx, "alice"); err != nil || u.Status != acct.StatusActive || u.HoldUntil != nil {
		t.Fatalf("restore an account held before 0008: %+v, %v", u, err)
	}
	// A hold made now remembers the status.
	if _, err := l.Unregister(ctx, "carol", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if u, err := l.Restore(ctx, "carol"); err != nil || u.Status != acct.StatusPending {
		t.Fatalf("restore a pending account held after 0008: %+v, %v", u, err)
	}
	if u, err := l.User(ctx, "bob"); err != nil || u.Status != acct.StatusHeld {
		t.Fatalf("bob: %+v, %v", u, err)
	}
	var heldFrom sql.NullString
	if err := s.r.QueryRow("SELECT held_from FROM users WHERE username = 'carol'").Scan(&heldFrom); err != nil || heldFrom.Valid {
		t.Fatalf("carol's held_from after the restore: %v, %v; want NULL", heldFrom, err)
	}
	integrityCheck(t, s.w)
}
