package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/acctl/acctl/internal/acct"
)

// The store as a source and a target of "acctl store copy": the tables
// are read from PostgreSQL's catalogue (the tables of the store's schema,
// the first of the search_path), so a table that a migration adds is
// copied with no change here. Rows are written with COPY.

var _ acct.Copier = (*Store)(nil)

// pgTable is a table of the store's schema as a copy needs it.
type pgTable struct {
	acct.CopyTable
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

// querier is what copyTables needs: a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

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
	tables, err := copyTables(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		info.Tables = append(info.Tables, t.CopyTable)
	}
	return info, nil
}

// copyTables reads the description of every table of the schema.
func copyTables(ctx context.Context, q querier) ([]pgTable, error) {
	type rel struct {
		oid  uint32
		name string
	}
	rows, err := q.Query(ctx, `SELECT c.oid, c.relname FROM pg_class c
		WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
		  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'schema_migrations'
		ORDER BY c.relname`)
	if err != nil {
		return nil, mapError("copy: list tables", err)
	}
	rels, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (rel, error) {
		var x rel
		err := r.Scan(&x.oid, &x.name)
		return x, err
	})
	if err != nil {
		return nil, mapError("copy: list tables", err)
	}

	var tables []pgTable
	var unknown []string
	for _, r := range rels {
		t := pgTable{CopyTable: acct.CopyTable{Name: r.name}, casts: map[string]string{}}
		rows, err := q.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod),
				CASE WHEN ty.typtype = 'd' THEN bt.typname ELSE ty.typname END,
				a.attgenerated <> '',
				COALESCE(pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($2), a.attname), '')
			FROM pg_attribute a
			JOIN pg_type ty ON ty.oid = a.atttypid
			LEFT JOIN pg_type bt ON bt.oid = ty.typbasetype
			WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
			ORDER BY a.attnum`, r.oid, r.name)
		if err != nil {
			return nil, mapError("copy: columns of "+r.name, err)
		}
		for rows.Next() {
			var name, native, base, seq string
			var generated bool
			if err := rows.Scan(&name, &native, &base, &generated, &seq); err != nil {
				rows.Close()
				return nil, mapError("copy: columns of "+r.name, err)
			}
			if generated { // computed, never written
				continue
			}
			typ, ok := valueTypes[base]
			if !ok {
				unknown = append(unknown, fmt.Sprintf("%s.%s (%s)", r.name, name, native))
			}
			if textCasts[base] {
				t.casts[name] = base
			}
			if seq != "" && t.Serial == "" {
				t.Serial, t.sequence = name, seq
			}
			t.Columns = append(t.Columns, acct.CopyColumn{Name: name, Type: typ, Native: native})
		}
		if err := rows.Err(); err != nil {
			return nil, mapError("copy: columns of "+r.name, err)
		}

		rows, err = q.Query(ctx, `SELECT a.attname FROM pg_index i
			CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
			WHERE i.indrelid = $1 AND i.indisprimary
			ORDER BY k.ord`, r.oid)
		if err != nil {
			return nil, mapError("copy: primary key of "+r.name, err)
		}
		if t.Key, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return nil, mapError("copy: primary key of "+r.name, err)
		}

		rows, err = q.Query(ctx, `SELECT DISTINCT p.relname FROM pg_constraint k
			JOIN pg_class p ON p.oid = k.confrelid
			WHERE k.conrelid = $1 AND k.contype = 'f' AND k.confrelid <> k.conrelid
			ORDER BY 1`, r.oid)
		if err != nil {
			return nil, mapError("copy: foreign keys of "+r.name, err)
		}
		if t.References, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return nil, mapError("copy: foreign keys of "+r.name, err)
		}
		tables = append(tables, t)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("postgres: copy: columns of types that cannot be copied: %s", strings.Join(unknown, ", "))
	}
	return tables, nil
}

// ReadRows runs fn in one REPEATABLE READ, READ ONLY transaction: one
// snapshot of the database that writers do not disturb.
func (s *Store) ReadRows(ctx context.Context, fn func(acct.RowSource) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return mapError("copy: begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tables, err := copyTables(ctx, tx)
	if err != nil {
		return err
	}
	if err := fn(&rowSource{tx: tx, tables: tables}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
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
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return mapError("copy: begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET CONSTRAINTS ALL DEFERRED"); err != nil {
		return mapError("copy: defer constraints", err)
	}
	tables, err := copyTables(ctx, tx)
	if err != nil {
		return err
	}
	if len(tables) > 0 {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = pgx.Identifier{t.Name}.Sanitize()
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN EXCLUSIVE MODE"); err != nil {
			return mapError("copy: lock tables", err)
		}
	}
	if err := fn(&rowSink{tx: tx, tables: tables}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError("copy: commit", err)
	}
	return nil
}

// rowSource is the acct.RowSource of one ReadRows.
type rowSource struct {
	tx     pgx.Tx
	tables []pgTable
}

// rowSink is the acct.RowSink of one WriteRows.
type rowSink struct {
	tx     pgx.Tx
	tables []pgTable
}

func findTable(tables []pgTable, name string) (*pgTable, error) {
	for i := range tables {
		if tables[i].Name == name {
			return &tables[i], nil
		}
	}
	return nil, fmt.Errorf("postgres: copy: no table %q", name)
}

// columnsOf returns the descriptions of columns of t, in that order.
func columnsOf(t *pgTable, columns []string) ([]acct.CopyColumn, error) {
	cols := make([]acct.CopyColumn, len(columns))
	for i, name := range columns {
		c := t.Column(name)
		if c == nil {
			return nil, fmt.Errorf("postgres: copy: table %s has no column %q", t.Name, name)
		}
		cols[i] = *c
	}
	return cols, nil
}

func count(ctx context.Context, tx pgx.Tx, tables []pgTable, name string) (int64, error) {
	if _, err := findTable(tables, name); err != nil {
		return 0, err
	}
	var n int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n); err != nil {
		return 0, mapError("copy: count "+name, err)
	}
	return n, nil
}

func (r *rowSource) Count(ctx context.Context, name string) (int64, error) {
	return count(ctx, r.tx, r.tables, name)
}

// Rows reads the table in batches in key order, each batch one query that
// starts after the last key of the one before, so that no statement runs
// for long. A table without a primary key is read by one query, in
// batches as its rows arrive.
func (r *rowSource) Rows(ctx context.Context, name string, columns []string, batch int, fn func([][]any) error) error {
	t, err := findTable(r.tables, name)
	if err != nil {
		return err
	}
	cols, err := columnsOf(t, columns)
	if err != nil {
		return err
	}
	if batch < 1 {
		batch = 1
	}
	var keys, sel []string
	for _, k := range t.Key {
		keys = append(keys, pgx.Identifier{k}.Sanitize())
	}
	sel = append(sel, keys...)
	for _, c := range columns {
		col := pgx.Identifier{c}.Sanitize()
		if t.casts[c] != "" {
			col += "::text"
		}
		sel = append(sel, col)
	}
	from := "SELECT " + strings.Join(sel, ", ") + " FROM " + pgx.Identifier{name}.Sanitize()
	nk := len(keys)
	convert := func(values []any) ([]any, error) {
		row := make([]any, len(columns))
		for i, c := range cols {
			v, err := fromPostgres(values[nk+i], c.Type)
			if err != nil {
				return nil, fmt.Errorf("postgres: copy: read %s.%s: %w", name, c.Name, err)
			}
			row[i] = v
		}
		return row, nil
	}

	if nk == 0 {
		rows, err := r.tx.Query(ctx, from)
		if err != nil {
			return mapError("copy: read "+name, err)
		}
		defer rows.Close()
		out := make([][]any, 0, batch)
		for rows.Next() {
			values, err := rows.Values()
			if err != nil {
				return mapError("copy: read "+name, err)
			}
			row, err := convert(values)
			if err != nil {
				return err
			}
			if out = append(out, row); len(out) == batch {
				if err := fn(out); err != nil {
					return err
				}
				out = make([][]any, 0, batch)
			}
		}
		if err := rows.Err(); err != nil {
			return mapError("copy: read "+name, err)
		}
		if len(out) > 0 {
			return fn(out)
		}
		return nil
	}

	keyList := strings.Join(keys, ", ")
	params := make([]string, nk)
	for i := range params {
		params[i] = fmt.Sprintf("$%d", i+1)
	}
	first := from + " ORDER BY " + keyList + fmt.Sprintf(" LIMIT %d", batch)
	next := from + " WHERE (" + keyList + ") > (" + strings.Join(params, ", ") + ")" +
		" ORDER BY " + keyList + fmt.Sprintf(" LIMIT %d", batch)
	var last []any
	for {
		var rows pgx.Rows
		if last == nil {
			rows, err = r.tx.Query(ctx, first)
		} else {
			rows, err = r.tx.Query(ctx, next, last...)
		}
		if err != nil {
			return mapError("copy: read "+name, err)
		}
		out := make([][]any, 0, batch)
		for rows.Next() {
			values, err := rows.Values()
			if err != nil {
				rows.Close()
				return mapError("copy: read "+name, err)
			}
			row, err := convert(values)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, row)
			last = slices.Clone(values[:nk])
		}
		if err := rows.Err(); err != nil {
			return mapError("copy: read "+name, err)
		}
		if len(out) == 0 {
			return nil
		}
		if err := fn(out); err != nil {
			return err
		}
		if len(out) < batch {
			return nil
		}
	}
}

// fromPostgres turns a value as pgx decodes it into the Go type of typ.
func fromPostgres(v any, typ acct.ValueType) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case acct.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		}
	case acct.TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
	case acct.TypeText:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case acct.TypeBytes:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
	case acct.TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case acct.TypeTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC(), nil
		}
		// ±infinity decode as pgtype.InfinityModifier values, which no
		// other store can keep.
	}
	return nil, fmt.Errorf("a %T where %s was expected", v, typ)
}

// toPostgres turns a value of a row into what COPY writes in the column of
// type typ (cast: the type of a column read as text).
func toPostgres(v any, typ acct.ValueType, cast string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case acct.TypeInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case acct.TypeFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case acct.TypeText:
		if s, ok := v.(string); ok {
			if cast == "uuid" {
				var u pgtype.UUID
				if err := u.Scan(s); err != nil {
					return nil, err
				}
				return u, nil
			}
			return s, nil
		}
	case acct.TypeBytes:
		if b, ok := v.([]byte); ok {
			return b, nil
		}
	case acct.TypeBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			switch x {
			case 0:
				return false, nil
			case 1:
				return true, nil
			}
			return nil, fmt.Errorf("cannot store %d in a boolean column", x)
		}
	case acct.TypeTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC(), nil
		}
	}
	return nil, fmt.Errorf("cannot store a %T in a %s column", v, typ)
}

// SerialValue reads the last value of the table's sequence.
func (r *rowSource) SerialValue(ctx context.Context, name string) (int64, error) {
	t, err := findTable(r.tables, name)
	if err != nil || t.sequence == "" {
		return 0, err
	}
	var last int64
	var called bool
	// The sequence's name is a regclass text, already quoted.
	if err := r.tx.QueryRow(ctx, "SELECT last_value, is_called FROM "+t.sequence).Scan(&last, &called); err != nil {
		return 0, mapError("copy: read the sequence of "+name, err)
	}
	if !called { // setval(…, false) or never used: last_value comes next
		last--
	}
	return max(last, 0), nil
}

func (w *rowSink) Count(ctx context.Context, name string) (int64, error) {
	return count(ctx, w.tx, w.tables, name)
}

// Clear empties the tables with one TRUNCATE (which satisfies the
// foreign keys among them), keeping their sequences.
func (w *rowSink) Clear(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return nil
	}
	quoted := make([]string, len(names))
	for i, name := range names {
		if _, err := findTable(w.tables, name); err != nil {
			return err
		}
		quoted[i] = pgx.Identifier{name}.Sanitize()
	}
	if _, err := w.tx.Exec(ctx, "TRUNCATE "+strings.Join(quoted, ", ")); err != nil {
		return mapError("copy: clear", err)
	}
	return nil
}

// Insert writes the rows with one COPY. COPY writes identity columns as
// given, even GENERATED ALWAYS ones.
func (w *rowSink) Insert(ctx context.Context, name string, columns []string, rows [][]any) error {
	t, err := findTable(w.tables, name)
	if err != nil {
		return err
	}
	cols, err := columnsOf(t, columns)
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
			if vals[i], err = toPostgres(row[i], c.Type, t.casts[c.Name]); err != nil {
				return fmt.Errorf("postgres: copy: insert into %s.%s: %w", name, c.Name, err)
			}
		}
		out[j] = vals
	}
	n, err := w.tx.CopyFrom(ctx, pgx.Identifier{name}, columns, pgx.CopyFromRows(out))
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
	t, err := findTable(w.tables, name)
	if err != nil || t.sequence == "" {
		return err
	}
	var top int64
	err = w.tx.QueryRow(ctx, "SELECT COALESCE(max("+pgx.Identifier{t.Serial}.Sanitize()+"), 0) FROM "+
		pgx.Identifier{name}.Sanitize()).Scan(&top)
	if err != nil {
		return mapError("copy: read the largest key of "+name, err)
	}
	v := max(top, last)
	if v > 0 {
		_, err = w.tx.Exec(ctx, "SELECT setval($1::regclass, $2, true)", t.sequence, v)
	} else { // nothing given yet: the next value is the sequence's first
		_, err = w.tx.Exec(ctx, "SELECT setval($1::regclass, (SELECT seqstart FROM pg_sequence WHERE seqrelid = $1::regclass), false)", t.sequence)
	}
	if err != nil {
		return mapError("copy: set the sequence of "+name, err)
	}
	return nil
}
