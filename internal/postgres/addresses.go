package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/acctl/acctl/internal/acct"
)

// addressColumns is the column list that scanAddress reads.
const addressColumns = `seq, user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton`

// addressKeyConstraint is the unique key (kind, value) of addresses;
// addressSkeletonConstraint the unique key (kind, skeleton) of 0009.
const (
	addressKeyConstraint      = "addresses_kind_value_key"
	addressSkeletonConstraint = "addresses_kind_skeleton_key"
)

// addressKeys are the unique keys of addresses whose violation is a
// conflict on an address of the kind.
var addressKeys = map[string]bool{addressKeyConstraint: true, addressSkeletonConstraint: true}

// addressConflict is the conflict on an address of kind that the unique
// key constraint refused.
func addressConflict(kind, constraint string, err error) error {
	msg := kind + " already in use"
	if constraint == addressSkeletonConstraint {
		msg = acct.LookAlikeMessage(kind)
	}
	return &acct.Error{Code: acct.CodeConflict, Field: kind, Message: msg, Err: err}
}

// InsertAddress stores an address and sets rec.Seq. Any rec.Seq given is
// ignored. An address of that kind that any account has already is a
// conflict whose Field is the kind ("email already in use").
func (t *txn) InsertAddress(ctx context.Context, rec *acct.AddressRecord) error {
	if rec.Kind == "" || rec.Value == "" {
		return fmt.Errorf("postgres: insert address: kind and value are required")
	}
	var verifiedAt *time.Time
	if rec.Verified {
		verifiedAt = nullMillis(rec.VerifiedAt)
	}
	err := t.tx.QueryRow(ctx, `INSERT INTO addresses
		(user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
		rec.UserID, string(rec.Kind), rec.Value, rec.Primary, rec.Verified, verifiedAt, millis(rec.CreatedAt),
		nullString(rec.Skeleton)).Scan(&rec.Seq)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == codeUniqueViolation && addressKeys[pe.ConstraintName] {
			return addressConflict(string(rec.Kind), pe.ConstraintName, err)
		}
		return mapError("insert address", err)
	}
	return nil
}

// GetAddress finds the address of kind with value, whichever account has
// it. It takes no lock: Local locks the account first.
func (t *txn) GetAddress(ctx context.Context, kind acct.AddressKind, value string) (*acct.AddressRecord, error) {
	row := t.tx.QueryRow(ctx, "SELECT "+addressColumns+" FROM addresses WHERE kind = $1 AND value = $2",
		string(kind), value)
	rec, err := scanAddress(row)
	if errors.Is(err, pgx.ErrNoRows) {
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
	var a args
	query := "SELECT " + addressColumns + " FROM addresses WHERE user_id = " + a.add(userID)
	if kind != "" {
		query += " AND kind = " + a.add(string(kind))
	}
	// COLLATE "C": the order of kinds must not depend on the database's
	// locale.
	rows, err := t.tx.Query(ctx, query+` ORDER BY kind COLLATE "C", is_primary DESC, seq`, a...)
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
	tag, err := t.tx.Exec(ctx, "DELETE FROM addresses WHERE user_id = $1 AND kind = $2 AND value = $3",
		userID, string(kind), value)
	return affectedOne(tag, err, "delete address")
}

// DeleteAddresses deletes every address of the user.
func (t *txn) DeleteAddresses(ctx context.Context, userID int64) error {
	if _, err := t.tx.Exec(ctx, "DELETE FROM addresses WHERE user_id = $1", userID); err != nil {
		return mapError("delete addresses", err)
	}
	return nil
}

// SetPrimaryAddress makes value the user's primary address of kind: the
// former primary is demoted first, as the partial unique index
// addresses_primary allows one primary per user and kind at any moment.
func (t *txn) SetPrimaryAddress(ctx context.Context, userID int64, kind acct.AddressKind, value string) error {
	var seq int64
	err := t.tx.QueryRow(ctx, "SELECT seq FROM addresses WHERE user_id = $1 AND kind = $2 AND value = $3",
		userID, string(kind), value).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return acct.Errorf(acct.CodeNotFound, "no such address")
	}
	if err != nil {
		return mapError("set primary address", err)
	}
	if _, err := t.tx.Exec(ctx, "UPDATE addresses SET is_primary = false WHERE user_id = $1 AND kind = $2 AND is_primary AND seq <> $3",
		userID, string(kind), seq); err != nil {
		return mapError("set primary address", err)
	}
	tag, err := t.tx.Exec(ctx, "UPDATE addresses SET is_primary = true WHERE seq = $1", seq)
	return affectedOne(tag, err, "set primary address")
}

// SetAddressVerified marks the user's address verified at at (NULL for a
// zero at), keeping the time of an earlier verification.
func (t *txn) SetAddressVerified(ctx context.Context, userID int64, kind acct.AddressKind, value string, at time.Time) error {
	var ms *time.Time
	if !at.IsZero() {
		m := millis(at)
		ms = &m
	}
	tag, err := t.tx.Exec(ctx, `UPDATE addresses SET verified = true,
		verified_at = CASE WHEN verified AND verified_at IS NOT NULL THEN verified_at ELSE $1::timestamptz END
		WHERE user_id = $2 AND kind = $3 AND value = $4`, ms, userID, string(kind), value)
	return affectedOne(tag, err, "set address verified")
}

// affectedOne turns the result of a statement on one address into an
// error: the driver's, or CodeNotFound when no row changed.
func affectedOne(tag pgconn.CommandTag, err error, op string) error {
	if err != nil {
		return mapError(op, err)
	}
	if tag.RowsAffected() == 0 {
		return acct.Errorf(acct.CodeNotFound, "no such address")
	}
	return nil
}

// scanAddress reads one row of addressColumns.
func scanAddress(row pgx.Row) (*acct.AddressRecord, error) {
	var rec acct.AddressRecord
	var kind string
	var createdAt time.Time
	var skeleton *string
	err := row.Scan(&rec.Seq, &rec.UserID, &kind, &rec.Value, &rec.Primary, &rec.Verified, &rec.VerifiedAt, &createdAt, &skeleton)
	if err != nil {
		return nil, err
	}
	rec.Skeleton = deref(skeleton)
	rec.Kind = acct.AddressKind(kind)
	rec.VerifiedAt = utc(rec.VerifiedAt)
	rec.CreatedAt = createdAt.UTC()
	return &rec, nil
}
