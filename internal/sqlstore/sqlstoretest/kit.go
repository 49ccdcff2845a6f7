// Package sqlstoretest holds the tests that the SQL stores (internal/sqlite
// and internal/postgres) share beyond the store contract
// (internal/acct/storetest): their migrations, the skeleton fill of 0009,
// the referral codes of 0006 and how keys and times are stored. A dialect
// package runs each with its Kit, the way it runs storetest with its
// opener; what it checks of its own database (SQLite's query plans and
// pragmas, PostgreSQL's locks) stays in its own tests.
package sqlstoretest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// Store is what the tests use of a dialect store.
type Store interface {
	acct.Store
	SchemaVersion(ctx context.Context) (int, error)
	KnownVersion() int
	PendingMigrations(ctx context.Context) ([]string, error)
	Migrate(ctx context.Context) ([]string, error)
	Close() error
}

// Kit is what the tests need of a dialect.
type Kit struct {
	// D is the dialect's, for its placeholders and times.
	D *sqlstore.Dialect
	// Migrations returns the dialect's migrations in version order.
	Migrations func() ([]sqlstore.Migration, error)
	// SchemaMigrations creates the table schema_migrations as the
	// dialect's runner does.
	SchemaMigrations string
	// New returns where a new store may be made: a file's path, the URL
	// of an empty schema.
	New func(t *testing.T) (where string)
	// DB opens a connection pool on the database at where, behind the
	// store's back, closed at the end of the test; the database is
	// created, without a schema, if it is not there.
	DB func(t *testing.T, where string) *sql.DB
	// Open opens the store at where with opts; the caller closes it.
	Open func(ctx context.Context, where string, opts sqlstore.Options) (Store, error)
	// ForeignViolation is what the driver's error says of a second
	// account with a foreign identity in use.
	ForeignViolation string
	// Check checks the database after a test that changed it (SQLite's
	// integrity_check); nil for none.
	Check func(t *testing.T, db *sql.DB)
}

// Fresh returns where a new store without a schema may be made and a
// connection pool on it.
func (k Kit) Fresh(t *testing.T) (where string, db *sql.DB) {
	t.Helper()
	where = k.New(t)
	return where, k.DB(t, where)
}

// t0 is the time the rows of the tests are stamped with.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

// Stmt is a statement with ? placeholders and its arguments.
type Stmt struct {
	Query string
	Args  []any
}

// exec runs statements on db behind the store's back.
func (k Kit) exec(t *testing.T, db *sql.DB, stmts ...Stmt) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(k.D.Rebind(s.Query), s.Args...); err != nil {
			t.Fatalf("%.60s: %v", s.Query, err)
		}
	}
}

// Migrations returns the dialect's migrations, failing the test if it
// cannot.
func (k Kit) migrations(t *testing.T) []sqlstore.Migration {
	t.Helper()
	ms, err := k.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// Older makes a new store as an older acctl left it: the first n
// migrations applied and recorded, then rows (statements that put data in
// that older schema).
func (k Kit) Older(t *testing.T, n int, rows ...Stmt) (where string, db *sql.DB) {
	t.Helper()
	where, db = k.Fresh(t)
	stmts := []Stmt{{Query: k.SchemaMigrations}}
	for _, m := range k.migrations(t)[:n] {
		stmts = append(stmts, Stmt{Query: m.SQL},
			Stmt{"INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", []any{m.Version, k.D.Time(t0)}})
	}
	k.exec(t, db, append(stmts, rows...)...)
	return where, db
}

// OpenFresh opens a store with the whole schema, closed at the end of the
// test, and a connection pool on its database.
func (k Kit) OpenFresh(t *testing.T) (Store, *sql.DB) {
	t.Helper()
	where, db := k.Fresh(t)
	return k.open(t, where, sqlstore.Options{}), db
}

// OpenAt opens the store at where with the missing migrations applied,
// closed at the end of the test.
func (k Kit) OpenAt(t *testing.T, where string) Store {
	t.Helper()
	return k.open(t, where, sqlstore.Options{})
}

// Opener returns a Kit's Open for a dialect's OpenWith.
func Opener[S Store](open func(context.Context, string, sqlstore.Options) (S, error)) func(context.Context, string, sqlstore.Options) (Store, error) {
	return func(ctx context.Context, where string, opts sqlstore.Options) (Store, error) {
		s, err := open(ctx, where, opts)
		if err != nil {
			return nil, err // not a Store holding a nil pointer
		}
		return s, nil
	}
}

// open opens the store at where, closed at the end of the test.
func (k Kit) open(t *testing.T, where string, opts sqlstore.Options) Store {
	t.Helper()
	s, err := k.Open(context.Background(), where, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// version reads the schema version behind the store's back.
func (k Kit) version(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	if err := db.QueryRow("SELECT COALESCE(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// check runs the dialect's check of the database, if it has one.
func (k Kit) check(t *testing.T, db *sql.DB) {
	t.Helper()
	if k.Check != nil {
		k.Check(t, db)
	}
}
