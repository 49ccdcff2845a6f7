// Package postgres implements acct.Store on a PostgreSQL server (13 or
// newer), with github.com/jackc/pgx/v5 and its connection pool.
//
// Update runs in a READ COMMITTED transaction in which GetUser and
// ListUsers lock the rows they return (SELECT … FOR UPDATE), so that a row
// the core has read stays current until it writes; every use-once and
// count step is one guarded statement. View runs in a READ ONLY, REPEATABLE
// READ transaction: one snapshot, as SQLite's read transactions give. A
// transaction that loses a race (serialization failure or deadlock) is run
// again a few times before its error surfaces as unavailable. The schema is
// created and upgraded by the embedded migrations when the store is
// opened, under an advisory lock, so several acctl processes and servers
// may open one database at the same moment.
//
// Times are timestamptz, written in whole milliseconds (UTC) so that they
// round-trip exactly as in the SQLite store. The tables live in the first
// existing schema of the connection's search_path, which the URL may set
// (postgres://host/db?search_path=acctl), as it may set the pool's size
// (pool_max_conns) and anything else pgx understands; behind a pooler in
// transaction mode, default_query_exec_mode=exec avoids prepared
// statements that outlive a transaction. Search in ListUsers lowers both
// sides with lower(); in a database whose LC_CTYPE folds ASCII only (C),
// the store lowers under ICU's root collation or C.UTF-8 instead, when the
// server has one, so that "élodie" finds "Élodie" as in SQLite.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

const (
	// maxAttempts bounds the runs of one transaction that keeps losing
	// races (serialization failures, deadlocks).
	maxAttempts = 5
	// connectTimeout bounds a new connection when the URL sets none, so
	// that an unreachable server is reported (as unavailable) promptly.
	connectTimeout = 10 * time.Second
)

// Store is an acct.Store on one PostgreSQL database (the tables live in the
// first schema of the connection's search_path). It is safe for concurrent
// use, and several processes may share the database.
type Store struct {
	// Schema answers KnownVersion and PendingMigrations, on db.
	sqlstore.Schema
	pool *pgxpool.Pool
	// db is pool seen through database/sql, for the queries shared with
	// the SQLite store (internal/sqlstore).
	db *sql.DB
	// fold is the COLLATE clause ListUsers' search lowers text with: ""
	// when the database's own lower() folds all of Unicode.
	fold string
}

var _ acct.Store = (*Store)(nil)

// Options change how OpenWith treats the database (see
// sqlstore.Options).
type Options = sqlstore.Options

// Open connects to the database at url (a postgres:// or postgresql://
// URL, or any connection string pgx accepts; pool_max_conns and the other
// pgxpool settings may be given in it) and applies the migrations that the
// database lacks. An unreachable server is a CodeUnavailable error.
func Open(ctx context.Context, url string) (*Store, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with options. A database whose schema is newer than
// this program knows is refused whatever they say (acct.SchemaTooNew).
func OpenWith(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's message hides the password.
		return nil, &acct.Error{Code: acct.CodeInvalid, Field: "store",
			Message: "postgres: bad connection URL: " + err.Error(), Err: err}
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "acctl"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, openError(mapError("connect", err))
	}
	s := &Store{pool: pool, db: stdlib.OpenDBFromPool(pool)}
	s.Schema = sqlstore.NewSchema(migrationFiles, s.db, dialect)
	if _, err := s.migrate(ctx, opts.Migrate); err != nil {
		s.Close()
		return nil, openError(err)
	}
	if s.fold, err = s.findFold(ctx); err != nil {
		s.Close()
		return nil, openError(err)
	}
	return s, nil
}

// openError gives a failure of Open context, keeping acct errors (an
// unreachable server) as they are.
func openError(err error) error {
	var ae *acct.Error
	if errors.As(err, &ae) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("postgres: open: %w", err)
}

// foldProbe is text that a lower() aware of Unicode turns into foldWant;
// one that folds ASCII only (a database whose LC_CTYPE is C) does not.
const foldProbe, foldWant = "ÉØ", "éø"

// foldCollations are tried, in order, when the database's lower() folds
// ASCII only: ICU's root locale, then glibc's C.UTF-8 under its two names.
var foldCollations = []string{"und-x-icu", "C.utf8", "C.UTF-8"}

// findFold returns the COLLATE clause under which lower() folds all of
// Unicode: "" for the database's default, a collation of foldCollations
// when the default folds only ASCII, and "" again when none of them does
// (search then folds what the database can).
func (s *Store) findFold(ctx context.Context) (string, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, "SELECT lower($1::text) = $2", foldProbe, foldWant).Scan(&ok); err != nil {
		return "", mapError("check lower()", err)
	}
	if ok {
		return "", nil
	}
	for _, c := range foldCollations {
		clause := " COLLATE " + pgx.Identifier{c}.Sanitize()
		err := s.pool.QueryRow(ctx, "SELECT lower($1::text"+clause+") = $2", foldProbe, foldWant).Scan(&ok)
		if err == nil && ok {
			return clause, nil
		}
	}
	return "", nil
}

