package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// migrationFiles are the schema changes, numbered from 0001 without gaps.
// They only ever add: a migration never drops or rewrites data.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations") // sorted by name
	if err != nil {
		return nil, err
	}
	var ms []migration
	for i, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", e.Name(), i+1)
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	return ms, nil
}

// migrate applies the missing migrations in one IMMEDIATE transaction. The
// applied versions are read again inside it, so processes that open a new
// file at the same moment apply each migration once between them.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if v, err := s.SchemaVersion(ctx); err == nil && v == len(ms) {
		return nil // up to date: no write lock needed
	}

	tx, err := s.w.BeginTx(ctx, nil) // IMMEDIATE, from the DSN
	if err != nil {
		return mapError("migrate: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return mapError("migrate: create schema_migrations", err)
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return mapError("migrate: read versions", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return mapError("migrate: read versions", err)
		}
		if v > len(ms) {
			rows.Close()
			return fmt.Errorf("schema version %d is newer than this program knows (%d): upgrade acctl", v, len(ms))
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return mapError("migrate: read versions", err)
	}

	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return mapError("migrate: "+m.name, err)
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
			m.version, time.Now().UnixMilli()); err != nil {
			return mapError("migrate: record "+m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return mapError("migrate: commit", err)
	}
	return nil
}

// SchemaVersion returns the highest migration applied to the file, 0 for
// none.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.w.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, mapError("read schema version", err)
	}
	return v, nil
}
