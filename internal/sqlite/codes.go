package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// codeColumns is the column list that scanCode reads.
const codeColumns = `seq, public_id, user_id, kind, purpose, mac, channel, destination,
	created_at, expires_at, used_at, voided_at, attempts, issued_by, reason`

// outstandingCode is the condition of a code that can still be used at a
// moment given as its one argument: unused, not voided, not expired (a code
// whose expires_at is that moment has expired).
const outstandingCode = "used_at IS NULL AND voided_at IS NULL AND expires_at > ?"

// InsertCode stores a new one-time code and sets rec.Seq. Any rec.Seq
// given is ignored. A code may be stored already used or voided.
func (t *txn) InsertCode(ctx context.Context, rec *acct.CodeRecord) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO codes (
		public_id, user_id, kind, purpose, mac, channel, destination, created_at, expires_at,
		used_at, voided_at, attempts, issued_by, reason
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.ID, rec.UserID, string(rec.Kind), rec.Purpose, rec.MAC, string(rec.Channel), rec.Destination,
		rec.CreatedAt.UnixMilli(), rec.ExpiresAt.UnixMilli(), nullTime(rec.UsedAt), nullTime(rec.VoidedAt),
		rec.Attempts, rec.IssuedBy, rec.Reason)
	if err != nil {
		return mapError("insert code", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return mapError("insert code", err)
	}
	rec.Seq = seq
	return nil
}

// GetCode finds one code by public id or MAC (by both when both are
// given). A key with neither finds nothing.
func (t *txn) GetCode(ctx context.Context, key acct.CodeKey) (*acct.CodeRecord, error) {
	var where []string
	var args []any
	if key.ID != "" {
		where, args = append(where, "public_id = ?"), append(args, key.ID)
	}
	if len(key.MAC) > 0 {
		where, args = append(where, "mac = ?"), append(args, key.MAC)
	}
	if len(where) == 0 {
		return nil, acct.Errorf(acct.CodeNotFound, "no such code")
	}
	row := t.tx.QueryRowContext(ctx, "SELECT "+codeColumns+" FROM codes WHERE "+
		strings.Join(where, " AND "), args...)
	rec, err := scanCode(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such code")
	}
	if err != nil {
		return nil, mapError("get code", err)
	}
	return rec, nil
}

// ListCodes returns the codes that match q, newest first (in seq order):
// of q.UserID (of any user when it is 0), of q.Kinds, q.Purpose and
// q.Destination when those are not empty, created at or after q.Since when
// it is not zero, and outstanding at q.Now when q.Outstanding. A q.Limit
// of 0 means no limit; a negative one is refused, and so is q.Outstanding
// without q.Now.
func (t *txn) ListCodes(ctx context.Context, q acct.CodeFilter) ([]acct.CodeRecord, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("sqlite: list codes: limit %d, want >= 0", q.Limit)
	}
	if q.Outstanding && q.Now.IsZero() {
		return nil, fmt.Errorf("sqlite: list codes: outstanding codes need a time (Now)")
	}
	var where []string
	var args []any
	if q.UserID != 0 {
		where, args = append(where, "user_id = ?"), append(args, q.UserID)
	}
	if len(q.Kinds) > 0 {
		where = append(where, "kind IN ("+inList(len(q.Kinds))+")")
		for _, k := range q.Kinds {
			args = append(args, string(k))
		}
	}
	if q.Purpose != "" {
		where, args = append(where, "purpose = ?"), append(args, q.Purpose)
	}
	if q.Destination != "" {
		where, args = append(where, "destination = ?"), append(args, q.Destination)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, q.Since.UnixMilli())
	}
	if q.Outstanding {
		where, args = append(where, outstandingCode), append(args, q.Now.UnixMilli())
	}
	query := "SELECT " + codeColumns + " FROM codes"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq DESC"
	if q.Limit > 0 {
		query, args = query+" LIMIT ?", append(args, q.Limit)
	}
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapError("list codes", err)
	}
	defer rows.Close()
	codes := []acct.CodeRecord{}
	for rows.Next() {
		rec, err := scanCode(rows)
		if err != nil {
			return nil, mapError("list codes", err)
		}
		codes = append(codes, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list codes", err)
	}
	return codes, nil
}

