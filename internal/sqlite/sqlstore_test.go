package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/sqlstore/sqlstoretest"
)

// kit is how the tests shared with the PostgreSQL store
// (internal/sqlstore/sqlstoretest) make, open and check SQLite files.
var kit = sqlstoretest.Kit{
	D:                dialect,
	Migrations:       migrations,
	SchemaMigrations: createSchemaMigrations,
	New:              func(t *testing.T) string { return filepath.Join(t.TempDir(), "acctl.db") },
	DB: func(t *testing.T, path string) *sql.DB {
		t.Helper()
		if _, err := createFile(path); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", dsn(path, true))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	},
	Open:  sqlstoretest.Opener(OpenWith),
	Check: integrityCheck,

	ForeignViolation: "UNIQUE constraint failed: users.foreign_id",
}

// TestSQLStore runs the tests shared with the PostgreSQL store.
func TestSQLStore(t *testing.T) { sqlstoretest.Run(t, kit, timesStored) }

// TestConformance runs the acct conformance suite on Locals over SQLite
// files: one each, and several on one file, as processes would; a file
// that stores raced on then passes SQLite's integrity check.
func TestConformance(t *testing.T) {
	sqlstoretest.Conformance(t, kit, func(t *testing.T, path string) {
		s := openAt(t, path)
		defer s.Close()
		integrityCheck(t, s.w)
	})
}
