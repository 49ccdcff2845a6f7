package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestMigrateSkeletons opens a file made by the migrations before the
// skeletons, with accounts that already look alike, and checks that the
// migration fills the skeletons oldest first, leaves NULL on a later
// look-alike instead of failing, and that the older account's skeleton
// then refuses new look-alikes while the later one keeps working.
func TestMigrateSkeletons(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	before := -1
	for i, m := range ms {
		if strings.HasSuffix(m.Name, "_skeletons.sql") {
			before = i
		}
	}
	if before < 0 {
		t.Fatal("no skeletons migration")
	}
	path := oldFile(t, before,
		`INSERT INTO users (username, email, status, created_at, updated_at) VALUES ('modern', 'known@example.com', 'active', 1000, 1000)`,
		`INSERT INTO users (username, email, status, created_at, updated_at) VALUES ('rnodern', 'kn`+"\u043e"+`wn@example.com', 'active', 2000, 2000)`,
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('carol', 'active', 3000, 3000)`,
		`INSERT INTO addresses (user_id, kind, value, is_primary, created_at) VALUES (1, 'email', 'known@example.com', 1, 1000)`,
		`INSERT INTO addresses (user_id, kind, value, is_primary, created_at) VALUES (2, 'email', 'kn`+"\u043e"+`wn@example.com', 1, 2000)`,
		`INSERT INTO addresses (user_id, kind, value, created_at) VALUES (3, 'phone', '+447400100001', 3000)`,
	)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("the migration failed on look-alikes already stored: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	col := func(q string, arg any) string {
		var v sql.NullString
		if err := s.r.QueryRow(q, arg).Scan(&v); err != nil {
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
	err = update(t, s, func(ctx context.Context, tx acct.Tx) error {
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
	err = update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.InsertUser(ctx, &acct.UserRecord{User: acct.User{Username: "rn0dern", Status: acct.StatusActive},
			UsernameSkeleton: acct.Skeleton("rn0dern")})
	})
	if acct.ErrorCode(err) != acct.CodeConflict || acct.ErrorField(err) != "username" {
		t.Errorf("a new look-alike: %v, want a conflict naming username", err)
	}
	integrityCheck(t, s.w)
}
