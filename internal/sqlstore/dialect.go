// Package sqlstore holds the queries of the SQLite and the PostgreSQL
// stores, written once over database/sql: every method of acct.Tx, the
// reads of acct.BulkTx, the reads and value conversions of a store copy
// (CopyRows), the migration runner (ApplyMigrations, Schema) and the
// report of a store check (Health).
//
// A dialect package (internal/sqlite, internal/postgres) opens its
// connections, keeps its migration files, begins its transactions and
// keeps its bulk writes; inside a transaction it hands a Tx its *sql.Tx,
// its Dialect and the transaction's TxOptions, and the Tx's methods
// answer acct.Tx. What differs between the two databases is in the Dialect
// and nowhere else:
//
//   - placeholders: the queries here are written with ? (or ?N for the
//     N-th argument), which Rebind turns into $N for PostgreSQL;
//   - how a time is stored: Unix milliseconds in an INTEGER (SQLite) or a
//     timestamptz in whole milliseconds (PostgreSQL), see Time;
//   - the few words whose spelling differs (Greatest, True and False,
//     Binary, TimeType, Lower, NoIndex), how a list of values travels
//     (JSONLists) and the locking clauses of a look-up in a write
//     transaction (ForUpdate) and of a statement that picks rows to
//     change (SkipLocked);
//   - how an insert learns its id (LastInsertID) and whether writers run
//     side by side (ConcurrentWriters);
//   - error classification: the dialect's MapError turns a driver error
//     into acct's codes (conflict, unavailable) or wraps it with context,
//     and UniqueKey names the unique key a violation is of.
//
// No ORM and no generated code: a query is a string constant, as in the
// dialect packages before.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Querier is what a Tx queries through: *sql.Tx of either store. SQLite's
// connections keep their prepared statements below database/sql
// (internal/sqlite/stmtcache.go), so the queries here use them too.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is what differs between the databases, for the shared queries.
// A dialect package makes one, once, and shares it between transactions.
type Dialect struct {
	// Name prefixes the errors of the shared code that are not the
	// driver's, such as "sqlite: list points entries: limit 0, want > 0".
	Name string
	// Numbered is set when the driver wants $1, $2, … (PostgreSQL) rather
	// than ? and ?N (SQLite).
	Numbered bool
	// MillisTimes is set when times are stored as Unix milliseconds in an
	// integer column (SQLite); otherwise they are timestamptz values,
	// written in whole milliseconds (PostgreSQL).
	MillisTimes bool
	// LastInsertID is set when the driver's sql.Result knows the id of an
	// inserted row (SQLite); otherwise inserts read it with RETURNING.
	LastInsertID bool
	// Greatest is the name of the function that returns the larger of its
	// arguments: MAX in SQLite, GREATEST in PostgreSQL.
	Greatest string
	// SkipLocked ends a subquery that picks the rows a statement changes:
	// " FOR UPDATE SKIP LOCKED" where concurrent writers may pick the same
	// rows (PostgreSQL); "" where writers follow one another (SQLite).
	SkipLocked string
	// Binary follows a column in ORDER BY for byte order, whatever the
	// database's locale: ` COLLATE "C"` in PostgreSQL; "" in SQLite, whose
	// default collation (BINARY) is byte order.
	Binary string
	// ConcurrentWriters is set when write transactions run side by side
	// under READ COMMITTED (PostgreSQL), so that a statement that must see
	// a row another transaction is inserting claims its key first; unset
	// when they follow one another (SQLite's IMMEDIATE transactions).
	ConcurrentWriters bool
	// ForUpdate ends a look-up of accounts inside a write transaction,
	// so that the rows read stay locked until it ends: " FOR UPDATE"
	// where writers run side by side (PostgreSQL); "" where they follow
	// one another (SQLite).
	ForUpdate string
	// Lower is the function that lowers text for search, for all of
	// Unicode: lower in PostgreSQL (under TxOptions.Collate); in SQLite,
	// whose lower() folds ASCII only, the store's own function.
	Lower string
	// NoIndex goes before a column in a condition to keep the planner
	// from the column's index: "+" in SQLite (see ListUsers); "" in
	// PostgreSQL, which plans by its statistics.
	NoIndex string
	// JSONLists is set when a list of values travels as one JSON array
	// parameter read with json_each (SQLite); otherwise it is one array
	// parameter (= ANY(?), PostgreSQL). Either way a statement is one
	// round trip whatever the list's length.
	JSONLists bool
	// AddressesByRange is set when ListAddressesOf reads the range of the
	// ids asked for in index order and sorts in Go (SQLite: see there);
	// otherwise the database picks and sorts the rows.
	AddressesByRange bool
	// TableExists is a query of one row and one boolean (or 0 or 1): does
	// the table named by its one parameter exist where the store keeps
	// its tables?
	TableExists string
	// True and False are the literals of a boolean column: 1 and 0 in
	// SQLite (so that a condition matches the text of a partial index),
	// true and false in PostgreSQL.
	True, False string
	// TimeType is the type of a stored time, for a CAST that gives a
	// parameter its type: INTEGER (SQLite) or timestamptz (PostgreSQL).
	TimeType string
	// UniqueKey names the unique key that err violates as
	// "table(column,column)", such as "addresses(kind,value)", and is ""
	// when err is no such violation (or the key is not known).
	UniqueKey func(err error) string
	// MapError turns a driver error into the error the acct layer expects
	// (acct.CodeConflict, acct.CodeUnavailable, …), wrapped with op.
	MapError func(op string, err error) error

	rebound sync.Map // query text → its text with $N placeholders
	cached  int      // entries in rebound, under mu
	mu      sync.Mutex
}

