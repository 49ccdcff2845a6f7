package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlite"
)

// statuses maps each check's name to its status and detail.
func statuses(h *acct.StoreHealth) map[string]string {
	m := map[string]string{}
	for _, c := range h.Checks {
		m[c.Name] = string(c.Status) + " " + c.Detail
	}
	return m
}

func TestCheckHealthy(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Healthy() || h.Kind != "sqlite" || h.SchemaVersion < 1 {
		t.Fatalf("health %+v", h)
	}
	st := statuses(h)
	for _, name := range []string{"journal_mode", "foreign_keys", "busy_timeout", "synchronous", "cache_size",
		"schema_version", "quick_check", "foreign_key_check", "file_mode"} {
		if st[name] != "ok " {
			t.Errorf("%s: %q, want ok", name, st[name])
		}
	}
	if st["path"] != "info " || st["size"] != "info " {
		t.Errorf("facts: %v", st)
	}

	if err := os.Chmod(s.Path(), 0o640); err != nil {
		t.Fatal(err)
	}
	if h, err = s.Check(ctx); err != nil || !h.Healthy() || !strings.HasPrefix(statuses(h)["file_mode"], "warning") {
		t.Errorf("a file others may read: %v, %v", statuses(h), err)
	}
}

// TestCheckDamage damages a table's page and leaves a dangling reference
// behind the store's back: quick_check and foreign_key_check fail.
func TestCheckDamage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acctl.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT INTO filler SELECT i, printf('%0200d', i) FROM n`,
		`INSERT INTO sessions (public_id, token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at)
			VALUES ('ses_x', zeroblob(32), 99, 0, 0, 0, 0)`,
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var root, pageSize int64
	if err := db.QueryRow(`SELECT rootpage, (SELECT page_size FROM pragma_page_size()) FROM sqlite_schema WHERE name = 'filler'`).Scan(&root, &pageSize); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The root page of filler is an interior page (2,000 rows of 200
	// bytes): point its first child at a page far past the end.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0x7f, 0xff, 0xff, 0xff}, (root-1)*pageSize+8); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := statuses(h)
	if h.Healthy() || !strings.HasPrefix(st["quick_check"], "failed") {
		t.Errorf("quick_check: %q", st["quick_check"])
	}
	if want := "failed 1 rows of sessions refer to missing rows of users"; st["foreign_key_check"] != want {
		t.Errorf("foreign_key_check: %q, want %q", st["foreign_key_check"], want)
	}
	t.Log(st["quick_check"])
}
