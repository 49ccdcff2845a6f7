package sqlstore

import (
	"fmt"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// Reading many rows: an export reads every account and address, and
// scanning a row was most of its time. The scanners below give
// database/sql destinations of type *any, made once for all the rows of a
// query: it then hands over the driver's values as they are (int64,
// string, bool, time.Time or nil), where a *int64 went through
// reflection, a sql.NullString through a second conversion, and a new set
// of destinations for every row was garbage. The values are then checked
// and converted here, in either dialect's representation: a boolean is
// 0 or 1 (SQLite) or a bool (PostgreSQL), a time Unix milliseconds
// (SQLite) or a time.Time (PostgreSQL).

// Row is one row to scan: *sql.Row or *sql.Rows.
type Row interface{ Scan(...any) error }

// rowScanner holds the *any destinations of a query's rows, made once.
type rowScanner struct {
	vals []any
	dest []any
}

func newRowScanner(columns int) rowScanner {
	s := rowScanner{vals: make([]any, columns), dest: make([]any, columns)}
	for i := range s.vals {
		s.dest[i] = &s.vals[i]
	}
	return s
}

// next scans the current row and returns its values to convert.
func (s rowScanner) next(row Row) (values, error) {
	if err := row.Scan(s.dest...); err != nil {
		return values{}, err
	}
	return values{vals: s.vals}, nil
}

// UserScanner reads rows of UserColumns, reusing its destinations from
// row to row.
type UserScanner struct{ rowScanner }

// NewUserScanner returns a scanner for the rows of one query.
func NewUserScanner() *UserScanner { return &UserScanner{newRowScanner(25)} }

// Scan reads the current row into rec.
func (s *UserScanner) Scan(row Row, rec *acct.UserRecord) error {
	v, err := s.next(row)
	if err != nil {
		return err
	}
	*rec = acct.UserRecord{
		User: acct.User{
			ID: v.int(0), Username: v.text(1), Email: v.text(2), EmailVerified: v.bool(3),
			Phone: v.text(4), PhoneVerified: v.bool(5), FirstName: v.text(6), LastName: v.text(7),
			Language: v.text(8), Admin: v.bool(9), Status: acct.Status(v.text(10)), HoldUntil: v.time(11),
			CreatedAt: v.when(13), UpdatedAt: v.when(14), Foreign: v.text(16),
			FailedLogins: int(v.int(17)), LockedUntil: v.time(18), LockReason: v.text(19),
			ReferralCode: v.text(20), ReferredBy: v.id(21), Points: v.int(24),
		},
		PasswordHash:     v.text(12),
		DeletedAt:        v.time(15),
		HeldFrom:         acct.Status(v.text(22)),
		UsernameSkeleton: v.text(23),
	}
	rec.HasPassword = rec.PasswordHash != ""
	clear(s.vals) // keep no value of the row alive
	return v.err
}

// AddressScanner reads rows of AddressColumns, reusing its destinations
// from row to row.
type AddressScanner struct{ rowScanner }

// NewAddressScanner returns a scanner for the rows of one query.
func NewAddressScanner() *AddressScanner { return &AddressScanner{newRowScanner(9)} }

// Scan reads the current row into rec.
func (s *AddressScanner) Scan(row Row, rec *acct.AddressRecord) error {
	v, err := s.next(row)
	if err != nil {
		return err
	}
	*rec = acct.AddressRecord{
		Seq: v.int(0),
		Address: acct.Address{
			UserID: v.int(1), Kind: acct.AddressKind(v.text(2)), Value: v.text(3), Primary: v.bool(4),
			Verified: v.bool(5), VerifiedAt: v.time(6), CreatedAt: v.when(7),
		},
		Skeleton: v.text(8),
	}
	clear(s.vals)
	return v.err
}

// values converts a row's values as the driver gives them, keeping the
// first error.
type values struct {
	vals []any
	err  error
}

func (v *values) fail(i int, want string) {
	if v.err == nil {
		v.err = fmt.Errorf("column %d: %T (%v), want %s", i, v.vals[i], v.vals[i], want)
	}
}

// int is an integer column that is not NULL.
func (v *values) int(i int) int64 {
	n, ok := v.vals[i].(int64)
	if !ok {
		v.fail(i, "an integer")
	}
	return n
}

// bool is a boolean column: a bool, or an integer 0 or 1.
func (v *values) bool(i int) bool {
	switch x := v.vals[i].(type) {
	case int64:
		if x == 0 || x == 1 {
			return x == 1
		}
	case bool:
		return x
	}
	v.fail(i, "0 or 1")
	return false
}

// text is a text column, NULL as "".
func (v *values) text(i int) string {
	switch x := v.vals[i].(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	v.fail(i, "text")
	return ""
}

// id is an integer column, NULL as nil.
func (v *values) id(i int) *int64 {
	if v.vals[i] == nil {
		return nil
	}
	n := v.int(i)
	return &n
}

// when is a stored time that is not NULL, in UTC: Unix milliseconds or a
// time.
func (v *values) when(i int) time.Time {
	switch x := v.vals[i].(type) {
	case int64:
		return time.UnixMilli(x).UTC()
	case time.Time:
		return x.UTC()
	}
	v.fail(i, "a time")
	return time.Time{}
}

// time is a stored time, NULL as nil.
func (v *values) time(i int) *time.Time {
	if v.vals[i] == nil {
		return nil
	}
	t := v.when(i)
	return &t
}
