package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// codeColumns is the column list that scanCode reads.
const codeColumns = `seq, public_id, user_id, kind, purpose, mac, channel, destination,
	created_at, expires_at, used_at, voided_at, attempts, issued_by, reason`

// outstandingCode is the condition of a code that can still be used at the
// moment given by the placeholder at: unused, not voided, not expired (a
// code whose expires_at is that moment has expired).
func outstandingCode(at string) string {
	return "used_at IS NULL AND voided_at IS NULL AND expires_at > " + at
}

// InsertCode stores a new one-time code and sets rec.Seq. Any rec.Seq
// given is ignored. A code may be stored already used or voided.
func (t *txn) InsertCode(ctx context.Context, rec *acct.CodeRecord) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO codes (
		public_id, user_id, kind, purpose, mac, channel, destination, created_at, expires_at,
		used_at, voided_at, attempts, issued_by, reason
	) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq`,
		rec.ID, rec.UserID, string(rec.Kind), rec.Purpose, rec.MAC, string(rec.Channel), rec.Destination,
		millis(rec.CreatedAt), millis(rec.ExpiresAt), nullMillis(rec.UsedAt), nullMillis(rec.VoidedAt),
		rec.Attempts, rec.IssuedBy, rec.Reason).Scan(&rec.Seq)
	if err != nil {
		return mapError("insert code", err)
	}
	return nil
}

// GetCode finds one code by public id or MAC (by both when both are
// given). A key with neither finds nothing. It takes no lock: UseCode and
// VoidCodes are guarded, and report what they did.
func (t *txn) GetCode(ctx context.Context, key acct.CodeKey) (*acct.CodeRecord, error) {
	var a args
	var where []string
	if key.ID != "" {
		where = append(where, "public_id = "+a.add(key.ID))
	}
	if len(key.MAC) > 0 {
		where = append(where, "mac = "+a.add(key.MAC))
	}
	if len(where) == 0 {
		return nil, acct.Errorf(acct.CodeNotFound, "no such code")
	}
	row := t.tx.QueryRow(ctx, "SELECT "+codeColumns+" FROM codes WHERE "+strings.Join(where, " AND "), a...)
	rec, err := scanCode(row)
	if errors.Is(err, pgx.ErrNoRows) {
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
		return nil, fmt.Errorf("postgres: list codes: limit %d, want >= 0", q.Limit)
	}
	if q.Outstanding && q.Now.IsZero() {
		return nil, fmt.Errorf("postgres: list codes: outstanding codes need a time (Now)")
	}
	var a args
	var where []string
	if q.UserID != 0 {
		where = append(where, "user_id = "+a.add(q.UserID))
	}
	if len(q.Kinds) > 0 {
		where = append(where, kindIn(&a, q.Kinds))
	}
	if q.Purpose != "" {
		where = append(where, "purpose = "+a.add(q.Purpose))
	}
	if q.Destination != "" {
		where = append(where, "destination = "+a.add(q.Destination))
	}
	if !q.Since.IsZero() {
		where = append(where, "created_at >= "+a.add(millis(q.Since)))
	}
	if q.Outstanding {
		where = append(where, outstandingCode(a.add(millis(q.Now))))
	}
	query := "SELECT " + codeColumns + " FROM codes"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq DESC"
	if q.Limit > 0 {
		query += " LIMIT " + a.add(q.Limit)
	}
	rows, err := t.tx.Query(ctx, query, a...)
	if err != nil {
		return nil, mapError("list codes", err)
	}
	codes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.CodeRecord, error) {
		rec, err := scanCode(r)
		if err != nil {
			return acct.CodeRecord{}, err
		}
		return *rec, nil
	})
	if err != nil {
		return nil, mapError("list codes", err)
	}
	if codes == nil {
		codes = []acct.CodeRecord{}
	}
	return codes, nil
}

// UseCode sets used_at to now on code seq if it is outstanding at now, in
// one guarded statement, and reports whether it did: of many concurrent
// uses exactly one changes the row (the others wait for its lock, then
// find the condition false on the row as it committed).
func (t *txn) UseCode(ctx context.Context, seq int64, now time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx, "UPDATE codes SET used_at = $1 WHERE seq = $2 AND "+outstandingCode("$1"),
		millis(now), seq)
	if err != nil {
		return false, mapError("use code", err)
	}
	return tag.RowsAffected() == 1, nil
}

// FailCodeAttempt counts a wrong guess of code seq if it is outstanding at
// now, in one guarded statement that also sets voided_at to now when the
// new count reaches max. It returns the new count, or 0 when the code was
// not outstanding (or does not exist). Concurrent guesses wait for the
// row's lock and then check the condition again on the row as committed,
// so at most max count and the rest find the code void.
func (t *txn) FailCodeAttempt(ctx context.Context, seq int64, max int, now time.Time) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `UPDATE codes SET attempts = attempts + 1,
		voided_at = CASE WHEN attempts + 1 >= $1 THEN $2 ELSE voided_at END
		WHERE seq = $3 AND `+outstandingCode("$2")+" RETURNING attempts", max, millis(now), seq).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
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
	var a args
	at := a.add(millis(q.At))
	query := "UPDATE codes SET voided_at = " + at + " WHERE user_id = " + a.add(q.UserID) +
		" AND " + outstandingCode(at)
	if len(q.Kinds) > 0 {
		query += " AND " + kindIn(&a, q.Kinds)
	}
	if q.Purpose != "" {
		query += " AND purpose = " + a.add(q.Purpose)
	}
	if len(q.IDs) > 0 {
		query += " AND public_id = ANY(" + a.add(q.IDs) + ")"
	}
	return returnedIDs(ctx, t.tx, query+" RETURNING seq, public_id", a, "void codes")
}

// kindIn is the condition that kind is one of kinds (not empty): an
// equality for one kind, so that an index on (..., kind, seq) returns the
// rows in seq order, which = ANY(...) does not promise.
func kindIn(a *args, kinds []acct.CodeKind) string {
	if len(kinds) == 1 {
		return "kind = " + a.add(string(kinds[0]))
	}
	return "kind = ANY(" + a.add(kindStrings(kinds)) + ")"
}

func kindStrings(kinds []acct.CodeKind) []string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return s
}

// scanCode reads one row of codeColumns.
func scanCode(row pgx.Row) (*acct.CodeRecord, error) {
	var rec acct.CodeRecord
	var kind, channel string
	err := row.Scan(&rec.Seq, &rec.ID, &rec.UserID, &kind, &rec.Purpose, &rec.MAC, &channel, &rec.Destination,
		&rec.CreatedAt, &rec.ExpiresAt, &rec.UsedAt, &rec.VoidedAt, &rec.Attempts, &rec.IssuedBy, &rec.Reason)
	if err != nil {
		return nil, err
	}
	rec.Kind, rec.Channel = acct.CodeKind(kind), acct.Channel(channel)
	rec.CreatedAt, rec.ExpiresAt = rec.CreatedAt.UTC(), rec.ExpiresAt.UTC()
	rec.UsedAt, rec.VoidedAt = utc(rec.UsedAt), utc(rec.VoidedAt)
	return &rec, nil
}
