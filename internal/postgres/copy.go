package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// The store as a source and a target of "acctl store copy": the tables
// are read from PostgreSQL's catalogue (the tables of the store's schema,
// the first of the search_path), so a table that a migration adds is
// copied with no change here. Rows are written with COPY.

var _ acct.Copier = (*Store)(nil)

// pgTable is what a copy needs of a table beyond acct.CopyTable.
type pgTable struct {
	// sequence is the regclass text of the Serial column's sequence.
	sequence string
	// casts holds the columns read as text (uuid, json) and the type of
	// their values for COPY.
	casts map[string]string
}

// valueTypes maps the base types that a copy understands to value types.
// json, jsonb and uuid travel as text.
var valueTypes = map[string]acct.ValueType{
	"int2": acct.TypeInt, "int4": acct.TypeInt, "int8": acct.TypeInt,
	"float4": acct.TypeFloat, "float8": acct.TypeFloat,
	"text": acct.TypeText, "varchar": acct.TypeText, "bpchar": acct.TypeText, "name": acct.TypeText,
	"citext": acct.TypeText, "json": acct.TypeText, "jsonb": acct.TypeText, "uuid": acct.TypeText,
	"bool":        acct.TypeBool,
	"timestamptz": acct.TypeTime, "timestamp": acct.TypeTime,
	"bytea": acct.TypeBytes,
}

// textCasts are the types read as text and written from a string.
var textCasts = map[string]bool{"json": true, "jsonb": true, "uuid": true}

// CopyInfo describes the schema's tables for a copy; schema_migrations,
// the store's bookkeeping, is left out. Its identity names the server
// (its start time and port), the database and the schema.
func (s *Store) CopyInfo(ctx context.Context) (*acct.CopyInfo, error) {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	info := &acct.CopyInfo{Kind: "postgres", SchemaVersion: v}
	var started time.Time
	var port, db, schema string
	err = s.pool.QueryRow(ctx, `SELECT pg_postmaster_start_time(), current_setting('port'),
		current_database(), COALESCE(current_schema(), '')`).Scan(&started, &port, &db, &schema)
	if err != nil {
		return nil, mapError("copy: identify the database", err)
	}
	info.Identity = fmt.Sprintf("postgres:%s:%s/%s/%s", started.UTC().Format(time.RFC3339Nano), port, db, schema)
	if info.Tables, _, err = copyTables(ctx, s.db); err != nil {
		return nil, err
	}
	return info, nil
}

// copyTables reads the description of every table of the schema, and
// what PostgreSQL's copy needs beyond it, by table.
func copyTables(ctx context.Context, q sqlstore.Querier) ([]acct.CopyTable, map[string]pgTable, error) {
	type rel struct {
		oid  uint32
		name string
	}
	var rels []rel
	err := eachRow(ctx, q, "copy: list tables", func(r *sql.Rows) error {
		var x rel
		err := r.Scan(&x.oid, &x.name)
		rels = append(rels, x)
		return err
	}, `SELECT c.oid, c.relname FROM pg_class c
		WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
		  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'
		ORDER BY c.relname`)
	if err != nil {
		return nil, nil, err
	}

	var tables []acct.CopyTable
	extra := map[string]pgTable{}
	var unknown []string
	for _, r := range rels {
		t := acct.CopyTable{Name: r.name}
		x := pgTable{casts: map[string]string{}}
		err := eachRow(ctx, q, "copy: columns of "+r.name, func(rows *sql.Rows) error {
			var name, native, base, seq string
			var generated bool
			if err := rows.Scan(&name, &native, &base, &generated, &seq); err != nil {
				return err
			}
			if generated { // computed, never written
				return nil
			}
			typ, ok := valueTypes[base]
			if !ok {
				unknown = append(unknown, fmt.Sprintf("%s.%s (%s)", r.name, name, native))
			}
			if textCasts[base] {
				x.casts[name] = base
			}
			if seq != "" && t.Serial == "" {
				t.Serial, x.sequence = name, seq
			}
			t.Columns = append(t.Columns, acct.CopyColumn{Name: name, Type: typ, Native: native})
			return nil
		}, `SELECT a.attname, format_type(a.atttypid, a.atttypmod),
				CASE WHEN ty.typtype = 'd' THEN bt.typname ELSE ty.typname END,
				a.attgenerated <> '',
				COALESCE(pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($2), a.attname), '')
			FROM pg_attribute a
			JOIN pg_type ty ON ty.oid = a.atttypid
			LEFT JOIN pg_type bt ON bt.oid = ty.typbasetype
			WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
			ORDER BY a.attnum`, r.oid, r.name)
		if err != nil {
			return nil, nil, err
		}
		err = eachRow(ctx, q, "copy: primary key of "+r.name, func(rows *sql.Rows) error {
			var k string
			err := rows.Scan(&k)
			t.Key = append(t.Key, k)
			return err
		}, `SELECT a.attname FROM pg_index i
			CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
			WHERE i.indrelid = $1 AND i.indisprimary
			ORDER BY k.ord`, r.oid)
		if err != nil {
			return nil, nil, err
		}
		err = eachRow(ctx, q, "copy: foreign keys of "+r.name, func(rows *sql.Rows) error {
			var ref string
			err := rows.Scan(&ref)
			t.References = append(t.References, ref)
			return err
		}, `SELECT DISTINCT p.relname FROM pg_constraint k
			JOIN pg_class p ON p.oid = k.confrelid
			WHERE k.conrelid = $1 AND k.contype = 'f' AND k.confrelid <> k.conrelid
			ORDER BY 1`, r.oid)
		if err != nil {
			return nil, nil, err
		}
		tables = append(tables, t)
		extra[r.name] = x
	}
	if len(unknown) > 0 {
		return nil, nil, fmt.Errorf("postgres: copy: columns of types that cannot be copied: %s", strings.Join(unknown, ", "))
	}
	return tables, extra, nil
}

