package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// Prepared statements, kept per connection.
//
// The driver compiles every query it is given (sqlite3_prepare), and
// acctl's queries are the same few dozen texts again and again: in `acctl
// serve`, compiling was about 28% of the time of a session validation.
// database/sql's own *sql.Stmt cannot help here: preparing one takes a
// connection from the pool, and a transaction on the write pool already
// holds its only connection. So each connection keeps its own statements,
// by query text, below database/sql: stmtConn wraps the driver's
// connection, and QueryContext and ExecContext run a kept statement when
// there is one free, or prepare and keep one. database/sql calls a
// connection from one goroutine at a time (it holds the connection's lock
// around every call, closing rows included), so a stmtConn needs no lock
// of its own.

// maxStmtsPerConn bounds the statements a connection keeps: the store's
// texts are a few dozen; the rest (an IN list of any length, a query built
// for one search) run unkept once the cache is full.
const maxStmtsPerConn = 128

// stmtConnector opens connections of the registered "sqlite" driver for
// one DSN, each wrapped in a stmtConn.
type stmtConnector struct {
	drv driver.Driver
	dsn string
}

// openDB is sql.Open("sqlite", dsn) with prepared statements kept per
// connection.
func openDB(dsn string) (*sql.DB, error) {
	// The registered driver, which holds the functions registered with
	// the package (acctl_fold, fold.go).
	probe, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	if err := probe.Close(); err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtConnector{drv: drv, dsn: dsn}), nil
}

// Connect opens a connection.
func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(fullConn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("the SQLite driver's connection (%T) lacks a method the store needs", conn)
	}
	return &stmtConn{fullConn: full, stmts: map[string]*keptStmt{}}, nil
}

// Driver returns the underlying driver.
func (c stmtConnector) Driver() driver.Driver { return c.drv }

// fullConn is what the store uses of the driver's connection.
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// keptStmt is a prepared statement kept by a connection; busy while rows
// of it are open.
type keptStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

// stmtConn is a driver connection that keeps its prepared statements.
type stmtConn struct {
	fullConn
	stmts map[string]*keptStmt
}

// take returns query's kept statement, preparing it on first use, and
// marks it busy; nil when it is busy already (rows of it still open) or
// the connection keeps no more statements.
func (c *stmtConn) take(ctx context.Context, query string) (*keptStmt, error) {
	if k, ok := c.stmts[query]; ok {
		if k.busy {
			return nil, nil
		}
		k.busy = true
		return k, nil
	}
	if len(c.stmts) >= maxStmtsPerConn {
		return nil, nil
	}
	st, err := c.fullConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	k := &keptStmt{busy: true}
	var ok bool
	if k.stmt, ok = st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}); !ok {
		st.Close()
		return nil, nil
	}
	c.stmts[query] = k
	return k, nil
}

// QueryContext runs query with a kept statement when one is free.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.fullConn.QueryContext(ctx, query, args)
	}
	rows, err := k.stmt.QueryContext(ctx, args)
	if err != nil {
		k.busy = false
		return nil, err
	}
	return &keptRows{Rows: rows, k: k}, nil
}

// ExecContext runs query with a kept statement when one is free.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.fullConn.ExecContext(ctx, query, args)
	}
	defer func() { k.busy = false }()
	return k.stmt.ExecContext(ctx, args)
}

// Close finalizes the kept statements, then closes the connection.
func (c *stmtConn) Close() error {
	for q, k := range c.stmts {
		k.stmt.Close()
		delete(c.stmts, q)
	}
	return c.fullConn.Close()
}

// keptRows are the rows of a kept statement, which they free when closed.
type keptRows struct {
	driver.Rows
	k *keptStmt
}

// Close closes the rows (the driver resets the statement for its next
// use) and frees the statement.
func (r *keptRows) Close() error {
	err := r.Rows.Close()
	r.k.busy = false
	return err
}
