package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// migrationFiles are the schema changes, numbered from 0001 without gaps,
// in step with internal/sqlite's: version N means the same tables and
// columns in both stores. They only ever add: a migration never drops or
// rewrites data.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]sqlstore.Migration, error) { return sqlstore.LoadMigrations(migrationFiles) }

// lockKey is the advisory lock that migrations take, one per schema of a
// database (advisory locks are per database already): a hash of the
// schema's name, so that tests using a schema each do not queue on one
// another.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("acctl migrate\x00" + schema))
	return int64(h.Sum64())
}

// createSchemaMigrations creates the table of the applied migrations.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL
)`

// migrate applies the missing migrations in one transaction that first
// takes a transaction-level advisory lock, so that
// sqlstore.ApplyMigrations reads the applied versions only once it holds
// it, and names the migrations it applied: processes that open a new
// database at the same moment queue on the lock, and the first applies
// each migration once for all of them. PostgreSQL's DDL is transactional,
// so a migration that fails leaves nothing behind. With acct.MigrateNone
// nothing is applied; the other modes are as sqlstore.ApplyMigrations
// says. A schema newer than this program knows is refused
// (acct.SchemaTooNew) in every mode.
func (s *Store) migrate(ctx context.Context, mode acct.MigrateMode) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	if v, err := s.SchemaVersion(ctx); err != nil {
		return nil, err
	} else if v == len(ms) {
		return nil, nil // up to date: no lock needed
	} else if v > len(ms) {
		return nil, acct.SchemaTooNew(v, len(ms))
	} else if mode == acct.MigrateNone || (mode == acct.MigrateNew && v > 0) {
		return nil, nil
	}

	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, mapError("migrate: begin", err)
	}
	defer tx.Rollback()
	var schema sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, mapError("migrate: read current schema", err)
	}
	if !schema.Valid {
		return nil, fmt.Errorf("migrate: no schema of the search_path exists to create the tables in")
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(schema.String)); err != nil {
		return nil, mapError("migrate: lock", err)
	}
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		return nil, mapError("migrate: create schema_migrations", err)
	}
	names, err := sqlstore.ApplyMigrations(ctx, tx, dialect, ms, mode)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // as pgx's Commit(ctx) would: not committed
	}
	if err := tx.Commit(); err != nil {
		return nil, mapError("migrate: commit", err)
	}
	return names, nil
}

// Migrate applies the migrations that the database lacks, whatever the
// mode it was opened with, and names them.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	names, err := s.migrate(ctx, acct.MigrateAuto)
	if err != nil {
		return nil, openError(err)
	}
	return names, nil
}

// SchemaVersion returns the highest migration applied to the database, 0
// for none (no schema_migrations table in the schema the store uses: the
// first of the search_path that exists).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	if exists, err := s.HasSchema(ctx); err != nil || !exists {
		return 0, err
	}
	return s.AppliedVersion(ctx)
}
