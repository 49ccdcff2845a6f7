package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/sqlstore"
)

// txn is the acct.Tx of one Update (write) or View.
type txn struct {
	// Tx answers the queries shared with the SQLite store
	// (internal/sqlstore): settings, attempt buckets and jobs, through
	// database/sql.
	*sqlstore.Tx
	// tx is the same connection, in the same transaction, through pgx
	// itself: for the queries not yet shared and for COPY.
	tx    pgxConn
	write bool
	fold  string // the COLLATE clause of search, see Store.findFold
}

var _ acct.Tx = (*txn)(nil)

// pgxConn is what the store uses of pgx's connection inside a transaction
// (*pgx.Conn, whose transaction database/sql began).
type pgxConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

var _ pgxConn = (*pgx.Conn)(nil)

// args collects the parameters of a query and names them $1, $2, ….
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// forUpdate is the locking clause of a look-up of accounts: inside Update
// the rows read stay locked, and so current, until the transaction ends.
func (t *txn) forUpdate() string {
	if t.write {
		return " FOR UPDATE"
	}
	return ""
}

// userColumns is the column list that scanUser reads (the shared one of
// internal/sqlstore).
const userColumns = sqlstore.UserColumns

// GetUser finds one account by id, username, email, phone or foreign
// identity. Inside Update it locks the row until the transaction ends.
func (t *txn) GetUser(ctx context.Context, key acct.UserKey) (*acct.UserRecord, error) {
	var where string
	var arg any = key.Value
	switch key.Field {
	case acct.KeyID:
		where, arg = "id = $1", key.ID
	case acct.KeyUsername:
		where = "username = $1"
	case acct.KeyEmail:
		where = "email = $1"
	case acct.KeyPhone:
		where = "phone = $1"
	case acct.KeyForeign:
		where = "foreign_id = $1"
	case acct.KeyReferralCode:
		where = "referral_code = $1"
	default:
		return nil, fmt.Errorf("postgres: get user: unknown key field %q", key.Field)
	}
	if key.Field != acct.KeyID && key.Value == "" {
		return nil, acct.Errorf(acct.CodeNotFound, "no such user") // "" is stored as NULL
	}
	row := t.tx.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE "+where+t.forUpdate(), arg)
	rec, err := scanUser(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return nil, mapError("get user", err)
	}
	return rec, nil
}

// ListUsers returns at most q.Limit accounts with id > q.AfterID that match
// q, in id order. q.Limit must be positive. Inside Update the rows
// returned stay locked until the transaction ends (PostgreSQL checks the
// conditions again on a row that changed while it waited for the lock).
func (t *txn) ListUsers(ctx context.Context, q acct.UserFilter) ([]acct.UserRecord, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("postgres: list users: limit %d, want > 0", q.Limit)
	}
	var a args
	where := []string{"id > " + a.add(q.AfterID)}
	if len(q.Statuses) > 0 {
		where = append(where, statusCondition(&a, q.Statuses, q.Now))
	}
	if q.Search != "" {
		// Both sides are lowered by the database, under the same collation.
		pattern := "%" + sqlstore.EscapeLike(q.Search) + "%"
		cols := []string{"username", "email", "phone", "first_name", "last_name"}
		if q.SearchPrefix {
			pattern, cols = pattern[1:], cols[:3]
		}
		p := "lower(" + a.add(pattern) + "::text" + t.fold + ")"
		var or []string
		for _, col := range cols {
			or = append(or, "lower("+col+t.fold+") LIKE "+p+` ESCAPE '\'`)
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if q.HoldBefore != nil {
		where = append(where, "status = 'held' AND hold_until <= "+a.add(millis(*q.HoldBefore)))
	}
	rows, err := t.tx.Query(ctx, "SELECT "+userColumns+" FROM users WHERE "+
		strings.Join(where, " AND ")+" ORDER BY id LIMIT "+a.add(q.Limit)+t.forUpdate(), a...)
	if err != nil {
		return nil, mapError("list users", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.UserRecord, error) {
		rec, err := scanUser(r)
		if err != nil {
			return acct.UserRecord{}, err
		}
		return *rec, nil
	})
	if err != nil {
		return nil, mapError("list users", err)
	}
	if users == nil {
		users = []acct.UserRecord{}
	}
	return users, nil
}

// statusCondition is ListUsers' condition for accounts in any of statuses.
// When now is not zero, a lock whose locked_until is at or before now has
// lapsed: the account counts as active, not as locked.
func statusCondition(a *args, statuses []acct.Status, now time.Time) string {
	var plain []string
	var or []string
	for _, s := range statuses {
		switch {
		case now.IsZero():
			plain = append(plain, string(s))
		case s == acct.StatusActive:
			plain = append(plain, string(s))
			or = append(or, "(status = 'locked' AND locked_until <= "+a.add(millis(now))+")")
		case s == acct.StatusLocked:
			or = append(or, "(status = 'locked' AND (locked_until IS NULL OR locked_until > "+a.add(millis(now))+"))")
		default:
			plain = append(plain, string(s))
		}
	}
	if len(plain) > 0 {
		or = append([]string{"status = ANY(" + a.add(plain) + ")"}, or...)
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// scanUser reads one row of userColumns.
func scanUser(row pgx.Row) (*acct.UserRecord, error) {
	var rec acct.UserRecord
	var username, email, phone, hash, foreign, referralCode, heldFrom, usernameSkeleton *string
	var status string
	err := row.Scan(&rec.ID, &username, &email, &rec.EmailVerified, &phone, &rec.PhoneVerified,
		&rec.FirstName, &rec.LastName, &rec.Language, &rec.Admin, &status, &rec.HoldUntil, &hash,
		&rec.CreatedAt, &rec.UpdatedAt, &rec.DeletedAt, &foreign, &rec.FailedLogins, &rec.LockedUntil, &rec.LockReason,
		&referralCode, &rec.ReferredBy, &heldFrom, &usernameSkeleton, &rec.Points)
	if err != nil {
		return nil, err
	}
	rec.ReferralCode = deref(referralCode)
	rec.Username, rec.Email, rec.Phone = deref(username), deref(email), deref(phone)
	rec.PasswordHash = deref(hash)
	rec.HasPassword = rec.PasswordHash != ""
	rec.Foreign = deref(foreign)
	rec.Status = acct.Status(status)
	rec.HeldFrom = acct.Status(deref(heldFrom))
	rec.UsernameSkeleton = deref(usernameSkeleton)
	rec.HoldUntil, rec.DeletedAt, rec.LockedUntil = utc(rec.HoldUntil), utc(rec.DeletedAt), utc(rec.LockedUntil)
	rec.CreatedAt, rec.UpdatedAt = rec.CreatedAt.UTC(), rec.UpdatedAt.UTC()
	return &rec, nil
}

// deref reads an optional text: NULL is "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
