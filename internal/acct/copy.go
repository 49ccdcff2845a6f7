package acct

import (
	"context"
	"strings"
	"time"
)

// Copier is implemented by a Store whose rows can be copied wholesale to or
// from another store ("acctl store copy"). It works below the business
// rules, in terms every store shares: tables, columns and rows of plain Go
// values. The tables are whatever the store's migrations made (the store's
// own bookkeeping, such as its migration records, aside), so a table that
// a new migration adds is copied without any change here.
type Copier interface {
	// CopyInfo describes the store for a copy: its kind, an identity (two
	// handles on the same store have the same one), its schema version
	// and its tables.
	CopyInfo(ctx context.Context) (*CopyInfo, error)
	// ReadRows runs fn in one read-only transaction that sees one
	// snapshot of the store, so that what fn reads is consistent across
	// tables even while other processes write.
	ReadRows(ctx context.Context, fn func(RowSource) error) error
	// WriteRows runs fn in one write transaction: committed when fn
	// returns nil, rolled back otherwise. Other writers are kept out of
	// the tables until it ends. Foreign keys are checked at the commit
	// where the store can defer them (SQLite always; PostgreSQL for the
	// constraints declared DEFERRABLE), so that rows may come in any
	// order; elsewhere a row must come after the rows it refers to.
	WriteRows(ctx context.Context, fn func(RowSink) error) error
}

// CopyInfo describes a store for a copy.
type CopyInfo struct {
	Kind          string // "sqlite", "postgres"
	Identity      string // the same for two handles on one store (a file, a database schema)
	SchemaVersion int    // the highest migration applied
	// Tables are the tables to copy, in name order.
	Tables []CopyTable
}

// Table returns the table named name, or nil.
func (ci *CopyInfo) Table(name string) *CopyTable {
	for i := range ci.Tables {
		if ci.Tables[i].Name == name {
			return &ci.Tables[i]
		}
	}
	return nil
}

// CopyTable describes one table of a store.
type CopyTable struct {
	Name string
	// Columns are the columns that hold data, in the table's order
	// (computed columns, which cannot be written, are left out).
	Columns []CopyColumn
	// Key is the primary key, the order in which rows are read; empty
	// when the table has none (rows then come in the store's own order:
	// SQLite's rowid, none in particular on PostgreSQL).
	Key []string
	// Serial is the column whose values the store generates from a
	// counter that never goes back (SQLite's AUTOINCREMENT, PostgreSQL's
	// identity or serial columns), "" when there is none.
	Serial string
	// References are the other tables that this one's foreign keys refer
	// to, in name order.
	References []string
}

// Column returns the column named name, or nil.
func (t *CopyTable) Column(name string) *CopyColumn {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// CopyColumn describes one column of a table.
type CopyColumn struct {
	Name string
	Type ValueType
	// Native is the column's type as the store declares it (INTEGER,
	// timestamp with time zone), for messages.
	Native string
}

// ValueType is the kind of value a column holds, as rows carry it. A NULL
// is nil in every type.
type ValueType string

// The value types of CopyColumn.Type and the Go type of their values in a
// row.
const (
	TypeInt   ValueType = "int"   // int64
	TypeFloat ValueType = "float" // float64
	TypeText  ValueType = "text"  // string
	TypeBytes ValueType = "bytes" // []byte
	TypeBool  ValueType = "bool"  // bool
	TypeTime  ValueType = "time"  // time.Time in UTC
	TypeAny   ValueType = "any"   // whatever the store holds (an untyped SQLite column)
)

// Compatible reports whether values of type t (a source's column) can be
// written to a column of type u (a target's) without loss: the same type,
// an int and a bool (a store without booleans keeps 0 and 1), or any
// value into an untyped column.
func (t ValueType) Compatible(u ValueType) bool {
	switch {
	case t == u, u == TypeAny:
		return true
	case t == TypeInt && u == TypeBool, t == TypeBool && u == TypeInt:
		return true
	}
	return false
}

// IsTimeColumn reports whether a column of this name holds a time, by the
// project's convention: "at", or a name that ends in "_at" or "_until".
// A store that keeps times as integers (SQLite: Unix milliseconds) knows
// its time columns by their names alone, so every migration must follow
// the convention.
func IsTimeColumn(name string) bool {
	return name == "at" || strings.HasSuffix(name, "_at") || strings.HasSuffix(name, "_until")
}

// RowSource reads the rows of a store, inside Copier.ReadRows.
type RowSource interface {
	// Count returns the number of rows of table.
	Count(ctx context.Context, table string) (int64, error)
	// Rows calls fn with the rows of table, at most batch at a time, in
	// the order of the table's key. Each row holds the values of columns,
	// in that order, as the columns' ValueType says. fn may keep the rows
	// it is given; the source reads the next batch only after fn returns,
	// so memory is bounded by the batch size whatever the table's.
	Rows(ctx context.Context, table string, columns []string, batch int, fn func(rows [][]any) error) error
	// SerialValue returns the last value the table's Serial counter gave
	// (which may be above the largest key, when rows were deleted), 0 when
	// it gave none.
	SerialValue(ctx context.Context, table string) (int64, error)
}

// RowSink writes rows into a store, inside Copier.WriteRows.
type RowSink interface {
	// Count returns the number of rows of table.
	Count(ctx context.Context, table string) (int64, error)
	// Clear deletes every row of the tables, in whatever order the
	// store's constraints need. The Serial counters are left as they are.
	Clear(ctx context.Context, tables []string) error
	// Insert stores rows (values of columns, in that order, of the types
	// RowSource.Rows gives) into table as they are, keys included, each
	// value converted to the column's own type (a bool to 0 or 1 in an
	// integer column, a time to whole milliseconds where the store keeps
	// milliseconds).
	Insert(ctx context.Context, table string, columns []string, rows [][]any) error
	// SetSerial moves the table's Serial counter so that the next value it
	// gives is above both last and every key in the table. It does nothing
	// for a table without a Serial.
	SetSerial(ctx context.Context, table string, last int64) error
}

// Checker is implemented by a Store that can report on its own health
// ("acctl store check").
type Checker interface {
	// Check inspects the store. An error means that the store could not
	// be inspected at all (unreachable: CodeUnavailable); damage found is
	// reported in the StoreHealth.
	Check(ctx context.Context) (*StoreHealth, error)
}

// StoreHealth is the report of Checker.Check.
type StoreHealth struct {
	Kind          string // "sqlite", "postgres"
	SchemaVersion int
	// Checks are the facts found, in the order the store reports them.
	Checks []HealthCheck
	// Took is how long the checks took.
	Took time.Duration
}

// Healthy reports whether no check failed.
func (h *StoreHealth) Healthy() bool {
	for _, c := range h.Checks {
		if c.Status == HealthFailed {
			return false
		}
	}
	return true
}

// HealthCheck is one fact of a StoreHealth.
type HealthCheck struct {
	Name   string       // "journal_mode", "quick_check", "server_version"
	Value  string       // what was found
	Status HealthStatus // HealthInfo for a plain fact
	// Detail explains a warning or a failure ("want wal").
	Detail string
}

// HealthStatus grades a HealthCheck.
type HealthStatus string

// The grades of a HealthCheck. Only a failure makes a store unhealthy.
const (
	HealthInfo    HealthStatus = "info"    // a fact, not a judgement
	HealthOK      HealthStatus = "ok"      // as it should be
	HealthWarning HealthStatus = "warning" // works, but worth a look
	HealthFailed  HealthStatus = "failed"  // damage, or a setting that breaks a rule
)
