package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The account queries. A look-up of accounts inside a write transaction
// of a dialect with row locks (PostgreSQL) ends with Dialect.ForUpdate,
// so that the rows read stay current until the transaction ends; rows are
// read with the scanners of scan.go, made for long reads such as an
// export.

// userWhere is GetUser's condition for each field of a key.
var userWhere = map[acct.KeyField]string{
	acct.KeyID:           "id = ?",
	acct.KeyUsername:     "username = ?",
	acct.KeyEmail:        "email = ?",
	acct.KeyPhone:        "phone = ?",
	acct.KeyForeign:      "foreign_id = ?",
	acct.KeyReferralCode: "referral_code = ?",
}

// GetUser finds one account by id, username, email, phone, foreign
// identity or referral code. Inside a write transaction of a dialect with
// row locks it locks the row until the transaction ends.
func (t *Tx) GetUser(ctx context.Context, key acct.UserKey) (*acct.UserRecord, error) {
	where, ok := userWhere[key.Field]
	if !ok {
		return nil, fmt.Errorf("%s: get user: unknown key field %q", t.d.Name, key.Field)
	}
	var arg any = key.Value
	if key.Field == acct.KeyID {
		arg = key.ID
	} else if key.Value == "" {
		return nil, acct.Errorf(acct.CodeNotFound, "no such user") // "" is stored as NULL
	}
	var rec acct.UserRecord
	err := NewUserScanner().Scan(t.queryRow(ctx, "SELECT "+UserColumns+" FROM users WHERE "+where+t.forUpdate(), arg), &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return nil, t.d.MapError("get user", err)
	}
	return &rec, nil
}