// eachRow runs a catalogue query and hands each row to fn; errors are
// mapped with op.
func eachRow(ctx context.Context, q sqlstore.Querier, op string, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return mapError(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return mapError(op, err)
		}
	}
	return mapError(op, rows.Err())
}

// ReadRows runs fn in one REPEATABLE READ, READ ONLY transaction: one
// snapshot of the database that writers do not disturb.
func (s *Store) ReadRows(ctx context.Context, fn func(acct.RowSource) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return mapError("copy: begin", err)
	}
	defer tx.Rollback()
	tables, extra, err := copyTables(ctx, tx)
	if err != nil {
		return err
	}
	if err := fn(&rowSource{copyRows(tx, tables, extra), extra}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapError("copy: end read", err)
	}
	return nil
}

// WriteRows runs fn in one READ COMMITTED transaction that first locks
// every table of the schema in EXCLUSIVE mode (readers go on, writers
// wait) and defers the constraints that are DEFERRABLE to the commit.
// It is not run again on a serialization failure: fn's rows come from a
// stream.
func (s *Store) WriteRows(ctx context.Context, fn func(acct.RowSink) error) error {
	tx, pc, end, err := s.begin(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return mapError("copy: begin", err)
	}
	defer end()
	if _, err := tx.ExecContext(ctx, "SET CONSTRAINTS ALL DEFERRED"); err != nil {
		return mapError("copy: defer constraints", err)
	}
	tables, extra, err := copyTables(ctx, tx)
	if err != nil {
		return err
	}
	if len(tables) > 0 {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = sqlstore.QuoteIdent(t.Name)
		}
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN EXCLUSIVE MODE"); err != nil {
			return mapError("copy: lock tables", err)
		}
	}
	if err := fn(&rowSink{copyRows(tx, tables, extra), extra, pc}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // as pgx's Commit(ctx) would: not committed
	}
	if err := tx.Commit(); err != nil {
		return mapError("copy: commit", err)
	}
	return nil
}

// rowSource is the acct.RowSource of one ReadRows: sqlstore's reads and
// counts, and PostgreSQL's sequences.
type rowSource struct {
	*sqlstore.CopyRows
	extra map[string]pgTable
}

// rowSink is the acct.RowSink of one WriteRows: sqlstore's counts, and
// PostgreSQL's writes, with COPY on pc, the connection of the
// transaction.
type rowSink struct {
	*sqlstore.CopyRows
	extra map[string]pgTable
	pc    *pgx.Conn
}

