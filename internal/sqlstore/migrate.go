package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The runner of the migrations. Each dialect keeps its own files
// (internal/sqlite/migrations, internal/postgres/migrations: numbered
// from 0001 without gaps, in step, so that version N means the same
// tables and columns in both) and begins the transaction they run in,
// with its own lock; the reading of the files, the bookkeeping in
// schema_migrations and the steps in Go are here.

// Options change how a dialect store's OpenWith treats the database.
type Options struct {
	// Migrate is what OpenWith does with a schema older than this
	// program's: apply the missing migrations (acct.MigrateAuto, the zero
	// value), refuse (acct.MigrateRefuse), or leave it as it is
	// (acct.MigrateNone, and acct.MigrateNew but for a store without a
	// schema, which it gives one).
	Migrate acct.MigrateMode
}

// Migration is one schema change.
type Migration struct {
	Version int    // its number, from 1
	Name    string // its file's name, such as "0009_skeletons.sql"
	SQL     string
}

// LoadMigrations returns the migrations in the folder "migrations" of
// fsys in version order, and fails unless they are numbered from 0001
// without gaps.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations") // sorted by name
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for i, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", e.Name(), i+1)
		}
		b, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	return ms, nil
}

// AppliedVersions reads the versions recorded in schema_migrations, which
// must exist. A version above known is acct.SchemaTooNew.
func AppliedVersions(ctx context.Context, q Querier, d *Dialect, known int) (map[int]bool, error) {
	applied := map[int]bool{}
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, d.MapError("migrate: read versions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, d.MapError("migrate: read versions", err)
		}
		if v > known {
			return nil, acct.SchemaTooNew(v, known)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, d.MapError("migrate: read versions", err)
	}
	return applied, nil
}

// PendingNames names the migrations of ms that applied lacks, in order.
func PendingNames(ms []Migration, applied map[int]bool) []string {
	var names []string
	for _, m := range ms {
		if !applied[m.Version] {
			names = append(names, m.Name)
		}
	}
	return names
}

// Schema answers what acct asks a store of its migrations beyond
// applying them; a dialect store embeds it.
type Schema struct {
	files fs.FS
	q     Querier
	d     *Dialect
}

// NewSchema returns the Schema of a store whose migrations are in the
// folder "migrations" of files and whose tables q reads.
func NewSchema(files fs.FS, q Querier, d *Dialect) Schema { return Schema{files, q, d} }

// KnownVersion returns the number of migrations this program has: the
// schema version that it works with.
func (s Schema) KnownVersion() int {
	ms, _ := LoadMigrations(s.files) // checked when the store opens
	return len(ms)
}

// AppliedVersion returns the highest version recorded in
// schema_migrations, which must exist; 0 for none.
func (s Schema) AppliedVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.q.QueryRowContext(ctx, "SELECT COALESCE(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, s.d.MapError("read schema version", err)
	}
	return v, nil
}

// HasSchema reports whether the store has a schema_migrations table.
func (s Schema) HasSchema(ctx context.Context) (bool, error) {
	var exists bool
	if err := s.q.QueryRowContext(ctx, s.d.Rebind(s.d.TableExists), "schema_migrations").Scan(&exists); err != nil {
		return false, s.d.MapError("read schema version", err)
	}
	return exists, nil
}

// PendingMigrations names the migrations that the store lacks, in the
// order they are applied (all of them for a store without a schema). A
// schema newer than this program knows is acct.SchemaTooNew.
func (s Schema) PendingMigrations(ctx context.Context) ([]string, error) {
	ms, err := LoadMigrations(s.files)
	if err != nil {
		return nil, err
	}
	exists, err := s.HasSchema(ctx)
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	if exists {
		if applied, err = AppliedVersions(ctx, s.q, s.d, len(ms)); err != nil {
			return nil, err
		}
	}
	return PendingNames(ms, applied), nil
}

// MaxVersion is the highest of the applied versions, 0 for none.
func MaxVersion(applied map[int]bool) int {
	high := 0
	for v := range applied {
		high = max(high, v)
	}
	return high
}

// ApplyMigrations applies the migrations of ms that schema_migrations
// (which must exist) lacks, in tx, and names them; the dialect begins tx
// and commits it. The applied versions are read inside tx, so processes
// that migrate at the same moment, one after the other under the
// dialect's lock, apply each migration once between them. With
// acct.MigrateRefuse a schema older than ms is refused
// (acct.SchemaTooOld) and only a store with none is given one;
// acct.MigrateNew leaves the older schema as it is instead. A schema newer
// than ms is refused (acct.SchemaTooNew) in every mode.
func ApplyMigrations(ctx context.Context, tx Querier, d *Dialect, ms []Migration, mode acct.MigrateMode) ([]string, error) {
	applied, err := AppliedVersions(ctx, tx, d, len(ms))
	if err != nil {
		return nil, err
	}
	if (mode == acct.MigrateRefuse || mode == acct.MigrateNew) && len(applied) > 0 {
		if pending := PendingNames(ms, applied); len(pending) > 0 {
			if mode == acct.MigrateNew {
				return nil, nil // left as it is
			}
			return nil, acct.SchemaTooOld(MaxVersion(applied), len(ms), pending)
		}
	}
	var names []string
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return nil, d.MapError("migrate: "+m.Name, err)
		}
		if fill := fills[fillName(m.Name)]; fill != nil {
			if err := fill(ctx, NewTx(tx, d, TxOptions{Write: true})); err != nil {
				return nil, d.MapError("migrate: "+m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.Rebind("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
			m.Version, d.Time(time.Now())); err != nil {
			return nil, d.MapError("migrate: record "+m.Name, err)
		}
		names = append(names, m.Name)
	}
	return names, nil
}

// fills are the steps in Go that complete a migration whose values SQL
// cannot compute, by the migration's name without its number (numbers may
// change when branches meet; the names do not). Each runs in the
// migration's transaction, right after its file.
var fills = map[string]func(context.Context, *Tx) error{
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
func fillSkeletons(ctx context.Context, t *Tx) error {
	steps := []struct{ read, write string }{
		{`SELECT id, username FROM users WHERE username IS NOT NULL AND id > ? ORDER BY id LIMIT ?`,
			`UPDATE users SET username_skeleton = ?1 WHERE id = ?2
				AND NOT EXISTS (SELECT 1 FROM users WHERE username_skeleton = ?1)`},
		{`SELECT seq, value FROM addresses WHERE kind = 'email' AND seq > ? ORDER BY seq LIMIT ?`,
			`UPDATE addresses SET skeleton = ?1 WHERE seq = ?2
				AND NOT EXISTS (SELECT 1 FROM addresses WHERE kind = 'email' AND skeleton = ?1)`},
	}
	type row struct {
		key   int64
		value string
	}
	for _, st := range steps {
		var after int64
		for {
			rows, err := t.query(ctx, st.read, after, fillBatch)
			batch, err := collect(t, rows, err, "fill skeletons", func(r *sql.Rows, x *row) error {
				return r.Scan(&x.key, &x.value)
			})
			if err != nil {
				return err
			}
			for _, r := range batch {
				if sk := acct.Skeleton(r.value); sk != "" {
					if _, err := t.exec(ctx, st.write, sk, r.key); err != nil {
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
