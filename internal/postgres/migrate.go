package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// migrationFiles are the schema changes, numbered from 0001 without gaps,
// in step with internal/sqlite's: version N means the same tables and
// columns in both stores. They only ever add: a migration never drops or
// rewrites data.
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

// lockKey is the advisory lock that migrations take, one per schema of a
// database (advisory locks are per database already): a hash of the
// schema's name, so that tests using a schema each do not queue on one
// another.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("acctl migrate\x00" + schema))
	return int64(h.Sum64())
}

// migrate applies the missing migrations in one transaction that first
// takes a transaction-level advisory lock, reads the applied versions
// only once it holds it, and names the migrations it applied: processes
// that open a new database at the same moment queue on the lock, and the
// first applies each migration once for all of them. PostgreSQL's DDL is
// transactional, so a migration that fails leaves nothing behind. With
// acct.MigrateRefuse, a database whose schema is older than this
// program's is refused (acct.SchemaTooOld) and only one with none is
// given one; acct.MigrateNew leaves the older schema as it is instead;
// with acct.MigrateNone nothing is applied. A schema newer
// than this program knows is refused (acct.SchemaTooNew) in every mode.
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

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, mapError("migrate: begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var schema *string
	if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, mapError("migrate: read current schema", err)
	}
	if schema == nil {
		return nil, fmt.Errorf("migrate: no schema of the search_path exists to create the tables in")
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(*schema)); err != nil {
		return nil, mapError("migrate: lock", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
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
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return nil, mapError("migrate: "+m.name, err)
		}
		if fill := fills[fillName(m.name)]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return nil, mapError("migrate: "+m.name, err)
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
			m.version, millis(time.Now())); err != nil {
			return nil, mapError("migrate: record "+m.name, err)
		}
		names = append(names, m.name)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, mapError("migrate: commit", err)
	}
	return names, nil
}

// versionQuerier is what appliedVersions reads with: the pool or a transaction.
type versionQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// appliedVersions reads the versions recorded in schema_migrations, which
// must exist. A version above known is acct.SchemaTooNew.
func appliedVersions(ctx context.Context, q versionQuerier, known int) (map[int]bool, error) {
	rows, err := q.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, mapError("migrate: read versions", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, mapError("migrate: read versions", err)
	}
	applied := map[int]bool{}
	for _, v := range versions {
		if v > known {
			return nil, acct.SchemaTooNew(v, known)
		}
		applied[v] = true
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

// KnownVersion returns the number of migrations this program has: the
// schema version that it works with.
func (s *Store) KnownVersion() int {
	ms, _ := migrations() // checked by Open
	return len(ms)
}

// PendingMigrations names the migrations that the database lacks, in the
// order Migrate applies them (all of them for a database without a
// schema). A schema newer than this program knows is acct.SchemaTooNew.
func (s *Store) PendingMigrations(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT current_schema() IS NOT NULL
		AND to_regclass(quote_ident(current_schema()) || '.schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, mapError("read schema version", err)
	}
	applied := map[int]bool{}
	if exists {
		if applied, err = appliedVersions(ctx, s.pool, len(ms)); err != nil {
			return nil, err
		}
	}
	return pendingNames(ms, applied), nil
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
	var exists bool
	err := s.pool.QueryRow(ctx, `SELECT current_schema() IS NOT NULL
		AND to_regclass(quote_ident(current_schema()) || '.schema_migrations') IS NOT NULL`).Scan(&exists)
	if err != nil {
		return 0, mapError("read schema version", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	err = s.pool.QueryRow(ctx, "SELECT COALESCE(max(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, mapError("read schema version", err)
	}
	return v, nil
}

// fills are the steps in Go that complete a migration whose values SQL
// cannot compute, by the migration's name without its number (numbers may
// change when branches meet; the names do not). Each runs in the
// migration's transaction, right after its file.
var fills = map[string]func(context.Context, pgx.Tx) error{
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
// migration 0009 their skeletons (acct.Skeleton), oldest first, as
// internal/sqlite's does. A row whose skeleton an older one has already
// keeps NULL: accounts that looked alike before stay as they are, and the
// migration does not fail on them.
func fillSkeletons(ctx context.Context, tx pgx.Tx) error {
	steps := []struct{ read, write string }{
		{`SELECT id, username FROM users WHERE username IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`,
			`UPDATE users SET username_skeleton = $1 WHERE id = $2
				AND NOT EXISTS (SELECT 1 FROM users WHERE username_skeleton = $1)`},
		{`SELECT seq, value FROM addresses WHERE kind = 'email' AND seq > $1 ORDER BY seq LIMIT $2`,
			`UPDATE addresses SET skeleton = $1 WHERE seq = $2
				AND NOT EXISTS (SELECT 1 FROM addresses WHERE kind = 'email' AND skeleton = $1)`},
	}
	type row struct {
		Key   int64
		Value string
	}
	for _, st := range steps {
		var after int64
		for {
			rows, err := tx.Query(ctx, st.read, after, fillBatch)
			if err != nil {
				return fmt.Errorf("fill skeletons: %w", err)
			}
			batch, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
			if err != nil {
				return fmt.Errorf("fill skeletons: %w", err)
			}
			for _, r := range batch {
				if sk := acct.Skeleton(r.Value); sk != "" {
					if _, err := tx.Exec(ctx, st.write, sk, r.Key); err != nil {
						return fmt.Errorf("fill skeletons: %w", err)
					}
				}
				after = r.Key
			}
			if len(batch) < fillBatch {
				break
			}
		}
	}
	return nil
}
