package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// AddressColumns is the column list that scanAddress reads. It is exported
// for the dialects' bulk reads (import.go) and tests of the query plans.
const AddressColumns = `seq, user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton`

// The unique keys of addresses, as Dialect.UniqueKey names them: a
// violation of either is a conflict on an address of the kind.
const (
	addressValueKey    = "addresses(kind,value)"
	addressSkeletonKey = "addresses(kind,skeleton)" // 0009: looks like one in use
)

// AddressConflict turns err, from a statement that inserts addresses of
// kind, into the error the acct layer expects: a violation of the unique
// key (kind, value) is a conflict whose Field is the kind ("email already
// in use"), one of (kind, skeleton) a conflict on a look-alike; anything
// else is MapError's, with op.
func (d *Dialect) AddressConflict(kind acct.AddressKind, op string, err error) error {
	switch d.UniqueKey(err) {
	case addressValueKey:
		return &acct.Error{Code: acct.CodeConflict, Field: string(kind), Message: string(kind) + " already in use", Err: err}
	case addressSkeletonKey:
		return &acct.Error{Code: acct.CodeConflict, Field: string(kind), Message: acct.LookAlikeMessage(string(kind)), Err: err}
	}
	return d.MapError(op, err)
}

// InsertAddress stores an address and sets rec.Seq. Any rec.Seq given is
// ignored. An address of that kind that any account has already is a
// conflict whose Field is the kind ("email already in use").
func (t *Tx) InsertAddress(ctx context.Context, rec *acct.AddressRecord) error {
	if rec.Kind == "" || rec.Value == "" {
		return fmt.Errorf("%s: insert address: kind and value are required", t.d.Name)
	}
	var verifiedAt any
	if rec.Verified {
		verifiedAt = t.d.NullTime(rec.VerifiedAt)
	}
	seq, err := t.insert(ctx, `INSERT INTO addresses
		(user_id, kind, value, is_primary, verified, verified_at, created_at, skeleton)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, "seq",
		rec.UserID, string(rec.Kind), rec.Value, rec.Primary, rec.Verified, verifiedAt, t.d.Time(rec.CreatedAt),
		NullText(rec.Skeleton))
	if err != nil {
		return t.d.AddressConflict(rec.Kind, "insert address", err)
	}
	rec.Seq = seq
	return nil
}

// GetAddress finds the address of kind with value, whichever account has
// it. It takes no lock: Local locks the account first.
func (t *Tx) GetAddress(ctx context.Context, kind acct.AddressKind, value string) (*acct.AddressRecord, error) {
	var rec acct.AddressRecord
	err := scanAddress(t.queryRow(ctx, "SELECT "+AddressColumns+" FROM addresses WHERE kind = ? AND value = ?",
		string(kind), value), &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such address")
	}
	if err != nil {
		return nil, t.d.MapError("get address", err)
	}
	return &rec, nil
}

// ListAddresses returns the user's addresses of kind ("" for all): emails
// before phones (in byte order, whatever the database's locale), the
// primary first within a kind, then in seq order.
func (t *Tx) ListAddresses(ctx context.Context, userID int64, kind acct.AddressKind) ([]acct.AddressRecord, error) {
	query := "SELECT " + AddressColumns + " FROM addresses WHERE user_id = ?"
	args := []any{userID}
	if kind != "" {
		query, args = query+" AND kind = ?", append(args, string(kind))
	}
	rows, err := t.query(ctx, query+" ORDER BY kind"+t.d.Binary+", is_primary DESC, seq", args...)
	return collect(t, rows, err, "list addresses", func(r *sql.Rows, rec *acct.AddressRecord) error {
		return scanAddress(r, rec)
	})
}

// DeleteAddress deletes one address of the user.
func (t *Tx) DeleteAddress(ctx context.Context, userID int64, kind acct.AddressKind, value string) error {
	res, err := t.exec(ctx, "DELETE FROM addresses WHERE user_id = ? AND kind = ? AND value = ?",
		userID, string(kind), value)
	return t.affectedOne(res, err, "delete address")
}

// DeleteAddresses deletes every address of the user.
func (t *Tx) DeleteAddresses(ctx context.Context, userID int64) error {
	if _, err := t.exec(ctx, "DELETE FROM addresses WHERE user_id = ?", userID); err != nil {
		return t.d.MapError("delete addresses", err)
	}
	return nil
}

// SetPrimaryAddress makes value the user's primary address of kind: the
// former primary is demoted first, as the partial unique index
// addresses_primary allows one primary per user and kind at any moment.
func (t *Tx) SetPrimaryAddress(ctx context.Context, userID int64, kind acct.AddressKind, value string) error {
	var seq int64
	err := t.queryRow(ctx, "SELECT seq FROM addresses WHERE user_id = ? AND kind = ? AND value = ?",
		userID, string(kind), value).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return acct.Errorf(acct.CodeNotFound, "no such address")
	}
	if err != nil {
		return t.d.MapError("set primary address", err)
	}
	if _, err := t.exec(ctx, "UPDATE addresses SET is_primary = "+t.d.False+" WHERE user_id = ? AND kind = ? AND is_primary = "+
		t.d.True+" AND seq <> ?", userID, string(kind), seq); err != nil {
		return t.d.MapError("set primary address", err)
	}
	res, err := t.exec(ctx, "UPDATE addresses SET is_primary = "+t.d.True+" WHERE seq = ?", seq)
	return t.affectedOne(res, err, "set primary address")
}

// SetAddressVerified marks the user's address verified at at (NULL for a
// zero at), keeping the time of an earlier verification.
func (t *Tx) SetAddressVerified(ctx context.Context, userID int64, kind acct.AddressKind, value string, at time.Time) error {
	var ms any
	if !at.IsZero() {
		ms = t.d.Time(at)
	}
	res, err := t.exec(ctx, `UPDATE addresses SET verified = `+t.d.True+`,
		verified_at = CASE WHEN verified = `+t.d.True+` AND verified_at IS NOT NULL THEN verified_at ELSE CAST(? AS `+t.d.TimeType+`) END
		WHERE user_id = ? AND kind = ? AND value = ?`, ms, userID, string(kind), value)
	return t.affectedOne(res, err, "set address verified")
}

// affectedOne turns the result of a statement on one address into an
// error: the driver's, or CodeNotFound when no row changed.
func (t *Tx) affectedOne(res sql.Result, err error, op string) error {
	n, err := t.affected(res, err, op)
	if err != nil {
		return err
	}
	if n == 0 {
		return acct.Errorf(acct.CodeNotFound, "no such address")
	}
	return nil
}

// scanAddress reads one row of AddressColumns into rec.
func scanAddress(row interface{ Scan(...any) error }, rec *acct.AddressRecord) error {
	var kind string
	var skeleton sql.NullString
	var verifiedAt, createdAt Millis
	err := row.Scan(&rec.Seq, &rec.UserID, &kind, &rec.Value, &rec.Primary, &rec.Verified, &verifiedAt, &createdAt, &skeleton)
	if err != nil {
		return err
	}
	rec.Kind = acct.AddressKind(kind)
	rec.VerifiedAt, rec.CreatedAt = verifiedAt.Ptr(), createdAt.Time
	rec.Skeleton = skeleton.String
	return nil
}