// ListUsers returns at most q.Limit accounts with id > q.AfterID that match
// q, in id order. q.Limit must be positive. Inside a write transaction of
// a dialect with row locks the rows returned stay locked until the
// transaction ends (PostgreSQL checks the conditions again on a row that
// changed while it waited for the lock).
//
// Search lowers both sides with Dialect.Lower (under the transaction's
// collation, TxOptions.Collate) and matches with LIKE.
func (t *Tx) ListUsers(ctx context.Context, q acct.UserFilter) ([]acct.UserRecord, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("%s: list users: limit %d, want > 0", t.d.Name, q.Limit)
	}
	where := []string{"id > ?"}
	args := []any{q.AfterID}
	if len(q.Statuses) > 0 {
		w, a := t.d.StatusCondition(q.Statuses, q.Now)
		where, args = append(where, w), append(args, a...)
	}
	if q.Search != "" {
		var or []string
		pattern := "%" + EscapeLike(q.Search) + "%"
		cols := []string{"username", "email", "phone", "first_name", "last_name"}
		if q.SearchPrefix {
			pattern, cols = pattern[1:], cols[:3]
		}
		lowered := t.d.Lower + "(CAST(? AS TEXT)" + t.opts.Collate + ")"
		for _, col := range cols {
			or = append(or, t.d.Lower+"("+col+t.opts.Collate+") LIKE "+lowered+` ESCAPE '\'`)
			args = append(args, pattern)
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if q.MFA != acct.MFAAny {
		where = append(where, MFACondition(q.MFA, "users.id"))
	}
	if q.HoldBefore != nil {
		where = append(where, "status = 'held' AND hold_until <= ?")
		args = append(args, t.d.Time(*q.HoldBefore))
	}
	args = append(args, q.Limit)
	rows, err := t.query(ctx, "SELECT "+UserColumns+" FROM users WHERE "+
		strings.Join(where, " AND ")+" ORDER BY id LIMIT ?"+t.forUpdate(), args...)
	return t.collectUsers(rows, err, "list users", min(q.Limit, 4096))
}

// collectUsers reads every row of rows, of UserColumns, and closes rows;
// errors are mapped with op.
func (t *Tx) collectUsers(rows *sql.Rows, err error, op string, capacity int) ([]acct.UserRecord, error) {
	if err != nil {
		return nil, t.d.MapError(op, err)
	}
	defer rows.Close()
	users := make([]acct.UserRecord, 0, capacity)
	sc := NewUserScanner()
	for rows.Next() {
		users = append(users, acct.UserRecord{})
		if err := sc.Scan(rows, &users[len(users)-1]); err != nil {
			return nil, t.d.MapError(op, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError(op, err)
	}
	return users, nil
}

// StatusCondition is ListUsers' condition for accounts in any of statuses.
// When now is not zero, a lock whose locked_until is at or before now has
// lapsed: the account counts as active, not as locked.
//
// A condition on several states is written with Dialect.NoIndex before
// the column ("+status" in SQLite), which keeps SQLite from the
// users_status index: for it SQLite reads every matching row after the
// cursor from each state's part of the index and sorts them by id, for
// every page (an export of 100,000 accounts in pages of 2,000 took 2.0 s,
// 0.9 s without it); the primary key gives them in id order, so a page
// stops at its limit. One state keeps the index, whose rows of a state
// are in id order already.
func (d *Dialect) StatusCondition(statuses []acct.Status, now time.Time) (string, []any) {
	var plain []any
	var or []string
	var args []any
	col := "status"
	if len(statuses) > 1 || (!now.IsZero() && slices.Contains(statuses, acct.StatusActive)) {
		col = d.NoIndex + "status"
	}
	for _, s := range statuses {
		switch {
		case now.IsZero():
			plain = append(plain, string(s))
		case s == acct.StatusActive:
			plain = append(plain, string(s))
			or = append(or, "("+col+" = 'locked' AND locked_until <= ?)")
			args = append(args, d.Time(now))
		case s == acct.StatusLocked:
			or = append(or, "("+col+" = 'locked' AND (locked_until IS NULL OR locked_until > ?))")
			args = append(args, d.Time(now))
		default:
			plain = append(plain, string(s))
		}
	}
	if len(plain) > 0 {
		or = append([]string{col + " IN (" + marks(len(plain)) + ")"}, or...)
		args = append(plain, args...)
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// AddLoginFailure adds one to the account's failed-login count in one
// statement, so that concurrent failures all count, and returns the new
// count.
func (t *Tx) AddLoginFailure(ctx context.Context, userID int64) (int, error) {
	var n int
	err := t.queryRow(ctx,
		"UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins",
		userID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return 0, t.d.MapError("add login failure", err)
	}
	return n, nil
}

// ListPasswordHashes returns the id, password hash ("" for none) and
// SCRAM verifier's hash tag (nil for none) of at most limit accounts with id > afterID, purged ones aside, in id order:
// only the two columns, so that counting a large store reads little.
func (t *Tx) ListPasswordHashes(ctx context.Context, afterID int64, limit int) ([]acct.UserHash, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%s: list password hashes: limit %d, want > 0", t.d.Name, limit)
	}
	rows, err := t.query(ctx, `SELECT u.id, coalesce(u.password_hash, ''), v.hash_tag FROM users u
		LEFT JOIN scram_verifiers v ON v.user_id = u.id
		WHERE u.id > ? AND u.status <> 'deleted' ORDER BY u.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, t.d.MapError("list password hashes", err)
	}
	defer rows.Close()
	out := make([]acct.UserHash, 0, min(limit, 1024))
	for rows.Next() {
		var u acct.UserHash
		if err := rows.Scan(&u.ID, &u.Hash, &u.ScramTag); err != nil {
			return nil, t.d.MapError("list password hashes", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError("list password hashes", err)
	}
	return out, nil
}

// UserColumns is the column list that the dialects' user scanners read.
// points comes last: it is read with the account but written only by
// AddPoints.
const UserColumns = `id, username, email, email_verified, phone, phone_verified,
	first_name, last_name, language, admin, status, hold_until, password_hash,
	created_at, updated_at, deleted_at, foreign_id, failed_logins, locked_until, lock_reason,
	referral_code, referred_by, held_from, username_skeleton, points`

// UserArgs are rec's values for the columns of UserColumns after id, but
// for points, as the dialect stores them: "" and nil as NULL. The bulk
// inserts of the dialects (prepared statements, COPY) use them too.
func (d *Dialect) UserArgs(rec *acct.UserRecord) []any {
	var referredBy any
	if rec.ReferredBy != nil {
		referredBy = *rec.ReferredBy
	}
	return []any{
		NullText(rec.Username), NullText(rec.Email), rec.EmailVerified,
		NullText(rec.Phone), rec.PhoneVerified,
		rec.FirstName, rec.LastName, rec.Language, rec.Admin, string(rec.Status),
		d.NullTime(rec.HoldUntil), NullText(rec.PasswordHash),
		d.Time(rec.CreatedAt), d.Time(rec.UpdatedAt), d.NullTime(rec.DeletedAt),
		NullText(rec.Foreign), rec.FailedLogins, d.NullTime(rec.LockedUntil), rec.LockReason,
		NullText(rec.ReferralCode), referredBy, NullText(string(rec.HeldFrom)),
		NullText(rec.UsernameSkeleton),
	}
}

// InsertUser stores a new account and sets rec.ID. Any rec.ID given is
// ignored: ids come from the database and are never reused.
func (t *Tx) InsertUser(ctx context.Context, rec *acct.UserRecord) error {
	id, err := t.insert(ctx, `INSERT INTO users (
		username, email, email_verified, phone, phone_verified,
		first_name, last_name, language, admin, status, hold_until, password_hash,
		created_at, updated_at, deleted_at, foreign_id, failed_logins, locked_until, lock_reason,
		referral_code, referred_by, held_from, username_skeleton
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "id", t.d.UserArgs(rec)...)
	if err != nil {
		return t.d.MapError("insert user", err)
	}
	rec.ID = id
	return nil
}

// UpdateUser overwrites the stored account rec.ID with rec.
func (t *Tx) UpdateUser(ctx context.Context, rec *acct.UserRecord) error {
	res, err := t.exec(ctx, `UPDATE users SET
		username = ?, email = ?, email_verified = ?, phone = ?, phone_verified = ?,
		first_name = ?, last_name = ?, language = ?, admin = ?, status = ?,
		hold_until = ?, password_hash = ?, created_at = ?, updated_at = ?, deleted_at = ?,
		foreign_id = ?, failed_logins = ?, locked_until = ?, lock_reason = ?,
		referral_code = ?, referred_by = ?, held_from = ?, username_skeleton = ?
		WHERE id = ?`, append(t.d.UserArgs(rec), rec.ID)...)
	n, err := t.affected(res, err, "update user")
	if err != nil {
		return err
	}
	if n == 0 {
		return acct.Errorf(acct.CodeNotFound, "no such user")
	}
	return nil
}
