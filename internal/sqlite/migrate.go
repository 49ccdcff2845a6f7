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
		if fill := fills[fillName(m.name)]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return mapError("migrate: "+m.name, err)
			}
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