// maxRebound bounds the texts Rebind keeps: the store's texts are a few
// dozen; one built for a long IN list is rebound again each time.
const maxRebound = 512

// Rebind returns query as the driver wants it: unchanged for ?
// placeholders, and with every ? turned into $1, $2, … in order and every
// ?N into $N for a numbered dialect. A ? inside a quoted string or
// identifier is left alone. The result is kept per query text, so the
// work is done once per statement.
func (d *Dialect) Rebind(query string) string {
	if !d.Numbered {
		return query
	}
	if q, ok := d.rebound.Load(query); ok {
		return q.(string)
	}
	q := rebind(query)
	d.mu.Lock()
	if d.cached < maxRebound {
		d.cached++
		d.rebound.Store(query, q)
	}
	d.mu.Unlock()
	return q
}

// rebind is Rebind without the cache.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j]) // ?N: the N-th argument
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Time is t as the dialect stores it, in whole milliseconds: an int64 of
// Unix milliseconds, or a time.Time in UTC.
func (d *Dialect) Time(t time.Time) any {
	if d.MillisTimes {
		return t.UnixMilli()
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// NullTime is Time for an optional time: nil is NULL.
func (d *Dialect) NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.Time(*t)
}

// Millis is a stored time read back, from either representation: an
// integer of Unix milliseconds or a time. It is a sql.Scanner.
type Millis struct {
	Time  time.Time // in UTC
	Valid bool      // false for NULL
}

// Scan reads an int64 of Unix milliseconds, a time.Time or NULL.
func (m *Millis) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*m = Millis{}
	case int64:
		*m = Millis{Time: time.UnixMilli(v).UTC(), Valid: true}
	case time.Time:
		*m = Millis{Time: v.UTC(), Valid: true}
	default:
		return fmt.Errorf("sqlstore: a stored time is %T, want an integer or a time", src)
	}
	return nil
}

// Ptr is the time, nil for NULL.
func (m Millis) Ptr() *time.Time {
	if !m.Valid {
		return nil
	}
	t := m.Time
	return &t
}

var _ sql.Scanner = (*Millis)(nil)

// NullText stores "" as NULL; any other value as it is.
func NullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullBytes stores a nil payload as NULL and any other as text.
func NullBytes(p []byte) any {
	if p == nil {
		return nil
	}
	return string(p)
}