// Update runs fn in one READ COMMITTED write transaction: committed when fn
// returns nil, rolled back otherwise. fn may run more than once: when the
// transaction fails with a serialization failure or a deadlock it is run
// again, up to maxAttempts times in all, and then the failure surfaces as
// CodeUnavailable.
func (s *Store) Update(ctx context.Context, fn func(acct.Tx) error) error {
	return s.run(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, true, fn)
}

// View runs fn in one read-only transaction that sees one snapshot of the
// database (REPEATABLE READ, READ ONLY).
func (s *Store) View(ctx context.Context, fn func(acct.Tx) error) error {
	return s.run(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, false, fn)
}

var _ acct.SessionUserReader = (*Store)(nil)

// ReadSessionUser is sqlstore's GetSessionUser run on the pool without a
// transaction (acct.SessionUserReader): one round trip to the server
// where a View makes three (BEGIN, the query, COMMIT). The statement
// reads one snapshot, taken at its start.
func (s *Store) ReadSessionUser(ctx context.Context, tokenHash []byte) (*acct.SessionRecord, *acct.UserRecord, error) {
	return sqlstore.NewTx(s.db, dialect, sqlstore.TxOptions{Collate: s.fold}).GetSessionUser(ctx, tokenHash)
}

func (s *Store) run(ctx context.Context, opts *sql.TxOptions, write bool, fn func(acct.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.runOnce(ctx, opts, write, fn)
		if err == nil || !isRetryable(err) || attempt == maxAttempts {
			break
		}
		// A tiny jittered pause lets the winner of the race finish.
		if err := sqlstore.Wait(ctx, time.Duration(rand.Int64N(int64(time.Millisecond)<<attempt))); err != nil {
			return err
		}
	}
	if isRetryable(err) {
		var ae *acct.Error
		if !errors.As(err, &ae) || ae.Code != acct.CodeUnavailable {
			err = &acct.Error{Code: acct.CodeUnavailable, Message: "store is busy, try again: " + reason(err), Err: err}
		}
	}
	return err
}

// runOnce runs fn in one transaction (see begin).
func (s *Store) runOnce(ctx context.Context, opts *sql.TxOptions, write bool, fn func(acct.Tx) error) error {
	tx, pc, end, err := s.begin(ctx, opts)
	if err != nil {
		return mapError("begin", err)
	}
	defer end()
	if err := fn(&txn{Tx: sqlstore.NewTx(tx, dialect, sqlstore.TxOptions{Write: write, Collate: s.fold}), tx: pc}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // as pgx's Commit(ctx) would: not committed
	}
	if err := tx.Commit(); err != nil {
		return mapError("commit", err)
	}
	return nil
}

// begin begins a transaction on one connection of the pool, which it
// returns seen two ways: through database/sql (a *sql.Tx, for the queries
// of internal/sqlstore) and through pgx (the *pgx.Conn below it, for
// COPY). Both run on the one session, one after the other, so they are
// one transaction. end rolls it back, unless it was committed, and
// gives the connection back.
//
// The *sql.Tx is begun with a context that is never cancelled: database/sql
// would otherwise roll it back from another goroutine when ctx ends, while
// this one may be using the pgx connection. Every statement still runs
// under ctx, and end ends the transaction, as with pgx's own
// transactions.
func (s *Store) begin(ctx context.Context, opts *sql.TxOptions) (tx *sql.Tx, pc *pgx.Conn, end func(), err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("database/sql gave a %T, want pgx's *stdlib.Conn", dc)
		}
		pc = c.Conn()
		return nil
	}); err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	if tx, err = conn.BeginTx(context.WithoutCancel(ctx), opts); err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	return tx, pc, func() {
		tx.Rollback() // after Commit, a harmless no-op
		conn.Close()
	}, nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	err := s.db.Close()
	s.pool.Close()
	return err
}

// Pool returns the store's connection pool, for health checks and tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// ServerVersion returns the server's version number, such as 150018 for
// 15.18 (server_version_num).
func (s *Store) ServerVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&v)
	if err != nil {
		return 0, mapError("read server version", err)
	}
	return v, nil
}

// millis is t as the store keeps it: whole milliseconds, in UTC. SQLite's
// store keeps Unix milliseconds; so does this one, so that a time
// round-trips the same on both.
func millis(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

// nullMillis is millis for an optional time: nil stays NULL.
func nullMillis(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	m := millis(*t)
	return &m
}

// nullString stores "" as NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
