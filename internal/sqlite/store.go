// Package sqlite implements acct.Store on an SQLite file, with the pure-Go
// driver modernc.org/sqlite.
//
// A Store holds two connection pools on the same file: a write pool of one
// connection whose transactions begin IMMEDIATE, so that concurrent writers
// (other processes included) queue on the busy timeout instead of failing
// with "database is locked", and a read pool of query-only connections.
// The schema is created and upgraded by the embedded migrations when the
// store is opened.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

const (
	readConns   = 4               // the size of the read pool
	busyTimeout = 5 * time.Second // as busy_timeout(5000) in connPragmas
)

// connPragmas are set on every connection, in its DSN.
const connPragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"

// writeCache is the page cache of the write connection, in KiB, set in
// its DSN. SQLite's default of 2 MiB makes a large purge read the same
// index pages again batch after batch; with 64 MiB, deleting 500,000 of
// 1,000,000 sessions in batches is about a fifth faster. The memory is
// taken only as pages are read.
const writeCache = "-65536"

// wantPragmas are the values that Open asserts on the write pool: a DSN
// parameter the driver does not understand is ignored silently.
var wantPragmas = map[string]string{
	"journal_mode": "wal",
	"foreign_keys": "1",
	"busy_timeout": "5000",
	"synchronous":  "2", // FULL
	"cache_size":   writeCache,
}

// pragmaNames lists wantPragmas in a fixed order.
var pragmaNames = []string{"journal_mode", "foreign_keys", "busy_timeout", "synchronous", "cache_size"}

// Store is an acct.Store on one SQLite file. It is safe for concurrent use,
// and several processes may open the same file at once.
type Store struct {
	// Schema answers KnownVersion and PendingMigrations, on w.
	sqlstore.Schema
	path string
	w    *sql.DB // one connection, BEGIN IMMEDIATE
	r    *sql.DB // query_only connections, BEGIN DEFERRED
}

var _ acct.Store = (*Store)(nil)

// Options change how OpenWith treats the file (see sqlstore.Options).
type Options = sqlstore.Options

// Open opens the SQLite database at path (a file-system path, without any
// "sqlite:" prefix), creating it and its folder if missing, and applies the
// migrations that the file lacks. A new folder is created with mode 0700
// and a new file with mode 0600; existing ones keep their modes.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options. A file whose schema is newer than this
// program knows is refused whatever they say (acct.SchemaTooNew).
func OpenWith(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: open: a file path is required, not %q", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	created, err := createFile(abs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s := &Store{path: abs}
	if err := s.open(ctx, created, opts.Migrate); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	return s, nil
}

// open makes both pools. A file that is already in WAL mode and at the
// latest schema version needs no write: Open then connects only the read
// pool, and the write pool connects on its first use (sql.Open makes no
// connection), which spares a read-only command such as `acctl user get`
// a second connection, its parse of the schema and the migration check.
// Otherwise (a new or older file) the write pool connects first, switches
// the file to WAL and migrates it as mode says. A file at an older version
// that mode refuses is refused from the read pool, without the write pool;
// a newer one is refused in every mode.
func (s *Store) open(ctx context.Context, created bool, mode acct.MigrateMode) error {
	var err error
	if s.w, err = openDB(dsn(s.path, true)); err != nil {
		return err
	}
	s.w.SetMaxOpenConns(1)
	s.Schema = sqlstore.NewSchema(migrationFiles, s.w, dialect)
	s.w.SetMaxIdleConns(1)
	if s.r, err = openDB(dsn(s.path, false)); err != nil {
		return err
	}
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	if !created {
		ok, err := s.current(ctx)
		if err == nil && ok {
			return nil
		}
		if ae := (*acct.Error)(nil); errors.As(err, &ae) && ae.Field == "store" {
			return err // acct.SchemaTooNew
		}
		if err == nil && mode == acct.MigrateRefuse {
			if err := s.refuseOlder(ctx); err != nil {
				return err
			}
		}
	}
	if err := connect(ctx, s.w); err != nil {
		return mapError("connect", err)
	}
	got, err := s.Pragmas(ctx)
	if err != nil {
		return err
	}
	for _, name := range pragmaNames {
		if got[name] != wantPragmas[name] {
			return fmt.Errorf("pragma %s is %q, want %q", name, got[name], wantPragmas[name])
		}
	}
	if mode != acct.MigrateNone {
		if _, err := s.migrate(ctx, mode); err != nil {
			return err
		}
	} else if _, err := s.PendingMigrations(ctx); err != nil {
		return err // a newer schema
	}
	// With MigrateNone or MigrateNew, an older schema stays as it is.
	if err := connect(ctx, s.r); err != nil {
		return mapError("connect", err)
	}
	ok, err := s.current(ctx)
	if err != nil {
		return err
	}
	if !ok && mode != acct.MigrateNone && mode != acct.MigrateNew {
		return errors.New("the read pool does not see the migrated schema")
	}
	return nil
}

