package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The queries of second factors (migration 0014_mfa): factors, recovery
// codes and the logins that wait for a code.

const mfaFactorColumns = `user_id, kind, status, secret, algorithm, digits, period, last_step,
	created_at, confirmed_at, last_used_at`

// PutMFAFactor stores rec as the account's factor, replacing any: a
// delete and an insert, in the caller's write transaction.
func (t *Tx) PutMFAFactor(ctx context.Context, rec *acct.MFAFactorRecord) error {
	if _, err := t.exec(ctx, "DELETE FROM mfa_factors WHERE user_id = ?", rec.UserID); err != nil {
		return t.d.MapError("replace second factor", err)
	}
	_, err := t.exec(ctx, `INSERT INTO mfa_factors (`+mfaFactorColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.UserID, rec.Kind, string(rec.Status), rec.Secret, rec.Algorithm, rec.Digits, rec.Period, rec.LastStep,
		t.d.Time(rec.CreatedAt), t.d.NullTime(rec.ConfirmedAt), t.d.NullTime(rec.LastUsedAt))
	if err != nil {
		return t.d.MapError("insert second factor", err)
	}
	return nil
}

// GetMFAFactor returns the account's factor, CodeNotFound for none.
func (t *Tx) GetMFAFactor(ctx context.Context, userID int64) (*acct.MFAFactorRecord, error) {
	var rec acct.MFAFactorRecord
	var status string
	var created, confirmed, used Millis
	err := t.queryRow(ctx, "SELECT "+mfaFactorColumns+" FROM mfa_factors WHERE user_id = ?", userID).Scan(
		&rec.UserID, &rec.Kind, &status, &rec.Secret, &rec.Algorithm, &rec.Digits, &rec.Period, &rec.LastStep,
		&created, &confirmed, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "user %d has no second factor", userID)
	}
	if err != nil {
		return nil, t.d.MapError("get second factor", err)
	}
	rec.Status, rec.CreatedAt, rec.ConfirmedAt, rec.LastUsedAt = acct.MFAStatus(status), created.Time, confirmed.Ptr(), used.Ptr()
	return &rec, nil
}

