package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
)

// The account queries that do not differ between the dialects. The rest
// (InsertUser, UpdateUser, GetUser and ListUsers, with PostgreSQL's row
// locks and SQLite's row scanners) are still each dialect's own.

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