// UseCode sets used_at to now on code seq if it is outstanding at now, in
// one guarded statement, and reports whether it did: of many concurrent
// uses, by goroutines or processes, exactly one changes the row.
func (t *txn) UseCode(ctx context.Context, seq int64, now time.Time) (bool, error) {
	at := now.UnixMilli()
	res, err := t.tx.ExecContext(ctx,
		"UPDATE codes SET used_at = ? WHERE seq = ? AND "+outstandingCode, at, seq, at)
	if err != nil {
		return false, mapError("use code", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mapError("use code", err)
	}
	return n == 1, nil
}

// FailCodeAttempt counts a wrong guess of code seq if it is outstanding at
// now, in one guarded statement that also sets voided_at to now when the
// new count reaches max. It returns the new count, or 0 when the code was
// not outstanding (or does not exist). Writers take turns (IMMEDIATE
// transactions), so of many concurrent guesses each sees the row as the
// one before left it: at most max count, and the rest find it void.
func (t *txn) FailCodeAttempt(ctx context.Context, seq int64, max int, now time.Time) (int, error) {
	at := now.UnixMilli()
	var n int
	err := t.tx.QueryRowContext(ctx, `UPDATE codes SET attempts = attempts + 1,
		voided_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE voided_at END
		WHERE seq = ? AND `+outstandingCode+" RETURNING attempts", max, at, seq, at).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, mapError("count code attempt", err)
	}
	return n, nil
}

// VoidCodes sets voided_at to q.At on the codes of q.UserID that are
// outstanding at q.At, only those of q.Kinds, of q.Purpose and in q.IDs
// when those are not empty, in one statement. It returns the public ids of
// the codes it voided, oldest first.
func (t *txn) VoidCodes(ctx context.Context, q acct.CodeVoid) ([]string, error) {
	at := q.At.UnixMilli()
	query := "UPDATE codes SET voided_at = ? WHERE user_id = ? AND " + outstandingCode
	args := []any{at, q.UserID, at}
	if len(q.Kinds) > 0 {
		query += " AND kind IN (" + inList(len(q.Kinds)) + ")"
		for _, k := range q.Kinds {
			args = append(args, string(k))
		}
	}
	if q.Purpose != "" {
		query, args = query+" AND purpose = ?", append(args, q.Purpose)
	}
	if len(q.IDs) > 0 {
		query += " AND public_id IN (" + inList(len(q.IDs)) + ")"
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	rows, err := t.tx.QueryContext(ctx, query+" RETURNING seq, public_id", args...)
	if err != nil {
		return nil, mapError("void codes", err)
	}
	defer rows.Close()
	type voided struct {
		seq int64
		id  string
	}
	var all []voided
	for rows.Next() {
		var v voided
		if err := rows.Scan(&v.seq, &v.id); err != nil {
			return nil, mapError("void codes", err)
		}
		all = append(all, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("void codes", err)
	}
	// RETURNING has no defined order.
	slices.SortFunc(all, func(a, b voided) int { return cmp.Compare(a.seq, b.seq) })
	ids := make([]string, 0, len(all))
	for _, v := range all {
		ids = append(ids, v.id)
	}
	return ids, nil
}

// inList returns n comma-separated placeholders for an IN list.
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// scanCode reads one row of codeColumns.
func scanCode(row interface{ Scan(...any) error }) (*acct.CodeRecord, error) {
	var rec acct.CodeRecord
	var kind, channel string
	var created, expires int64
	var used, voided sql.NullInt64
	err := row.Scan(&rec.Seq, &rec.ID, &rec.UserID, &kind, &rec.Purpose, &rec.MAC, &channel, &rec.Destination,
		&created, &expires, &used, &voided, &rec.Attempts, &rec.IssuedBy, &rec.Reason)
	if err != nil {
		return nil, err
	}
	rec.Kind, rec.Channel = acct.CodeKind(kind), acct.Channel(channel)
	rec.CreatedAt, rec.ExpiresAt = fromMillis(created), fromMillis(expires)
	rec.UsedAt, rec.VoidedAt = nullTimeValue(used), nullTimeValue(voided)
	return &rec, nil
}
