package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// fileVersion reads the schema version of the file at path behind the
// store's back.
func fileVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// wantSchemaError checks that err is a CodeInvalid error that says all of
// words.
func wantSchemaError(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if acct.ErrorCode(err) != acct.CodeInvalid {
		t.Fatalf("%s: error %v (code %s), want invalid", what, err, acct.ErrorCode(err))
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not say %q", what, err, w)
		}
	}
}

// TestOpenRefusesOlderSchema: without auto-migrate, a file one migration
// behind is refused, naming `store migrate`, both versions and the
// pending migration, and is left as it is (MigrateNew opens it so); a new
// file still gets the whole schema in both modes.
func TestOpenRefusesOlderSchema(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := oldFile(t, len(ms)-1)
	_, err := OpenWith(ctx, path, Options{Migrate: acct.MigrateRefuse})
	wantSchemaError(t, "older schema", err, "acctl store migrate",
		fmt.Sprintf("version %d, this acctl needs %d", len(ms)-1, len(ms)), ms[len(ms)-1].Name)
	if v := fileVersion(t, path); v != len(ms)-1 {
		t.Errorf("version after the refusal = %d, want %d", v, len(ms)-1)
	}
	// MigrateNew (store check) opens it as it is.
	kept, err := OpenWith(ctx, path, Options{Migrate: acct.MigrateNew})
	if err != nil {
		t.Fatalf("MigrateNew: %v", err)
	}
	kept.Close()
	if v := fileVersion(t, path); v != len(ms)-1 {
		t.Errorf("version after MigrateNew = %d, want %d", v, len(ms)-1)
	}

	fresh := filepath.Join(t.TempDir(), "new.db")
	s, err := OpenWith(ctx, fresh, Options{Migrate: acct.MigrateRefuse})
	if err != nil {
		t.Fatalf("new file: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("new file: SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	// An up-to-date file opens (by the read pool alone).
	s.Close()
	fresh2 := filepath.Join(t.TempDir(), "new2.db")
	s3, err := OpenWith(ctx, fresh2, Options{Migrate: acct.MigrateNew})
	if err != nil {
		t.Fatalf("new file, MigrateNew: %v", err)
	}
	s3.Close()
	if v := fileVersion(t, fresh2); v != len(ms) {
		t.Errorf("new file, MigrateNew: version %d, want %d", v, len(ms))
	}
	s2, err := OpenWith(ctx, fresh, Options{Migrate: acct.MigrateRefuse})
	if err != nil {
		t.Fatalf("up-to-date file: %v", err)
	}
	s2.Close()
}

// TestMigrateOnDemand: a file opened as it is lists its pending
// migrations without changing, and Migrate applies them once.
func TestMigrateOnDemand(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	from := len(ms) - 2
	path := oldFile(t, from)
	s, err := OpenWith(ctx, path, Options{Migrate: acct.MigrateNone})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var want []string
	for _, m := range ms[from:] {
		want = append(want, m.Name)
	}
	pending, err := s.PendingMigrations(ctx)
	if err != nil || !reflect.DeepEqual(pending, want) {
		t.Fatalf("PendingMigrations = %v, %v; want %v", pending, err, want)
	}
	if v := fileVersion(t, path); v != from {
		t.Fatalf("version after listing = %d, want %d", v, from)
	}
	if s.KnownVersion() != len(ms) {
		t.Errorf("KnownVersion = %d, want %d", s.KnownVersion(), len(ms))
	}
	applied, err := s.Migrate(ctx)
	if err != nil || !reflect.DeepEqual(applied, want) {
		t.Fatalf("Migrate = %v, %v; want %v", applied, err, want)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(ms) {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	if pending, err := s.PendingMigrations(ctx); err != nil || len(pending) != 0 {
		t.Errorf("PendingMigrations after Migrate = %v, %v", pending, err)
	}
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate again = %v, %v; want nothing", applied, err)
	}
	integrityCheck(t, s.w)

	// A file without a schema lists every migration.
	empty := filepath.Join(t.TempDir(), "empty.db")
	if _, err := createFile(empty); err != nil {
		t.Fatal(err)
	}
	e, err := OpenWith(ctx, empty, Options{Migrate: acct.MigrateNone})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if pending, err := e.PendingMigrations(ctx); err != nil || len(pending) != len(ms) {
		t.Errorf("empty file: PendingMigrations = %v, %v; want all %d", pending, err, len(ms))
	}
}

// TestOpenRefusesNewerSchemaInEveryMode: a file that a newer acctl migrated is
// refused in every mode, on the fast path too, with a message to upgrade
// naming both versions.
func TestOpenRefusesNewerSchemaInEveryMode(t *testing.T) {
	ctx := context.Background()
	ms := mustMigrations(t)
	path := filepath.Join(t.TempDir(), "newer.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, 0)", len(ms)+1); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []acct.MigrateMode{acct.MigrateAuto, acct.MigrateRefuse, acct.MigrateNone, acct.MigrateNew} {
		_, err := OpenWith(ctx, path, Options{Migrate: mode})
		wantSchemaError(t, fmt.Sprintf("mode %d", mode), err, "upgrade acctl",
			fmt.Sprintf("version %d, newer than this acctl knows (%d)", len(ms)+1, len(ms)))
	}
	_, err = s.PendingMigrations(ctx)
	wantSchemaError(t, "PendingMigrations", err, "upgrade acctl")
	_, err = s.Migrate(ctx)
	wantSchemaError(t, "Migrate", err, "upgrade acctl")
	s.Close()
}
