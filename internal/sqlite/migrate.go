package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
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

// migrate applies the missing migrations in one IMMEDIATE transaction and
// names them. The applied versions are read again inside it, so processes
// that open a new file at the same moment apply each migration once
// between them. With acct.MigrateRefuse, a file that has a schema older
// than this program's is refused (acct.SchemaTooOld) and only a file with
// none is given one; acct.MigrateNew leaves the older schema as it is
// instead. A schema newer than this program knows is refused
// (acct.SchemaTooNew) in every mode.
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
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return nil, mapError("migrate: create schema_migrations", err)
	}
	applied, err := appliedVersions(ctx, tx, len(ms))
	if err != nil {
		return nil, err
	}
	if (mode == acct.MigrateRefuse || mode == acct.MigrateNew) && len(applied) > 0 {
		if pending := pendingNames(ms, applied); len(pending) > 0 {
			if mode == acct.MigrateNew {
				return nil, nil // left as it is
			}
			return nil, acct.SchemaTooOld(maxVersion(applied), len(ms), pending)
		}
	}

	var names []string
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return nil, mapError("migrate: "+m.name, err)
		}
		if fill := fills[fillName(m.name)]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return nil, mapError("migrate: "+m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
			m.version, time.Now().UnixMilli()); err != nil {
			return nil, mapError("migrate: record "+m.name, err)
		}
		names = append(names, m.name)
	}
	if err := tx.Commit(); err != nil {
		return nil, mapError("migrate: commit", err)
	}
	return names, nil
}

// versionQuerier is what appliedVersions reads with: the write pool or a
// transaction of it.
type versionQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// appliedVersions reads the versions recorded in schema_migrations, which
// must exist. A version above known is acct.SchemaTooNew.
func appliedVersions(ctx context.Context, q versionQuerier, known int) (map[int]bool, error) {
	applied := map[int]bool{}
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, mapError("migrate: read versions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, mapError("migrate: read versions", err)
		}
		if v > known {
			return nil, acct.SchemaTooNew(v, known)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("migrate: read versions", err)
	}
	return applied, nil
}

// pendingNames names the migrations of ms that applied lacks, in order.
func pendingNames(ms []migration, applied map[int]bool) []string {
	var names []string
	for _, m := range ms {
		if !applied[m.version] {
			names = append(names, m.name)
		}
	}
	return names
}

func maxVersion(applied map[int]bool) int {
	high := 0
	for v := range applied {
		high = max(high, v)
	}
	return high
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

// KnownVersion returns the number of migrations this program has: the
// schema version that it works with.
func (s *Store) KnownVersion() int {
	ms, _ := migrations() // checked by Open
	return len(ms)
}

// PendingMigrations names the migrations that the file lacks, in the
// order Migrate applies them (all of them for a file without a schema).
// A file whose schema is newer than this program knows is
// acct.SchemaTooNew.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	var tables int
	if err := s.w.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&tables); err != nil {
		return nil, mapError("read schema version", err)
	}
	applied := map[int]bool{}
	if tables > 0 {
		if applied, err = appliedVersions(ctx, s.w, len(ms)); err != nil {
			return nil, err
		}
	}
	return pendingNames(ms, applied), nil
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

// fills are the steps in Go that complete a migration whose values SQL
// cannot compute, by the migration's name without its number (numbers may
// change when branches meet; the names do not). Each runs in the
// migration's transaction, right after its file.
var fills = map[string]func(context.Context, *sql.Tx) error{
	"skeletons.sql": fillSkeletons,
}

// fillName is a migration's name without its number: "skeletons.sql" for
// "0009_skeletons.sql".
func fillName(name string) string {
	_, rest, _ := strings.Cut(name, "_")
	return rest
}

// fillBatch is how many rows fillSkeletons reads at a time.
const fillBatch = 1000

// fillSkeletons gives the usernames and email addresses stored before
// migration 0009 their skeletons (acct.Skeleton), oldest first. A row
// whose skeleton an older one has already keeps NULL: accounts that
// looked alike before stay as they are, and the migration does not fail
// on them.
func fillSkeletons(ctx context.Context, tx *sql.Tx) error {
	steps := []struct{ read, write string }{
		{`SELECT id, username FROM users WHERE username IS NOT NULL AND id > ? ORDER BY id LIMIT ?`,
			`UPDATE users SET username_skeleton = ?1 WHERE id = ?2
				AND NOT EXISTS (SELECT 1 FROM users WHERE username_skeleton = ?1)`},
		{`SELECT seq, value FROM addresses WHERE kind = 'email' AND seq > ? ORDER BY seq LIMIT ?`,
			`UPDATE addresses SET skeleton = ?1 WHERE seq = ?2
				AND NOT EXISTS (SELECT 1 FROM addresses WHERE kind = 'email' AND skeleton = ?1)`},
	}
	for _, st := range steps {
		var after int64
		for {
			rows, err := tx.QueryContext(ctx, st.read, after, fillBatch)
			if err != nil {
				return fmt.Errorf("fill skeletons: %w", err)
			}
			type row struct {
				key   int64
				value string
			}
			var batch []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.key, &r.value); err != nil {
					rows.Close()
					return fmt.Errorf("fill skeletons: %w", err)
				}
				batch = append(batch, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("fill skeletons: %w", err)
			}
			for _, r := range batch {
				if sk := acct.Skeleton(r.value); sk != "" {
					if _, err := tx.ExecContext(ctx, st.write, sk, r.key); err != nil {
						return fmt.Errorf("fill skeletons: %w", err)
					}
				}
				after = r.key
			}
			if len(batch) < fillBatch {
				break
			}
		}
	}
	return nil
}
