package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// The store as a source and a target of "acctl store copy": what the
// dialects share of acct.RowSource and acct.RowSink. Each dialect reads
// its tables from its own catalogue, converts values to and from its
// column types, and writes rows its own fastest way (prepared statements
// in SQLite, COPY in PostgreSQL); the look-ups of a table, the counts and
// the reads in batches of key order are here, over database/sql.

// CopyRows reads and counts the rows of the tables of one copy, inside
// one transaction of a dialect store.
type CopyRows struct {
	// Q is the transaction.
	Q Querier
	// D is the dialect: placeholders, error mapping.
	D *Dialect
	// Tables describe the tables to copy, as the dialect's catalogue
	// gives them.
	Tables []acct.CopyTable
	// RowID orders the rows of a table without a primary key: "rowid" in
	// SQLite. When it is "", such a table is read by one query, in
	// batches as its rows arrive.
	RowID string
	// Select is the expression that reads column col of table, such as a
	// cast to text; nil reads every column as it is.
	Select func(table, col string) string
	// FromDriver turns a value as the driver reads it into the Go type of
	// typ (acct.ValueType's).
	FromDriver func(v any, typ acct.ValueType) (any, error)
}

// QuoteIdent quotes an SQL identifier, as both dialects read them.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Table returns the description of the table named name.
func (c *CopyRows) Table(name string) (*acct.CopyTable, error) {
	for i := range c.Tables {
		if c.Tables[i].Name == name {
			return &c.Tables[i], nil
		}
	}
	return nil, fmt.Errorf("%s: copy: no table %q", c.D.Name, name)
}

// TableColumns returns the description of the table named name and those
// of its columns, in that order.
func (c *CopyRows) TableColumns(name string, columns []string) (*acct.CopyTable, []acct.CopyColumn, error) {
	t, err := c.Table(name)
	if err != nil {
		return nil, nil, err
	}
	cols, err := c.columns(t, columns)
	return t, cols, err
}

// columns returns the descriptions of columns of t, in that order.
func (c *CopyRows) columns(t *acct.CopyTable, columns []string) ([]acct.CopyColumn, error) {
	cols := make([]acct.CopyColumn, len(columns))
	for i, name := range columns {
		col := t.Column(name)
		if col == nil {
			return nil, fmt.Errorf("%s: copy: table %s has no column %q", c.D.Name, t.Name, name)
		}
		cols[i] = *col
	}
	return cols, nil
}

// Count counts the rows of the table named name.
func (c *CopyRows) Count(ctx context.Context, name string) (int64, error) {
	if _, err := c.Table(name); err != nil {
		return 0, err
	}
	var n int64
	if err := c.Q.QueryRowContext(ctx, "SELECT count(*) FROM "+QuoteIdent(name)).Scan(&n); err != nil {
		return 0, c.D.MapError("copy: count "+name, err)
	}
	return n, nil
}

// MaxKey returns the largest value of t's Serial column, 0 for none.
func (c *CopyRows) MaxKey(ctx context.Context, t *acct.CopyTable) (int64, error) {
	var top int64
	err := c.Q.QueryRowContext(ctx, "SELECT COALESCE(max("+QuoteIdent(t.Serial)+"), 0) FROM "+QuoteIdent(t.Name)).Scan(&top)
	if err != nil {
		return 0, c.D.MapError("copy: read the largest key of "+t.Name, err)
	}
	return top, nil
}

// Rows reads the table in batches in key order, each batch one query that
// starts after the last key of the one before (RowID for a table without
// a primary key), so that no statement stays open while fn runs. A table
// without a key and without RowID is read by one query, in batches as its
// rows arrive.
func (c *CopyRows) Rows(ctx context.Context, name string, columns []string, batch int, fn func([][]any) error) error {
	t, cols, err := c.TableColumns(name, columns)
	if err != nil {
		return err
	}
	batch = max(batch, 1)
	key := t.Key
	if len(key) == 0 && c.RowID != "" {
		key = []string{c.RowID}
	}
	var sel []string
	for _, k := range key {
		sel = append(sel, QuoteIdent(k))
	}
	keyList := strings.Join(sel, ", ")
	for _, col := range columns {
		if c.Select != nil {
			sel = append(sel, c.Select(name, col))
		} else {
			sel = append(sel, QuoteIdent(col))
		}
	}
	from := "SELECT " + strings.Join(sel, ", ") + " FROM " + QuoteIdent(name)
	r := rowReader{c: c, name: name, cols: cols, keys: len(key), batch: batch, fn: fn}
	if len(key) == 0 {
		_, err := r.read(ctx, from)
		return err
	}
	first := from + " ORDER BY " + keyList + " LIMIT ?"
	next := from + " WHERE (" + keyList + ") > (" + marks(len(key)) + ")" + " ORDER BY " + keyList + " LIMIT ?"
	for {
		var n int
		if r.last == nil {
			n, err = r.read(ctx, first, batch)
		} else {
			n, err = r.read(ctx, next, append(r.last, batch)...)
		}
		if err != nil || n < batch {
			return err
		}
	}
}

// rowReader reads the rows of one CopyRows.Rows.
type rowReader struct {
	c     *CopyRows
	name  string
	cols  []acct.CopyColumn
	keys  int // the key columns that come first in a row
	batch int
	fn    func([][]any) error
	last  []any // the key of the last row read
}

// read runs query and hands its rows to fn in batches; it returns how
// many rows it read.
func (r *rowReader) read(ctx context.Context, query string, args ...any) (int, error) {
	q, err := r.c.Q.QueryContext(ctx, r.c.D.Rebind(query), args...)
	if err != nil {
		return 0, r.c.D.MapError("copy: read "+r.name, err)
	}
	defer q.Close()
	raw := make([]any, r.keys+len(r.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	n := 0
	out := make([][]any, 0, r.batch)
	for q.Next() {
		if err := q.Scan(ptrs...); err != nil {
			return n, r.c.D.MapError("copy: read "+r.name, err)
		}
		row := make([]any, len(r.cols))
		for i, col := range r.cols {
			v, err := r.c.FromDriver(raw[r.keys+i], col.Type)
			if err != nil {
				return n, fmt.Errorf("%s: copy: read %s.%s: %w", r.c.D.Name, r.name, col.Name, err)
			}
			row[i] = v
		}
		n++
		r.last = slices.Clone(raw[:r.keys])
		if out = append(out, row); len(out) == r.batch && r.keys == 0 {
			// One query for the whole table: hand over each batch as it fills.
			if err := r.fn(out); err != nil {
				return n, err
			}
			out = make([][]any, 0, r.batch)
		}
	}
	if err := q.Err(); err != nil {
		return n, r.c.D.MapError("copy: read "+r.name, err)
	}
	q.Close() // before fn: no statement stays open while it runs
	if len(out) == 0 {
		return n, nil
	}
	return n, r.fn(out)
}
