package postgres

import (
	"database/sql"
	"testing"

	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/sqlstore/sqlstoretest"
)

// kit is how the tests shared with the SQLite store
// (internal/sqlstore/sqlstoretest) make and open PostgreSQL stores: each
// on a new, empty schema of the test server.
var kit = sqlstoretest.Kit{
	D:                dialect,
	Migrations:       migrations,
	SchemaMigrations: createSchemaMigrations,
	New:              func(t *testing.T) string { return pgtest.URL(t) },
	DB: func(t *testing.T, url string) *sql.DB {
		t.Helper()
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
	Open: sqlstoretest.Opener(OpenWith),

	ForeignViolation: "users_foreign_id_key",
}

// TestSQLStore runs the tests shared with the SQLite store.
func TestSQLStore(t *testing.T) { sqlstoretest.Run(t, kit, timesStored) }

// TestConformance runs the acct conformance suite on Locals over
// PostgreSQL: each case on a new, empty schema, and several Locals on one
// schema, as several servers would.
func TestConformance(t *testing.T) {
	t.Log(pgtest.Describe())
	sqlstoretest.Conformance(t, kit, nil)
}
