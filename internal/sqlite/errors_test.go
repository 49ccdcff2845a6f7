package sqlite

import (
	"errors"
	"testing"
)

// TestUniqueKey: the dialect names the unique key of a violation from
// SQLite's message, as the shared AddressConflict needs it, and nothing
// for other errors.
func TestUniqueKey(t *testing.T) {
	s := openTest(t)
	for _, q := range []string{
		`INSERT INTO users (username, status, created_at, updated_at) VALUES ('u', 'active', 0, 0)`,
		`INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at, skeleton)
			VALUES (1, 'email', 'a@example.com', 0, 0, 0, 'a@example.com')`,
	} {
		if _, err := s.w.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ query, want string }{
		{`INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
			VALUES (1, 'email', 'a@example.com', 0, 0, 0)`, "addresses(kind,value)"},
		{`INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at, skeleton)
			VALUES (1, 'email', 'b@example.com', 0, 0, 0, 'a@example.com')`, "addresses(kind,skeleton)"},
		{`INSERT INTO users (username, status, created_at, updated_at) VALUES ('u', 'active', 0, 0)`, "users(username)"},
		{`INSERT INTO nowhere VALUES (1)`, ""},
	} {
		_, err := s.w.Exec(tc.query)
		if err == nil {
			t.Fatalf("%s: no error", tc.query)
		}
		if got := uniqueKey(err); got != tc.want {
			t.Errorf("uniqueKey(%v) = %q, want %q", err, got, tc.want)
		}
	}
	if got := uniqueKey(errors.New("UNIQUE constraint failed: a.b")); got != "" {
		t.Errorf("uniqueKey of a plain error = %q, want \"\"", got)
	}
}
