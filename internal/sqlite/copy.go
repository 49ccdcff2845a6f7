package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// The store as a source and a target of "acctl store copy": the tables
// are read from SQLite's own catalogue (sqlite_schema and the table_xinfo,
// foreign_key_list pragmas), so a table that a migration adds is copied
// with no change here. Times are INTEGER Unix milliseconds in columns
// named by the convention of acct.IsTimeColumn; booleans are INTEGER 0
// and 1.

var _ acct.Copier = (*Store)(nil)

// CopyInfo describes the file's tables for a copy; the store's own
// bookkeeping (schema_migrations, SQLite's sqlite_* tables) is left out.
func (s *Store) CopyInfo(ctx context.Context) (*acct.CopyInfo, error) {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	id := s.path
	if real, err := filepath.EvalSymlinks(s.path); err == nil {
		id = real
	}
	info := &acct.CopyInfo{Kind: "sqlite", Identity: "sqlite:" + id, SchemaVersion: v}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapError("copy: begin", err)
	}
	defer tx.Rollback()
	if info.Tables, err = copyTables(ctx, tx); err != nil {
		return nil, err
	}
	return info, nil
}

// copyTables reads the description of every table to copy.
func copyTables(ctx context.Context, tx *sql.Tx) ([]acct.CopyTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations'
		ORDER BY name`)
	if err != nil {
		return nil, mapError("copy: list tables", err)
	}
	type table struct{ name, sql string }
	var names []table
	for rows.Next() {
		var t table
		var def sql.NullString
		if err := rows.Scan(&t.name, &def); err != nil {
			rows.Close()
			return nil, mapError("copy: list tables", err)
		}
		t.sql = def.String
		names = append(names, t)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("copy: list tables", err)
	}

	var tables []acct.CopyTable
	for _, n := range names {
		t := acct.CopyTable{Name: n.name}
		type keyCol struct {
			name string
			pos  int
		}
		var keys []keyCol
		var keyType string
		rows, err := tx.QueryContext(ctx, "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid", n.name)
		if err != nil {
			return nil, mapError("copy: columns of "+n.name, err)
		}
		for rows.Next() {
			var name, typ string
			var pk, hidden int
			if err := rows.Scan(&name, &typ, &pk, &hidden); err != nil {
				rows.Close()
				return nil, mapError("copy: columns of "+n.name, err)
			}
			if pk > 0 {
				keys = append(keys, keyCol{name, pk})
				keyType = strings.ToUpper(typ)
			}
			if hidden != 0 { // a generated column: computed, never written
				continue
			}
			t.Columns = append(t.Columns, acct.CopyColumn{Name: name, Type: valueType(name, typ), Native: typ})
		}
		if err := rows.Err(); err != nil {
			return nil, mapError("copy: columns of "+n.name, err)
		}
		slices.SortFunc(keys, func(a, b keyCol) int { return a.pos - b.pos })
		for _, k := range keys {
			t.Key = append(t.Key, k.name)
		}
		// AUTOINCREMENT is allowed only on an INTEGER PRIMARY KEY, whose
		// counter sqlite_sequence keeps.
		if len(keys) == 1 && keyType == "INTEGER" && strings.Contains(strings.ToUpper(n.sql), "AUTOINCREMENT") {
			t.Serial = keys[0].name
		}

		rows, err = tx.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?) ORDER BY 1`, n.name)
		if err != nil {
			return nil, mapError("copy: foreign keys of "+n.name, err)
		}
		for rows.Next() {
			var ref string
			if err := rows.Scan(&ref); err != nil {
				rows.Close()
				return nil, mapError("copy: foreign keys of "+n.name, err)
			}
			if ref != n.name {
				t.References = append(t.References, ref)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, mapError("copy: foreign keys of "+n.name, err)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// valueType is the acct.ValueType of a column by its declared type, with
// SQLite's rules of type affinity for tables that are not STRICT: an
// integer column named as a time (acct.IsTimeColumn) holds Unix
// milliseconds.
func valueType(name, declared string) acct.ValueType {
	d := strings.ToUpper(declared)
	switch {
	case strings.Contains(d, "INT"):
		if acct.IsTimeColumn(name) {
			return acct.TypeTime
		}
		return acct.TypeInt
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return acct.TypeText
	case d == "BLOB":
		return acct.TypeBytes
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return acct.TypeFloat
	}
	return acct.TypeAny // ANY, no type, NUMERIC: whatever was stored
}

// ReadRows runs fn in one read transaction on the read pool: in WAL mode,
// one snapshot of the file that writers do not disturb.
func (s *Store) ReadRows(ctx context.Context, fn func(acct.RowSource) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return mapError("copy: begin", err)
	}
	defer tx.Rollback()
	tables, err := copyTables(ctx, tx)
	if err != nil {
		return err
	}
	if err := fn(&rowSource{copyRows(tx, tables)}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapError("copy: end read", err)
	}
	return nil
}

// WriteRows runs fn in one IMMEDIATE write transaction (other writers
// wait for it) in which foreign keys are checked only at the commit
// (defer_foreign_keys), so that rows may come in any order.
func (s *Store) WriteRows(ctx context.Context, fn func(acct.RowSink) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapError("copy: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON"); err != nil {
		return mapError("copy: defer foreign keys", err)
	}
	tables, err := copyTables(ctx, tx)
	if err != nil {
		return err
	}
	if err := fn(&rowSink{copyRows(tx, tables), tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapError("copy: commit", err)
	}
	return nil
}

// rowSource is the acct.RowSource of one ReadRows: sqlstore's reads and
// counts, and SQLite's counters.
type rowSource struct{ *sqlstore.CopyRows }

// rowSink is the acct.RowSink of one WriteRows: sqlstore's counts, and
// SQLite's writes.
type rowSink struct {
	*sqlstore.CopyRows
	tx *sql.Tx
}

// copyRows reads the tables in tx: a table without a primary key in
// rowid order.
func copyRows(tx *sql.Tx, tables []acct.CopyTable) *sqlstore.CopyRows {
	return &sqlstore.CopyRows{Q: tx, D: dialect, Tables: tables, RowID: "rowid", FromDriver: sqlstore.FromDriver}
}

// SerialValue reads the table's counter in sqlite_sequence.
func (r *rowSource) SerialValue(ctx context.Context, name string) (int64, error) {
	t, err := r.Table(name)
	if err != nil || t.Serial == "" {
		return 0, err
	}
	var seq sql.NullInt64
	err = r.Q.QueryRowContext(ctx, "SELECT max(seq) FROM sqlite_sequence WHERE name = ?", name).Scan(&seq)
	if err != nil {
		return 0, mapError("copy: read sqlite_sequence", err)
	}
	return seq.Int64, nil
}

// Clear deletes the rows of each table. Foreign keys are checked at the
// commit, so the order does not matter.
func (w *rowSink) Clear(ctx context.Context, names []string) error {
	for _, name := range names {
		if _, err := w.Table(name); err != nil {
			return err
		}
		if _, err := w.Q.ExecContext(ctx, "DELETE FROM "+sqlstore.QuoteIdent(name)); err != nil {
			return mapError("copy: clear "+name, err)
		}
	}
	return nil
}

// Insert inserts the rows one statement each (a prepared statement: in
// SQLite that is about as fast as statements of many rows).
func (w *rowSink) Insert(ctx context.Context, name string, columns []string, rows [][]any) error {
	_, cols, err := w.TableColumns(name, columns)
	if err != nil {
		return err
	}
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = sqlstore.QuoteIdent(c)
	}
	stmt, err := w.tx.PrepareContext(ctx, "INSERT INTO "+sqlstore.QuoteIdent(name)+" ("+strings.Join(quoted, ", ")+
		") VALUES ("+strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ")+")")
	if err != nil {
		return mapError("copy: insert into "+name, err)
	}
	defer stmt.Close()
	args := make([]any, len(columns))
	for _, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("sqlite: copy: insert into %s: a row of %d values for %d columns", name, len(row), len(columns))
		}
		for i, c := range cols {
			if args[i], err = dialect.ToDriver(row[i], c.Type); err != nil {
				return fmt.Errorf("sqlite: copy: insert into %s.%s: %w", name, c.Name, err)
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return mapError("copy: insert into "+name, err)
		}
	}
	return nil
}

// SetSerial sets the table's row of sqlite_sequence to the larger of last
// and the largest key, even when that is below its value before (the rows
// of a cleared table are gone: the table now continues the source's
// counter).
func (w *rowSink) SetSerial(ctx context.Context, name string, last int64) error {
	t, err := w.Table(name)
	if err != nil || t.Serial == "" {
		return err
	}
	top, err := w.MaxKey(ctx, t)
	if err != nil {
		return err
	}
	seq := max(top, last)
	res, err := w.Q.ExecContext(ctx, "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", seq, name)
	if err != nil {
		return mapError("copy: set sqlite_sequence", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapError("copy: set sqlite_sequence", err)
	} else if n > 0 || seq == 0 {
		return nil
	}
	if _, err := w.Q.ExecContext(ctx, "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", name, seq); err != nil {
		return mapError("copy: set sqlite_sequence", err)
	}
	return nil
}
