package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// txn is the acct.Tx of one Update (write) or View.
type txn struct {
	// Tx answers the queries shared with the SQLite store
	// (internal/sqlstore): all of acct.Tx and the reads of acct.BulkTx,
	// through database/sql.
	*sqlstore.Tx
	// tx is the same connection, in the same transaction, through pgx
	// itself: for COPY and the bulk writes (import.go).
	tx pgxConn
}

var _ acct.Tx = (*txn)(nil)

// pgxConn is what the store uses of pgx's connection inside a transaction
// (*pgx.Conn, whose transaction database/sql began).
type pgxConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

var _ pgxConn = (*pgx.Conn)(nil)
