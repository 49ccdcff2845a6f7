package sqlstore

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

// CodeColumns is the column list that scanCode reads. It is exported, as
// is OutstandingCode, for the dialects' tests of the query plans.
const CodeColumns = `seq, public_id, user_id, kind, purpose, mac, channel, destination,
	created_at, expires_at, used_at, voided_at, attempts, issued_by, reason`

// OutstandingCode is the condition of a code that can still be used at a
// moment given as its one argument: unused, not voided, not expired (a code
// whose expires_at is that moment has expired).
const OutstandingCode = "used_at IS NULL AND voided_at IS NULL AND expires_at > ?"

// InsertCode stores a new one-time code and sets rec.Seq. Any rec.Seq
// given is ignored. A code may be stored already used or voided.
func (t *Tx) InsertCode(ctx context.Context, rec *acct.CodeRecord) error {
	seq, err := t.insert(ctx, `INSERT INTO codes (
		public_id, user_id, kind, purpose, mac, channel, destination, created_at, expires_at,
		used_at, voided_at, attempts, issued_by, reason
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "seq",
		rec.ID, rec.UserID, string(rec.Kind), rec.Purpose, rec.MAC, string(rec.Channel), rec.Destination,
		t.d.Time(rec.CreatedAt), t.d.Time(rec.ExpiresAt), t.d.NullTime(rec.UsedAt), t.d.NullTime(rec.VoidedAt),
		rec.Attempts, rec.IssuedBy, rec.Reason)
	if err != nil {
		return t.d.MapError("insert code", err)
	}
	rec.Seq = seq
	return nil
}

// GetCode finds one code by public id or MAC (by both when both are
// given). A key with neither finds nothing. It takes no lock: UseCode and
// VoidCodes are guarded, and report what they did.
func (t *Tx) GetCode(ctx context.Context, key acct.CodeKey) (*acct.CodeRecord, error) {
	var where string
	var args []any
	switch {
	case key.ID != "" && len(key.MAC) > 0:
		where, args = "public_id = ? AND mac = ?", []any{key.ID, key.MAC}
	case key.ID != "":
		where, args = "public_id = ?", []any{key.ID}
	case len(key.MAC) > 0:
		where, args = "mac = ?", []any{key.MAC}
	default:
		return nil, acct.Errorf(acct.CodeNotFound, "no such code")
	}
	var rec acct.CodeRecord
	err := scanCode(t.queryRow(ctx, "SELECT "+CodeColumns+" FROM codes WHERE "+where, args...), &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such code")
	}
	if err != nil {
		return nil, t.d.MapError("get code", err)
	}
	return &rec, nil
}

// ListCodes returns the codes that match q, newest first (in seq order):
// of q.UserID (of any user when it is 0), of q.Kinds, q.Purpose and
// q.Destination when those are not empty, created at or after q.Since when
// it is not zero, and outstanding at q.Now when q.Outstanding. A q.Limit
// of 0 means no limit; a negative one is refused, and so is q.Outstanding
// without q.Now.
func (t *Tx) ListCodes(ctx context.Context, q acct.CodeFilter) ([]acct.CodeRecord, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("%s: list codes: limit %d, want >= 0", t.d.Name, q.Limit)
	}
	if q.Outstanding && q.Now.IsZero() {
		return nil, fmt.Errorf("%s: list codes: outstanding codes need a time (Now)", t.d.Name)
	}
	var where []string
	var args []any
	if q.UserID != 0 {
		where, args = append(where, "user_id = ?"), append(args, q.UserID)
	}
	if len(q.Kinds) > 0 {
		var w string
		w, args = kindIn(q.Kinds, args)
		where = append(where, w)
	}
	if q.Purpose != "" {
		where, args = append(where, "purpose = ?"), append(args, q.Purpose)
	}
	if q.Destination != "" {
		where, args = append(where, "destination = ?"), append(args, q.Destination)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, t.d.Time(q.Since))
	}
	if q.Outstanding {
		where, args = append(where, OutstandingCode), append(args, t.d.Time(q.Now))
	}
	query := "SELECT " + CodeColumns + " FROM codes"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq DESC"
	if q.Limit > 0 {
		query, args = query+" LIMIT ?", append(args, q.Limit)
	}
	rows, err := t.query(ctx, query, args...)
	return collect(t, rows, err, "list codes", func(r *sql.Rows, rec *acct.CodeRecord) error {
		return scanCode(r, rec)
	})
}

// UseCode sets used_at to now on code seq if it is outstanding at now, in
// one guarded statement, and reports whether it did: of many concurrent
// uses, by goroutines, processes or servers, exactly one changes the row
// (SQLite's writers take turns; PostgreSQL's wait for the row's lock, then
// find the condition false on the row as it committed).
func (t *Tx) UseCode(ctx context.Context, seq int64, now time.Time) (bool, error) {
	at := t.d.Time(now)
	res, err := t.exec(ctx, "UPDATE codes SET used_at = ? WHERE seq = ? AND "+OutstandingCode, at, seq, at)
	n, err := t.affected(res, err, "use code")
	return n == 1, err
}

// FailCodeAttempt counts a wrong guess of code seq if it is outstanding at
// now, in one guarded statement that also sets voided_at to now when the
// new count reaches max. It returns the new count, or 0 when the code was
// not outstanding (or does not exist). Of many concurrent guesses each
// sees the row as the one before left it (writers take turns, or wait for
// the row's lock and check the condition again): at most max count, and
// the rest find the code void.
func (t *Tx) FailCodeAttempt(ctx context.Context, seq int64, max int, now time.Time) (int, error) {
	at := t.d.Time(now)
	var n int
	err := t.queryRow(ctx, `UPDATE codes SET attempts = attempts + 1,
		voided_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE voided_at END
		WHERE seq = ? AND `+OutstandingCode+" RETURNING attempts", max, at, seq, at).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, t.d.MapError("count code attempt", err)
	}
	return n, nil
}

// VoidCodes sets voided_at to q.At on the codes of q.UserID that are
// outstanding at q.At, only those of q.Kinds, of q.Purpose and in q.IDs
// when those are not empty, in one statement. It returns the public ids of
// the codes it voided, oldest first.
func (t *Tx) VoidCodes(ctx context.Context, q acct.CodeVoid) ([]string, error) {
	at := t.d.Time(q.At)
	query := "UPDATE codes SET voided_at = ? WHERE user_id = ? AND " + OutstandingCode
	args := []any{at, q.UserID, at}
	if len(q.Kinds) > 0 {
		var w string
		w, args = kindIn(q.Kinds, args)
		query += " AND " + w
	}
	if q.Purpose != "" {
		query, args = query+" AND purpose = ?", append(args, q.Purpose)
	}
	if len(q.IDs) > 0 {
		query += " AND public_id IN (" + marks(len(q.IDs)) + ")"
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	rows, err := t.query(ctx, query+" RETURNING seq, public_id", args...)
	return t.returnedIDs(rows, err, "void codes")
}

// kindIn is the condition that kind is one of kinds (not empty), with its
// arguments appended to args: an equality for one kind, so that an index
// on (…, kind, seq) returns the rows in seq order.
func kindIn(kinds []acct.CodeKind, args []any) (string, []any) {
	if len(kinds) == 1 {
		return "kind = ?", append(args, string(kinds[0]))
	}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	return "kind IN (" + marks(len(kinds)) + ")", args
}

// returnedIDs reads the rows of an UPDATE … RETURNING seq, public_id and
// returns the public ids in seq order (RETURNING has no defined order).
func (t *Tx) returnedIDs(rows *sql.Rows, err error, op string) ([]string, error) {
	type row struct {
		seq int64
		id  string
	}
	all, err := collect(t, rows, err, op, func(r *sql.Rows, e *row) error { return r.Scan(&e.seq, &e.id) })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	ids := make([]string, 0, len(all))
	for _, e := range all {
		ids = append(ids, e.id)
	}
	return ids, nil
}

// scanCode reads one row of CodeColumns into rec.
func scanCode(row interface{ Scan(...any) error }, rec *acct.CodeRecord) error {
	var kind, channel string
	var created, expires, used, voided Millis
	err := row.Scan(&rec.Seq, &rec.ID, &rec.UserID, &kind, &rec.Purpose, &rec.MAC, &channel, &rec.Destination,
		&created, &expires, &used, &voided, &rec.Attempts, &rec.IssuedBy, &rec.Reason)
	if err != nil {
		return err
	}
	rec.Kind, rec.Channel = acct.CodeKind(kind), acct.Channel(channel)
	rec.CreatedAt, rec.ExpiresAt = created.Time, expires.Time
	rec.UsedAt, rec.VoidedAt = used.Ptr(), voided.Ptr()
	return nil
}
