package sqlstore

import (
	"fmt"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The conversions of a copy's values (acct.ValueType) between the Go
// types of a row and what each dialect keeps.

// FromDriver turns a value as database/sql reads it from either driver
// into the Go type of typ: a time stored as Unix milliseconds (SQLite) or
// as a time (PostgreSQL) is a time.Time in UTC; text read as bytes is a
// string, and the other way round; a column without a type (SQLite's
// ANY) is whatever was stored.
func FromDriver(v any, typ acct.ValueType) (any, error) {
	if x, ok := asIs(v, typ); ok {
		return x, nil
	}
	switch x := v.(type) {
	case int64:
		if typ == acct.TypeTime {
			return time.UnixMilli(x).UTC(), nil
		}
	case time.Time:
		if typ == acct.TypeTime {
			return x.UTC(), nil
		}
	case []byte:
		if typ == acct.TypeText {
			return string(x), nil
		}
	case string:
		if typ == acct.TypeBytes {
			return []byte(x), nil
		}
	}
	if typ == acct.TypeAny {
		return v, nil
	}
	// PostgreSQL's ±infinity arrive as text, which no other store can
	// keep as a time.
	return nil, fmt.Errorf("a %T where %s was expected", v, typ)
}

// ToDriver turns a value of a row into what the dialect keeps in a column
// of type typ: a time as Unix milliseconds (Dialect.MillisTimes) or a
// time in UTC, a boolean in an integer column (or one without a type) as
// 0 or 1, and 0 or 1 in a boolean column as a boolean.
func (d *Dialect) ToDriver(v any, typ acct.ValueType) (any, error) {
	if x, ok := asIs(v, typ); ok {
		return x, nil
	}
	switch x := v.(type) {
	case bool:
		if typ == acct.TypeInt || typ == acct.TypeAny {
			return boolInt(x), nil
		}
	case time.Time:
		if typ == acct.TypeTime || typ == acct.TypeAny {
			return d.keepTime(x), nil
		}
	case int64:
		if typ == acct.TypeBool {
			switch x {
			case 0:
				return false, nil
			case 1:
				return true, nil
			}
			return nil, fmt.Errorf("cannot store %d in a boolean column", x)
		}
	}
	if typ == acct.TypeAny {
		return v, nil
	}
	return nil, fmt.Errorf("cannot store a %T in a %s column", v, typ)
}

// asIs returns the values that are read and written as they are: NULL,
// an int64 of an integer column, a float64 (or an int64, as a float64) of
// a float column, a string of a text column, bytes of a bytes column and
// a bool of a boolean column.
func asIs(v any, typ acct.ValueType) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case int64:
		switch typ {
		case acct.TypeInt:
			return x, true
		case acct.TypeFloat:
			return float64(x), true
		}
	case float64:
		return x, typ == acct.TypeFloat
	case string:
		return x, typ == acct.TypeText
	case []byte:
		return x, typ == acct.TypeBytes
	case bool:
		return x, typ == acct.TypeBool
	}
	return nil, false
}

// keepTime is a copied time as the dialect keeps it: Unix milliseconds,
// or the time in UTC as it is (a copy keeps what the source holds).
func (d *Dialect) keepTime(t time.Time) any {
	if d.MillisTimes {
		return t.UnixMilli()
	}
	return t.UTC()
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
