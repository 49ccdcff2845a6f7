package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// dialect is what the queries shared with the PostgreSQL store
// (internal/sqlstore) need to know of SQLite: ? placeholders, times as
// Unix milliseconds, MAX for the larger of two values, no row locks (the
// write transaction is IMMEDIATE, so writers follow one another), and
// mapError.
var dialect = &sqlstore.Dialect{
	Name:         "sqlite",
	MillisTimes:  true,
	LastInsertID: true,
	Greatest:     "MAX",
	True:         "1",
	False:        "0",
	TimeType:     "INTEGER",
	Lower:        foldFunc,
	TableExists:  "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?",
	NoIndex:      "+",
	JSONLists:    true,
	// An export reads the addresses of a page of consecutive accounts.
	AddressesByRange: true,
	UniqueKey:        uniqueKey,
	MapError:         mapError,
}

// mapError turns a driver error into the error the acct layer expects. It
// is the only place that interprets SQLite's error codes:
//
//   - a unique or primary-key violation becomes CodeConflict naming the
//     column ("email already in use");
//   - SQLITE_BUSY and SQLITE_LOCKED (any extended code) become
//     CodeUnavailable, safe to retry;
//   - context cancellation passes through unchanged;
//   - anything else is wrapped with op for context.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); code {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			column := uniqueColumn(se.Error())
			field := column
			if f, ok := columnFields[column]; ok {
				field = f
			}
			msg := field + " already in use"
			switch {
			case field == "":
				msg = "value already in use"
			case strings.HasSuffix(column, "_skeleton"):
				msg = acct.LookAlikeMessage(field)
			}
			return &acct.Error{Code: acct.CodeConflict, Field: field, Message: msg, Err: err}
		}
	}
	if isBusy(err) {
		return &acct.Error{Code: acct.CodeUnavailable, Message: "store is busy, try again", Err: err}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// columnFields names the fields of the columns whose names differ from
// them, for the Field of a conflict.
var columnFields = map[string]string{
	"foreign_id": "foreign",
	// 0009: the skeletons of usernames (acct.Skeleton).
	"username_skeleton": "username",
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED, with any
// extended code.
func isBusy(err error) bool {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	primary := se.Code() & 0xff
	return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
}

// uniqueKey names the unique key that err violates as
// "table(column,column)", from SQLite's message "UNIQUE constraint failed:
// addresses.kind, addresses.value"; "" when err is no such violation.
func uniqueKey(err error) string {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	if c := se.Code(); c != sqlite3.SQLITE_CONSTRAINT_UNIQUE && c != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return ""
	}
	const marker = "UNIQUE constraint failed: "
	msg := se.Error()
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	list := msg[i+len(marker):]
	if j := strings.Index(list, " ("); j >= 0 { // the driver's " (2067)"
		list = list[:j]
	}
	var table string
	var cols []string
	for _, tc := range strings.Split(list, ", ") {
		t, c, ok := strings.Cut(tc, ".")
		if !ok || (table != "" && t != table) {
			return ""
		}
		table, cols = t, append(cols, c)
	}
	return table + "(" + strings.Join(cols, ",") + ")"
}

// uniqueColumn returns the first column named by SQLite's message
// "UNIQUE constraint failed: users.email", or "" when there is none.
func uniqueColumn(msg string) string {
	const marker = "UNIQUE constraint failed: "
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(marker):]
	if j := strings.IndexAny(rest, " ,("); j >= 0 {
		rest = rest[:j]
	}
	if j := strings.LastIndexByte(rest, '.'); j >= 0 {
		rest = rest[j+1:]
	}
	return rest
}
