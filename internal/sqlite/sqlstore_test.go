package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/sqlstore"
	"github.com/acctl/acctl/internal/sqlstore/sqlstoretest"
)

// kit runs the tests that the SQL stores share (internal/sqlstore/sqlstoretest)
// on SQLite files.
var kit = sqlstoretest.Kit{
	D:                dialect,
	Migrations:       migrations,
	SchemaMigrations: createSchemaMigrations,
	Fresh: func(t *testing.T) (string, *sql.DB) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "acctl.db")
		if _, err := createFile(path); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite", dsn(path, true))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return path, db
	},
	Open: func(ctx context.Context, path string, opts sqlstore.Options) (sqlstoretest.Store, error) {
		return OpenWith(ctx, path, opts)
	},
	Check: integrityCheck,
}

func TestOpenRefusesOlderSchema(t *testing.T) { sqlstoretest.OpenRefusesOlderSchema(t, kit) }
func TestMigrateOnDemand(t *testing.T)        { sqlstoretest.MigrateOnDemand(t, kit) }
func TestOpenRefusesNewerSchemaInEveryMode(t *testing.T) {
	sqlstoretest.OpenRefusesNewerSchemaInEveryMode(t, kit)
}
func TestMigrateSkeletons(t *testing.T) { sqlstoretest.MigrateSkeletons(t, kit) }
func TestMigrateFrom0005(t *testing.T)  { sqlstoretest.MigrateFrom0005(t, kit) }
func TestPointsCheck(t *testing.T)      { sqlstoretest.PointsCheck(t, kit) }
func TestEmptyKeysAreNull(t *testing.T) { sqlstoretest.EmptyKeysAreNull(t, kit) }
func TestTimesRoundTrip(t *testing.T)   { sqlstoretest.TimesRoundTrip(t, kit, timesStored) }
