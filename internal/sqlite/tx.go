package sqlite

import (
	"database/sql"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// txn is the acct.Tx of one Update or View.
type txn struct {
	// Tx answers the queries shared with the PostgreSQL store
	// (internal/sqlstore): all of acct.Tx and the reads of acct.BulkTx.
	*sqlstore.Tx
	tx *sql.Tx
	// bulk is set once the transaction writes in bulk (import.go).
	bulk bool
}

var _ acct.Tx = (*txn)(nil)

// nullString stores "" as NULL.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// nullTime stores a time as Unix milliseconds, nil as NULL.
func nullTime(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMillis reads a stored time: Unix milliseconds, in UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