// refuseOlder returns acct.SchemaTooOld when the file has a schema older
// than this program's, read from the read pool; nil for a file without
// one (which the write pool then creates) or an up-to-date one.
func (s *Store) refuseOlder(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil // no schema yet
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return mapError("read schema version", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return mapError("read schema version", err)
	}
	if pending := sqlstore.PendingNames(ms, applied); len(applied) > 0 && len(pending) > 0 {
		return acct.SchemaTooOld(sqlstore.MaxVersion(applied), len(ms), pending)
	}
	return nil
}

// current reports whether the file can be used as it is, by one query on
// the read pool: the connection settings of its DSN are in force (WAL,
// foreign keys, the busy timeout, synchronous FULL, query-only), so the
// driver understood them, and the schema is at the latest version. It
// returns an error when a setting is wrong; a missing or older schema is
// (false, nil).
func (s *Store) current(ctx context.Context) (bool, error) {
	ms, err := migrations()
	if err != nil {
		return false, err
	}
	var journal, foreignKeys, busy, synchronous, queryOnly string
	if err := s.r.QueryRowContext(ctx, `SELECT * FROM pragma_journal_mode, pragma_foreign_keys,
		pragma_busy_timeout, pragma_synchronous, pragma_query_only`).Scan(
		&journal, &foreignKeys, &busy, &synchronous, &queryOnly); err != nil {
		return false, mapError("read pragmas", err)
	}
	got := map[string]string{"journal_mode": strings.ToLower(journal), "foreign_keys": foreignKeys,
		"busy_timeout": busy, "synchronous": synchronous, "query_only": queryOnly}
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1",
		"busy_timeout": "5000", "synchronous": "2", "query_only": "1"}
	for _, name := range []string{"journal_mode", "foreign_keys", "busy_timeout", "synchronous", "query_only"} {
		if got[name] != want[name] {
			return false, fmt.Errorf("pragma %s is %q on the read pool, want %q", name, got[name], want[name])
		}
	}
	var version int
	err = s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version)
	if err != nil {
		return false, nil // no schema yet
	}
	if version > len(ms) {
		return false, acct.SchemaTooNew(version, len(ms))
	}
	return version == len(ms), nil
}

// connect opens the first connection of db. When several connections
// switch a new file to WAL at the same moment, SQLite may answer
// SQLITE_BUSY at once, without waiting for the busy timeout; connect then
// tries again for up to busyTimeout. Later connections find the file in WAL
// mode already and do not meet the problem.
func connect(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	wait := time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		if err := sqlstore.Wait(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// createMu serialises the creation of database files within this process:
// closing a descriptor of the file drops every POSIX lock the process holds
// on it, so no Store may open its connections while another Open still
// holds the descriptor it created the file with.
var createMu sync.Mutex

// createFile makes path's folder (0700) and path itself (0600) if they are
// missing, and reports whether it made the file. It never opens an
// existing database file.
func createFile(path string) (created bool, err error) {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, err
		}
		if err := os.Chmod(dir, 0o700); err != nil { // in case of an odd umask
			return false, err
		}
	} else if err != nil {
		return false, err
	}

	createMu.Lock()
	defer createMu.Unlock()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return true, err
	}
	return true, f.Close()
}

// dsn returns the driver's data source name for the file at the absolute
// path: a file: URI with the path escaped, the pragmas, and either
// IMMEDIATE transactions and a larger page cache (write) or query_only
// connections (read).
func dsn(path string, write bool) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") { // C:/… on Windows
		p = "/" + p
	}
	d := "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + connPragmas
	if write {
		return d + "&_pragma=cache_size(" + writeCache + ")&_txlock=immediate"
	}
	return d + "&_pragma=query_only(1)"
}

// Pragmas reports the connection settings in force on the write pool:
// journal_mode, foreign_keys, busy_timeout, synchronous and cache_size, as
// SQLite prints them (journal_mode in lower case).
func (s *Store) Pragmas(ctx context.Context) (map[string]string, error) {
	m := make(map[string]string, len(pragmaNames))
	for _, name := range pragmaNames {
		var v string
		if err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			return nil, mapError("read pragma "+name, err)
		}
		m[name] = strings.ToLower(v)
	}
	return m, nil
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Update runs fn in one write transaction, begun IMMEDIATE: committed when
// fn returns nil, rolled back otherwise.
func (s *Store) Update(ctx context.Context, fn func(acct.Tx) error) error {
	return run(ctx, s.w, nil, fn)
}

// View runs fn in one read-only transaction on the read pool.
func (s *Store) View(ctx context.Context, fn func(acct.Tx) error) error {
	return run(ctx, s.r, &sql.TxOptions{ReadOnly: true}, fn)
}

func run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(acct.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return mapError("begin", err)
	}
	t := &txn{Tx: sqlstore.NewTx(tx, dialect, sqlstore.TxOptions{Write: opts == nil}), tx: tx}
	defer t.endBulk(ctx, db) // import.go: after the rollback below
	defer tx.Rollback()      // after Commit, a harmless no-op
	if err := fn(t); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapError("commit", err)
	}
	return nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	for _, db := range []*sql.DB{s.r, s.w} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}