// ListMFAUsers returns the ids from fromID to toID of the accounts that
// have a factor, in id order.
func (t *Tx) ListMFAUsers(ctx context.Context, fromID, toID int64) ([]int64, error) {
	rows, err := t.query(ctx, "SELECT user_id FROM mfa_factors WHERE user_id >= ? AND user_id <= ? ORDER BY user_id", fromID, toID)
	if err != nil {
		return nil, t.d.MapError("list accounts with a second factor", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, t.d.MapError("list accounts with a second factor", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError("list accounts with a second factor", err)
	}
	return ids, nil
}

// AdvanceMFAStep is the compare-and-set of a factor's last step: one
// guarded UPDATE, so that of concurrent uses of one step's code exactly
// one changes the row (SQLite's writers follow one another; PostgreSQL
// re-checks the condition on the row a concurrent writer committed).
func (t *Tx) AdvanceMFAStep(ctx context.Context, userID, step int64, activate bool, at time.Time) (bool, error) {
	q := "UPDATE mfa_factors SET last_step = ?, last_used_at = ?"
	args := []any{step, t.d.Time(at)}
	if activate {
		q += ", status = 'active', confirmed_at = ?"
		args = append(args, t.d.Time(at))
	}
	q += " WHERE user_id = ? AND last_step < ?"
	args = append(args, userID, step)
	if activate {
		q += " AND status = 'pending'"
	}
	res, err := t.exec(ctx, q, args...)
	n, err := t.affected(res, err, "advance second factor step")
	return n == 1, err
}

// DeleteMFA deletes the account's factor, recovery codes and waiting
// logins.
func (t *Tx) DeleteMFA(ctx context.Context, userID int64) (bool, error) {
	for _, table := range []string{"mfa_recovery_codes", "mfa_tokens"} {
		if _, err := t.exec(ctx, "DELETE FROM "+table+" WHERE user_id = ?", userID); err != nil {
			return false, t.d.MapError("delete second factor", err)
		}
	}
	res, err := t.exec(ctx, "DELETE FROM mfa_factors WHERE user_id = ?", userID)
	n, err := t.affected(res, err, "delete second factor")
	return n > 0, err
}

// ReplaceRecoveryCodes deletes the account's recovery codes and stores
// macs instead.
func (t *Tx) ReplaceRecoveryCodes(ctx context.Context, userID int64, macs [][]byte, at time.Time) error {
	if _, err := t.exec(ctx, "DELETE FROM mfa_recovery_codes WHERE user_id = ?", userID); err != nil {
		return t.d.MapError("replace recovery codes", err)
	}
	for _, m := range macs {
		if _, err := t.exec(ctx, "INSERT INTO mfa_recovery_codes (user_id, mac, created_at) VALUES (?, ?, ?)",
			userID, m, t.d.Time(at)); err != nil {
			return t.d.MapError("insert recovery code", err)
		}
	}
	return nil
}

// UseRecoveryCode marks an unused recovery code used in one guarded
// UPDATE.
func (t *Tx) UseRecoveryCode(ctx context.Context, userID int64, mac []byte, at time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE mfa_recovery_codes SET used_at = ?
		WHERE user_id = ? AND mac = ? AND used_at IS NULL`, t.d.Time(at), userID, mac)
	n, err := t.affected(res, err, "use recovery code")
	return n == 1, err
}

// ListRecoveryCodes returns the account's recovery codes, in MAC order.
func (t *Tx) ListRecoveryCodes(ctx context.Context, userID int64) ([]acct.RecoveryCodeRecord, error) {
	rows, err := t.query(ctx, "SELECT mac, created_at, used_at FROM mfa_recovery_codes WHERE user_id = ? ORDER BY mac", userID)
	return collect(t, rows, err, "list recovery codes", func(rows *sql.Rows, r *acct.RecoveryCodeRecord) error {
		var created, used Millis
		if err := rows.Scan(&r.MAC, &created, &used); err != nil {
			return err
		}
		r.CreatedAt, r.UsedAt = created.Time, used.Ptr()
		return nil
	})
}

// InsertMFAToken stores a waiting login.
func (t *Tx) InsertMFAToken(ctx context.Context, rec *acct.MFATokenRecord) error {
	_, err := t.exec(ctx, `INSERT INTO mfa_tokens (token_hash, user_id, keep, label, detail, created_at, expires_at, used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, rec.TokenHash, rec.UserID, rec.Keep, rec.Label, rec.Detail,
		t.d.Time(rec.CreatedAt), t.d.Time(rec.ExpiresAt), t.d.NullTime(rec.UsedAt))
	if err != nil {
		return t.d.MapError("insert mfa token", err)
	}
	return nil
}

// GetMFAToken finds a waiting login by token hash.
func (t *Tx) GetMFAToken(ctx context.Context, tokenHash []byte) (*acct.MFATokenRecord, error) {
	var rec acct.MFATokenRecord
	var created, expires, used Millis
	err := t.queryRow(ctx, `SELECT token_hash, user_id, keep, label, detail, created_at, expires_at, used_at
		FROM mfa_tokens WHERE token_hash = ?`, tokenHash).Scan(
		&rec.TokenHash, &rec.UserID, &rec.Keep, &rec.Label, &rec.Detail, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such mfa token")
	}
	if err != nil {
		return nil, t.d.MapError("get mfa token", err)
	}
	rec.CreatedAt, rec.ExpiresAt, rec.UsedAt = created.Time, expires.Time, used.Ptr()
	return &rec, nil
}

// UseMFAToken marks a waiting login used in one guarded UPDATE.
func (t *Tx) UseMFAToken(ctx context.Context, tokenHash []byte, now time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE mfa_tokens SET used_at = ?
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, t.d.Time(now), tokenHash, t.d.Time(now))
	n, err := t.affected(res, err, "use mfa token")
	return n == 1, err
}

// DeleteMFATokens deletes at most limit waiting logins that expired at or
// before cutoff.
func (t *Tx) DeleteMFATokens(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM mfa_tokens WHERE token_hash IN
		(SELECT token_hash FROM mfa_tokens WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`, t.d.Time(cutoff), limit)
	return t.affected(res, err, "delete mfa tokens")
}

// MFACondition is the condition on users (as the table, unaliased, or
// as alias) that keeps accounts with (with) or without an active second
// factor, for the dialects' ListUsers.
func MFACondition(f acct.MFAFilter, idColumn string) string {
	q := "EXISTS (SELECT 1 FROM mfa_factors AS mf WHERE mf.user_id = " + idColumn + " AND mf.status = 'active')"
	if f == acct.MFAWithout {
		return "NOT " + q
	}
	return q
}