// copyRows reads the tables in tx: a table without a primary key by one
// query, the columns of casts as text.
func copyRows(tx *sql.Tx, tables []acct.CopyTable, extra map[string]pgTable) *sqlstore.CopyRows {
	return &sqlstore.CopyRows{Q: tx, D: dialect, Tables: tables, FromDriver: sqlstore.FromDriver,
		Select: func(table, col string) string {
			if extra[table].casts[col] != "" {
				return sqlstore.QuoteIdent(col) + "::text"
			}
			return sqlstore.QuoteIdent(col)
		}}
}

// toPostgres turns a value of a row into what COPY writes in the column of
// type typ (cast: the type of a column read as text).
func toPostgres(v any, typ acct.ValueType, cast string) (any, error) {
	if s, ok := v.(string); ok && typ == acct.TypeText && cast == "uuid" {
		var u pgtype.UUID
		if err := u.Scan(s); err != nil {
			return nil, err
		}
		return u, nil
	}
	return dialect.ToDriver(v, typ)
}

// SerialValue reads the last value of the table's sequence.
func (r *rowSource) SerialValue(ctx context.Context, name string) (int64, error) {
	if _, err := r.Table(name); err != nil || r.extra[name].sequence == "" {
		return 0, err
	}
	var last int64
	var called bool
	// The sequence's name is a regclass text, already quoted.
	if err := r.Q.QueryRowContext(ctx, "SELECT last_value, is_called FROM "+r.extra[name].sequence).Scan(&last, &called); err != nil {
		return 0, mapError("copy: read the sequence of "+name, err)
	}
	if !called { // setval(…, false) or never used: last_value comes next
		last--
	}
	return max(last, 0), nil
}

// Clear empties the tables with one TRUNCATE (which satisfies the
// foreign keys among them), keeping their sequences.
func (w *rowSink) Clear(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	quoted := make([]string, len(names))
	for i, name := range names {
		if _, err := w.Table(name); err != nil {
			return err
		}
		quoted[i] = sqlstore.QuoteIdent(name)
	}
	if _, err := w.Q.ExecContext(ctx, "TRUNCATE "+strings.Join(quoted, ", ")); err != nil {
		return mapError("copy: clear", err)
	}
	return nil
}

// Insert writes the rows with one COPY. COPY writes identity columns as
// given, even GENERATED ALWAYS ones.
func (w *rowSink) Insert(ctx context.Context, name string, columns []string, rows [][]any) error {
	_, cols, err := w.TableColumns(name, columns)
	if err != nil {
		return err
	}
	out := make([][]any, len(rows))
	for j, row := range rows {
		if len(row) != len(columns) {
			return fmt.Errorf("postgres: copy: insert into %s: a row of %d values for %d columns", name, len(row), len(columns))
		}
		vals := make([]any, len(row))
		for i, c := range cols {
			if vals[i], err = toPostgres(row[i], c.Type, w.extra[name].casts[c.Name]); err != nil {
				return fmt.Errorf("postgres: copy: insert into %s.%s: %w", name, c.Name, err)
			}
		}
		out[j] = vals
	}
	n, err := w.pc.CopyFrom(ctx, pgx.Identifier{name}, columns, pgx.CopyFromRows(out))
	if err != nil {
		return mapError("copy: insert into "+name, err)
	}
	if n != int64(len(rows)) {
		return fmt.Errorf("postgres: copy: insert into %s: %d rows written of %d", name, n, len(rows))
	}
	return nil
}

// SetSerial sets the table's sequence so that its next value is above
// both last and the largest key, even when that is below its value before
// (the rows of a cleared table are gone: the table now continues the
// source's counter).
func (w *rowSink) SetSerial(ctx context.Context, name string, last int64) error {
	t, err := w.Table(name)
	seq := w.extra[name].sequence
	if err != nil || seq == "" {
		return err
	}
	top, err := w.MaxKey(ctx, t)
	if err != nil {
		return err
	}
	v := max(top, last)
	if v > 0 {
		_, err = w.Q.ExecContext(ctx, "SELECT setval($1::regclass, $2, true)", seq, v)
	} else { // nothing given yet: the next value is the sequence's first
		_, err = w.Q.ExecContext(ctx, "SELECT setval($1::regclass, (SELECT seqstart FROM pg_sequence WHERE seqrelid = $1::regclass), false)", seq)
	}
	if err != nil {
		return mapError("copy: set the sequence of "+name, err)
	}
	return nil
}
