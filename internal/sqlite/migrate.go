package sqlite

import (
	"context"
	"embed"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// migrationFiles are the schema changes, numbered from 0001 without gaps.
// They only ever add: a migration never drops or rewrites data.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]sqlstore.Migration, error) { return sqlstore.LoadMigrations(migrationFiles) }

// createSchemaMigrations creates the table of the applied migrations.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
) STRICT`

// migrate applies the missing migrations in one IMMEDIATE transaction
// (other writers wait for it) and names them: sqlstore.ApplyMigrations
// says how, in each mode.
func (s *Store) migrate(ctx context.Context, mode acct.MigrateMode) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	if v, err := s.SchemaVersion(ctx); err == nil && v == len(ms) {
		return nil, nil // up to date: no write lock needed
	}

	tx, err := s.w.BeginTx(ctx, nil) // IMMEDIATE, from the DSN
	if err != nil {
		return nil, mapError("migrate: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		return nil, mapError("migrate: create schema_migrations", err)
	}
	names, err := sqlstore.ApplyMigrations(ctx, tx, dialect, ms, mode)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, mapError("migrate: commit", err)
	}
	return names, nil
}

// SchemaVersion returns the highest migration applied to the file, 0 for
// none.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return s.AppliedVersion(ctx)
}

// Migrate applies the migrations that the file lacks, whatever the mode
// it was opened with, and names them.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	names, err := s.migrate(ctx, acct.MigrateAuto)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return names, nil
}
