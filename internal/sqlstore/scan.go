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
	v.user(0, rec)
	clear(s.vals) // keep no value of the row alive
	return v.err
}

// user reads the columns of UserColumns that start at column o into rec.
func (v *values) user(o int, rec *acct.UserRecord) {
	*rec = acct.UserRecord{
		User: acct.User{
			ID: v.int(o + 0), Username: v.text(o + 1), Email: v.text(o + 2), EmailVerified: v.bool(o + 3),
			Phone: v.text(o + 4), PhoneVerified: v.bool(o + 5), FirstName: v.text(o + 6), LastName: v.text(o + 7),
			Language: v.text(o + 8), Admin: v.bool(o + 9), Status: acct.Status(v.text(o + 10)), HoldUntil: v.time(o + 11),
			CreatedAt: v.when(o + 13), UpdatedAt: v.when(o + 14), Foreign: v.text(o + 16),
			FailedLogins: int(v.int(o + 17)), LockedUntil: v.time(o + 18), LockReason: v.text(o + 19),
			ReferralCode: v.text(o + 20), ReferredBy: v.id(o + 21), Points: v.int(o + 24),
		},
		PasswordHash:     v.text(o + 12),
		DeletedAt:        v.time(o + 15),
		HeldFrom:         acct.Status(v.text(o + 22)),
		UsernameSkeleton: v.text(o + 23),
	}
	rec.HasPassword = rec.PasswordHash != ""
}

// sessionUserScanner reads the row of SessionUserQuery.
type sessionUserScanner struct{ rowScanner }

// scan reads the current row into s and u.
func (sc sessionUserScanner) scan(row Row, s *acct.SessionRecord, u *acct.UserRecord) error {
	v, err := sc.next(row)
	if err != nil {
		return err
	}
	v.user(SessionUserSessionColumns, u)
	*s = acct.SessionRecord{Seq: v.int(0), TokenHash: v.blob(2)}
	s.ID, s.UserID, s.Username, s.Email = v.text(1), v.int(3), u.Username, u.Email
	s.CreatedAt, s.LastSeenAt = v.when(4), v.when(5)
	s.ExpiresAt, s.AbsoluteExpiresAt = v.when(6), v.when(7)
	s.Persistent, s.Label, s.EndedAt = v.bool(8), v.text(9), v.time(10)
	clear(sc.vals)
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

// blob is a BLOB (bytea) column, copied: the driver may reuse its bytes.
func (v *values) blob(i int) []byte {
	switch x := v.vals[i].(type) {
	case []byte:
		return append([]byte(nil), x...)
	case string:
		return []byte(x)
	}
	v.fail(i, "a blob")
	return nil
}
