package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// addressColumns is the column list that scanAddress reads.
const addressColumns = `seq, user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton`

// InsertAddress stores an address and sets rec.Seq. Any rec.Seq given is
// ignored. An address of that kind that any account has already is a
// conflict whose Field is the kind ("email already in use").
func (t *txn) InsertAddress(ctx context.Context, rec *acct.AddressRecord) error {
	if rec.Kind == "" || rec.Value == "" {
		return fmt.Errorf("sqlite: insert address: kind and value are required")
	}
	var verifiedAt sql.NullInt64
	if rec.Verified {
		verifiedAt = nullTime(rec.VerifiedAt)
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO addresses
		(user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.UserID, string(rec.Kind), rec.Value, rec.Primary, rec.Verified, verifiedAt, rec.CreatedAt.UnixMilli(),
		nullString(rec.Skeleton))
	if err != nil {
		return addressConflict(rec.Kind, mapError("insert address", err))
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return mapError("insert address", err)
	}
	rec.Seq = seq
	return nil
}

// addressConflict names the kind of address in a violation of the unique
// key (kind, value), which SQLite reports as "addresses.kind,
// addresses.value", or of (kind, skeleton): an address that looks like one
// in use.
func addressConflict(kind acct.AddressKind, err error) error {
	var e *acct.Error
	if errors.As(err, &e) && e.Code == acct.CodeConflict && e.Field == "kind" {
		msg := string(kind) + " already in use"
		if e.Err != nil && strings.Contains(e.Err.Error(), "addresses.skeleton") {
			msg = acct.LookAlikeMessage(string(kind))
		}
		return &acct.Error{Code: acct.CodeConflict, Field: string(kind), Message: msg, Err: e.Err}
	}
	return err
}

// GetAddress finds the address of kind with value, whichever account has
// it.
func (t *txn) GetAddress(ctx context.Context, kind acct.AddressKind, value string) (*acct.AddressRecord, error) {
	row := t.tx.QueryRowContext(ctx, "SELECT "+addressColumns+" FROM addresses WHERE kind = ? AND value = ?",
		string(kind), value)
	rec, err := scanAddress(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such address")
	}
	if err != nil {
		return nil, mapError("get address", err)
	}
	return rec, nil
}

// ListAddresses returns the user's addresses of kind ("" for all): emails
// before phones, the primary first within a kind, then in seq order.
func (t *txn) ListAddresses(ctx context.Context, userID int64, kind acct.AddressKind) ([]acct.AddressRecord, error) {
	query := "SELECT " + addressColumns + " FROM addresses WHERE user_id = ?"
	args := []any{userID}
	if kind != "" {
		query, args = query+" AND kind = ?", append(args, string(kind))
	}
	rows, err := t.tx.QueryContext(ctx, query+" ORDER BY kind, is_primary DESC, seq", args...)
	if err != nil {
		return nil, mapError("list addresses", err)
	}
	defer rows.Close()
	out := []acct.AddressRecord{}
	for rows.Next() {
		rec, err := scanAddress(rows)
		if err != nil {
			return nil, mapError("list addresses", err)
		}
		out = append(out, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list addresses", err)
	}
	return out, nil
}

// DeleteAddress deletes one address of the user.
func (t *txn) DeleteAddress(ctx context.Context, userID int64, kind acct.AddressKind, value string) error {
	res, err := t.tx.ExecContext(ctx, "DELETE FROM addresses WHERE user_id = ? AND kind = ? AND value = ?",
		userID, string(kind), value)
	return affectedOne(res, err, "delete address")
}

// DeleteAddresses deletes every address of the user.
func (t *txn) DeleteAddresses(ctx context.Context, userID int64) error {
	if _, err := t.tx.ExecContext(ctx, "DELETE FROM addresses WHERE user_id = ?", userID); err != nil {
		return mapError("delete addresses", err)
	}
	return nil
}

// SetPrimaryAddress makes value the user's primary address of kind: the
// former primary is demoted first, as the partial unique index
// addresses_primary allows one primary per user and kind at any moment.
func (t *txn) SetPrimaryAddress(ctx context.Context, userID int64, kind acct.AddressKind, value string) error {
	var seq int64
	err := t.tx.QueryRowContext(ctx, "SELECT seq FROM addresses WHERE user_id = ? AND kind = ? AND value = ?",
		userID, string(kind), value).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return acct.Errorf(acct.CodeNotFound, "no such address")
	}
	if err != nil {
		return mapError("set primary address", err)
	}
	if _, err := t.tx.ExecContext(ctx, "UPDATE addresses SET is_primary = 0 WHERE user_id = ? AND kind = ? AND is_primary = 1 AND seq <> ?",
		userID, string(kind), seq); err != nil {
		return mapError("set primary address", err)
	}
	res, err := t.tx.ExecContext(ctx, "UPDATE addresses SET is_primary = 1 WHERE seq = ?", seq)
	return affectedOne(res, err, "set primary address")
}

// SetAddressVerified marks the user's address verified at at (NULL for a
// zero at), keeping the time of an earlier verification.
func (t *txn) SetAddressVerified(ctx context.Context, userID int64, kind acct.AddressKind, value string, at time.Time) error {
	var ms sql.NullInt64
	if !at.IsZero() {
		ms = sql.NullInt64{Int64: at.UnixMilli(), Valid: true}
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE addresses SET verified = 1,
		verified_at = CASE WHEN verified = 1 AND verified_at IS NOT NULL THEN verified_at ELSE ? END
		WHERE user_id = ? AND kind = ? AND value = ?`, ms, userID, string(kind), value)
	return affectedOne(res, err, "set address verified")
}

// affectedOne turns the result of a statement on one address into an
// error: the driver's, or CodeNotFound when no row changed.
func affectedOne(res sql.Result, err error, op string) error {
	if err != nil {
		return mapError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapError(op, err)
	}
	if n == 0 {
		return acct.Errorf(acct.CodeNotFound, "no such address")
	}
	return nil
}

// scanAddress reads one row of addressColumns.
func scanAddress(row interface{ Scan(...any) error }) (*acct.AddressRecord, error) {
	var rec acct.AddressRecord
	if err := newAddressScanner().scan(row, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}
