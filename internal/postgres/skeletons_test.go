package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestMigrateSkeletons builds a schema with the migrations before the
// skeletons, with accounts that already look alike, and checks that the
// migration fills the skeletons oldest first, leaves NULL on a later
// look-alike instead of failing, and that the older account's skeleton
// then refuses new look-alikes while the later one keeps working (as
// internal/sqlite's test).
func TestMigrateSkeletons(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := -1
	for i, m := range ms {
		if strings.HasSuffix(m.Name, "_skeletons.sql") {
			before = i
		}
	}
	if before < 0 {
		t.Fatal("no skeletons migration")
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)"}
	for _, m := range ms[:before] {
		queries = append(queries, m.SQL, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, now())", m.Version))
	}
	queries = append(queries,
		`INSERT INTO users (username, email, status, created_at, updated_at) VALUES ('modern', 'known@example.com', 'active', now(), now())`,
		`INSERT INTO users (username, email, status, created_at, updated_at) VALUES ('rnodern', 'kn`+"\u043e"+`wn@example.com', 'active', now(), now())`,
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('carol', 'active', now(), now())`,
		`INSERT INTO addresses (user_id, kind, value, is_primary, created_at) VALUES (1, 'email', 'known@example.com', true, now())`,
		`INSERT INTO addresses (user_id, kind, value, is_primary, created_at) VALUES (2, 'email', 'kn`+"\u043e"+`wn@example.com', true, now())`,
		`INSERT INTO addresses (user_id, kind, value, created_at) VALUES (3, 'phone', '+447400100001', now())`,
	)
	for _, q := range queries {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s := openURL(t, u)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	col := func(q string, arg any) string {
		var v *string
		if err := s.pool.QueryRow(ctx, q, arg).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if v == nil {
			return ""
		}
		return *v
	}
	for id, want := range map[int64]string{1: acct.Skeleton("modern"), 2: "", 3: acct.Skeleton("carol")} {
		if got := col("SELECT username_skeleton FROM users WHERE id = $1", id); got != want {
			t.Errorf("user %d: username_skeleton %q, want %q", id, got, want)
		}
	}
	for seq, want := range map[int64]string{1: acct.Skeleton("known@example.com"), 2: "", 3: ""} {
		if got := col("SELECT skeleton FROM addresses WHERE seq = $1", seq); got != want {
			t.Errorf("address %d: skeleton %q, want %q", seq, got, want)
		}
	}
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
	err = update(t, s, func(ctx context.Context, tx acct.Tx) error {
		return tx.InsertUser(ctx, &acct.UserRecord{User: acct.User{Username: "rn0dern", Status: acct.StatusActive},
			UsernameSkeleton: acct.Skeleton("rn0dern")})
	})
	if acct.ErrorCode(err) != acct.CodeConflict || acct.ErrorField(err) != "username" {
		t.Errorf("a new look-alike: %v, want a conflict naming username", err)
	}
}
