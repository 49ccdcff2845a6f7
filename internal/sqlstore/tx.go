package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// Tx answers the shared part of acct.Tx inside one transaction of a
// dialect store, which embeds it in its own transaction type.
type Tx struct {
	q    Querier
	d    *Dialect
	opts TxOptions
}

// TxOptions is what a dialect store tells the shared queries of one
// transaction.
type TxOptions struct {
	// Write is set in a write transaction: the look-ups of accounts then
	// end with Dialect.ForUpdate.
	Write bool
	// Collate follows a column and a pattern that ListUsers' search
	// lowers, such as ` COLLATE "und-x-icu"` where the database's own
	// lower() folds ASCII only; "" for the default.
	Collate string
}

// NewTx returns the shared queries over q, a transaction begun by the
// dialect store d.
func NewTx(q Querier, d *Dialect, opts TxOptions) *Tx { return &Tx{q: q, d: d, opts: opts} }

// forUpdate is the locking clause of a look-up of accounts: inside a
// write transaction the rows read stay locked, and so current, until the
// transaction ends (where the dialect locks rows at all).
func (t *Tx) forUpdate() string {
	if t.opts.Write {
		return t.d.ForUpdate
	}
	return ""
}

// exec runs a statement written with ? placeholders.
func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(ctx, t.d.Rebind(query), args...)
}

// query runs a query written with ? placeholders.
func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(ctx, t.d.Rebind(query), args...)
}

// queryRow runs a query of one row written with ? placeholders.
func (t *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.q.QueryRowContext(ctx, t.d.Rebind(query), args...)
}

// insert runs an INSERT of one row and returns the id the database gave
// it, in the column idCol: through the driver's LastInsertId where the
// dialect has one (SQLite, whose statement so stays as it was, without
// RETURNING, and costs no rows to read), otherwise by RETURNING idCol.
func (t *Tx) insert(ctx context.Context, query, idCol string, args ...any) (int64, error) {
	if t.d.LastInsertID {
		res, err := t.exec(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := t.queryRow(ctx, query+" RETURNING "+idCol, args...).Scan(&id)
	return id, err
}

// affected returns how many rows a statement changed, its error mapped
// with op.
func (t *Tx) affected(res sql.Result, err error, op string) (int64, error) {
	if err != nil {
		return 0, t.d.MapError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.d.MapError(op, err)
	}
	return n, nil
}

// collect reads every row of rows with scan into a slice, never nil,
// and closes rows; errors are mapped with op.
func collect[T any](t *Tx, rows *sql.Rows, err error, op string, scan func(*sql.Rows, *T) error) ([]T, error) {
	if err != nil {
		return nil, t.d.MapError(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		out = append(out, *new(T))
		if err := scan(rows, &out[len(out)-1]); err != nil {
			return nil, t.d.MapError(op, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError(op, err)
	}
	return out, nil
}

// Wait waits for d, or until ctx ends, and then returns ctx's error: the
// pause of a store before it tries again.
func Wait(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// marks returns n placeholders separated by commas, for an IN list.
func marks(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
