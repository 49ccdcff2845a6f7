package postgres

import (
	"context"
	"database/sql"
	"testing"

	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/sqlstore"
	"github.com/acctl/acctl/internal/sqlstore/sqlstoretest"
)

// kit runs the tests that the SQL stores share (internal/sqlstore/sqlstoretest)
// on new, empty schemas of the test server.
var kit = sqlstoretest.Kit{
	D:                dialect,
	Migrations:       migrations,
	SchemaMigrations: createSchemaMigrations,
	Fresh: func(t *testing.T) (string, *sql.DB) {
		t.Helper()
		u := pgtest.URL(t)
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return u, db
	},
	Open: func(ctx context.Context, url string, opts sqlstore.Options) (sqlstoretest.Store, error) {
		return OpenWith(ctx, url, opts)
	},
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
