package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// openTest opens a store on a fresh file in a new folder and closes it at
// the end of the test.
func openTest(t *testing.T) *Store {
	t.Helper()
	return kit.OpenAt(t, filepath.Join(t.TempDir(), "data", "acctl.db")).(*Store)
}

// openAt opens the store at path, failing the test if it cannot; the
// caller closes it.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	return s
}

func TestOpenCreatesPrivateFileAndFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "acctl")
	path := filepath.Join(dir, "acctl.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(context.Background(), func(tx acct.Tx) error {
		return tx.InsertUser(context.Background(), newRec("alice"))
	}); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, path, 0o600)
	assertMode(t, path+"-wal", 0o600) // SQLite copies the database file's mode
}

func TestOpenLeavesExistingFolderMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), filepath.Join(dir, "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	assertMode(t, dir, 0o755)
	assertMode(t, filepath.Join(dir, "acctl.db"), 0o600)
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", filepath.Base(path), got, want)
	}
}

func TestPragmas(t *testing.T) {
	s := openTest(t)
	got, err := s.Pragmas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "2",
		"cache_size": "-65536"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("pragma %s = %q, want %q", k, got[k], v)
		}
	}
	// The read pool is query-only and has the same settings.
	for _, p := range []struct{ name, want string }{
		{"query_only", "1"}, {"foreign_keys", "1"}, {"busy_timeout", "5000"}, {"journal_mode", "wal"},
	} {
		var v string
		if err := s.r.QueryRow("PRAGMA " + p.name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != p.want {
			t.Errorf("read pool: pragma %s = %q, want %q", p.name, v, p.want)
		}
	}
}

// TestReopenConnectsWritePoolOnFirstWrite opens a store that is up to date:
// Open connects only the read pool, a read works without a write
// connection, and the first write connects it with its settings.
func TestReopenConnectsWritePoolOnFirstWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s := openAt(t, path)
	if n := s.w.Stats().OpenConnections; n != 1 {
		t.Errorf("new file: %d write connections after Open, want 1 (it migrates)", n)
	}
	s.Close()

	s = openAt(t, path)
	defer s.Close()
	if n := s.w.Stats().OpenConnections; n != 0 {
		t.Errorf("up-to-date file: %d write connections after Open, want 0", n)
	}
	if err := s.View(ctx, func(tx acct.Tx) error {
		_, err := tx.ListUsers(ctx, acct.UserFilter{Limit: 1})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := s.w.Stats().OpenConnections; n != 0 {
		t.Errorf("after a read: %d write connections, want 0", n)
	}
	if err := s.Update(ctx, func(tx acct.Tx) error {
		return tx.InsertUser(ctx, newRec("alice"))
	}); err != nil {
		t.Fatal(err)
	}
	if n := s.w.Stats().OpenConnections; n != 1 {
		t.Errorf("after a write: %d write connections, want 1", n)
	}
	got, err := s.Pragmas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pragmaNames {
		if got[name] != wantPragmas[name] {
			t.Errorf("lazily connected write pool: pragma %s = %q, want %q", name, got[name], wantPragmas[name])
		}
	}
}

// TestOpenRefusesNewerSchema: a file migrated by a newer acctl is refused
// rather than used with a schema this one does not know.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s := openAt(t, path)
	if _, err := s.w.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (999, 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "upgrade acctl") {
		t.Fatalf("Open of a newer schema: %v, want an error that says to upgrade acctl", err)
	}
}

func TestDSNEscapesPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my data?x=1#frag %20")
	path := filepath.Join(dir, "acct db?#.sqlite")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(tx acct.Tx) error {
		return tx.InsertUser(context.Background(), newRec("alice"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "acct db?#.sqlite") {
			t.Errorf("unexpected file %q next to the database", e.Name())
		}
	}
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countUsers(t, s); n != 1 {
		t.Errorf("reopened: %d users, want 1", n)
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	for _, p := range []string{"", ":memory:"} {
		if s, err := Open(context.Background(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	destructive := regexp.MustCompile(`(?i)\b(DROP|DELETE|TRUNCATE|RENAME|REPLACE)\b`)
	comment := regexp.MustCompile(`--[^\n]*`)
	for _, m := range ms {
		if w := destructive.FindString(comment.ReplaceAllString(m.SQL, "")); w != "" {
			t.Errorf("%s uses %s: migrations never destroy data", m.Name, w)
		}
	}

	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	before := appliedAt(t, s)
	s.Close()

	// Reopening applies nothing again.
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != len(ms) {
		t.Fatalf("reopened: SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	after := appliedAt(t, s)
	if len(after) != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", len(after), len(ms))
	}
	for v, at := range before {
		if after[v] != at {
			t.Errorf("migration %d re-applied", v)
		}
	}

	// A file from a newer program is refused rather than misread.
	if _, err := s.w.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(context.Background(), path); err == nil {
		s.Close()
		t.Fatal("opened a file with a newer schema")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer schema: %v", err)
	}
}

func appliedAt(t *testing.T, s *Store) map[int]int64 {
	t.Helper()
	rows, err := s.w.Query("SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[int]int64{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		m[v] = at
	}
	return m
}

func countUsers(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func integrityCheck(t *testing.T, db *sql.DB) {
	t.Helper()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Errorf("integrity_check: %s", res)
	}
}
