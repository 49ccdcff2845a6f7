package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// sessionColumns is the column list that scanSession reads, from sessions
// as s joined with users as u.
const sessionColumns = `s.seq, s.public_id, s.token_hash, s.user_id, u.username, u.email,
	s.created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at, s.persistent,
	s.label, s.ended_at`

const sessionsFrom = " FROM sessions AS s JOIN users AS u ON u.id = s.user_id"

// InsertSession stores a new session and sets rec.Seq. Any rec.Seq given
// is ignored. A session may be stored already ended (rec.EndedAt set).
func (t *txn) InsertSession(ctx context.Context, rec *acct.SessionRecord) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO sessions (
		public_id, token_hash, user_id, created_at, last_seen_at, expires_at,
		absolute_expires_at, persistent, label, ended_at
	) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
		rec.ID, rec.TokenHash, rec.UserID, millis(rec.CreatedAt), millis(rec.LastSeenAt),
		millis(rec.ExpiresAt), millis(rec.AbsoluteExpiresAt), rec.Persistent, rec.Label,
		nullMillis(rec.EndedAt)).Scan(&rec.Seq)
	if err != nil {
		return mapError("insert session", err)
	}
	return nil
}

// GetSession finds one session by public id or token hash (by both when
// both are given), with its user's username and email. A key with neither
// finds nothing. It takes no lock: the statements that change a session
// are guarded, and report whether they did.
func (t *txn) GetSession(ctx context.Context, key acct.SessionKey) (*acct.SessionRecord, error) {
	var a args
	var where []string
	if key.ID != "" {
		where = append(where, "s.public_id = "+a.add(key.ID))
	}
	if len(key.TokenHash) > 0 {
		where = append(where, "s.token_hash = "+a.add(key.TokenHash))
	}
	if len(where) == 0 {
		return nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	row := t.tx.QueryRow(ctx, "SELECT "+sessionColumns+sessionsFrom+" WHERE "+
		strings.Join(where, " AND "), a...)
	rec, err := scanSession(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	if err != nil {
		return nil, mapError("get session", err)
	}
	return rec, nil
}

// ListSessions returns at most q.Limit sessions that match q, newest
// first, with their users' usernames and emails. Status is left empty in
// the records: the caller computes it.
func (t *txn) ListSessions(ctx context.Context, q acct.SessionFilter) ([]acct.SessionRecord, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("postgres: list sessions: limit %d, want > 0", q.Limit)
	}
	var a args
	var where []string
	if q.UserID != nil {
		where = append(where, "s.user_id = "+a.add(*q.UserID))
	}
	switch q.Status {
	case acct.SessionAll:
	case acct.SessionActive:
		where = append(where, "s.ended_at IS NULL AND s.expires_at > "+a.add(millis(q.Now)))
	case acct.SessionExpired:
		where = append(where, "s.ended_at IS NULL AND s.expires_at <= "+a.add(millis(q.Now)))
	case acct.SessionEnded:
		where = append(where, "s.ended_at IS NOT NULL")
	default:
		return nil, fmt.Errorf("postgres: list sessions: unknown status %q", q.Status)
	}
	query := "SELECT " + sessionColumns + sessionsFrom
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := t.tx.Query(ctx, query+" ORDER BY s.seq DESC LIMIT "+a.add(q.Limit), a...)
	if err != nil {
		return nil, mapError("list sessions", err)
	}
	sessions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.SessionRecord, error) {
		rec, err := scanSession(r)
		if err != nil {
			return acct.SessionRecord{}, err
		}
		return *rec, nil
	})
	if err != nil {
		return nil, mapError("list sessions", err)
	}
	if sessions == nil {
		sessions = []acct.SessionRecord{}
	}
	return sessions, nil
}

// TouchSession sets the last-seen time and idle deadline of session seq
// unless it was ended, and reports whether it changed the session.
func (t *txn) TouchSession(ctx context.Context, seq int64, lastSeen, expires time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx,
		"UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE seq = $3 AND ended_at IS NULL",
		millis(lastSeen), millis(expires), seq)
	if err != nil {
		return false, mapError("touch session", err)
	}
	return tag.RowsAffected() > 0, nil
}

// EndSessions sets ended_at to q.At on the sessions of q.UserID that are
// neither ended nor expired at q.At, only those in q.IDs when it is not
// empty, never q.Except, in one statement. It returns the public ids of
// the sessions it ended, oldest first.
func (t *txn) EndSessions(ctx context.Context, q acct.SessionEnd) ([]string, error) {
	var a args
	at := a.add(millis(q.At))
	query := "UPDATE sessions SET ended_at = " + at + " WHERE user_id = " + a.add(q.UserID) +
		" AND ended_at IS NULL AND expires_at > " + at
	if len(q.IDs) > 0 {
		query += " AND public_id = ANY(" + a.add(q.IDs) + ")"
	}
	if q.Except != "" {
		query += " AND public_id <> " + a.add(q.Except)
	}
	return returnedIDs(ctx, t.tx, query+" RETURNING seq, public_id", a, "end sessions")
}

// returnedIDs runs an UPDATE … RETURNING seq, public_id and returns the
// public ids in seq order (RETURNING has no defined order).
func returnedIDs(ctx context.Context, tx pgxConn, query string, a args, op string) ([]string, error) {
	rows, err := tx.Query(ctx, query, a...)
	if err != nil {
		return nil, mapError(op, err)
	}
	type row struct {
		seq int64
		id  string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var e row
		err := r.Scan(&e.seq, &e.id)
		return e, err
	})
	if err != nil {
		return nil, mapError(op, err)
	}
	slices.SortFunc(all, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
	ids := make([]string, 0, len(all))
	for _, e := range all {
		ids = append(ids, e.id)
	}
	return ids, nil
}

// DeleteSessions deletes at most limit sessions that expired or ended at
// or before cutoff, and returns how many it deleted. Rows that another
// transaction holds (a concurrent purge) are skipped, not waited for.
// limit must be positive.
func (t *txn) DeleteSessions(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("postgres: delete sessions: limit %d, want > 0", limit)
	}
	c := millis(cutoff)
	var total int64
	for _, col := range []string{"expires_at", "ended_at"} {
		tag, err := t.tx.Exec(ctx, `DELETE FROM sessions WHERE seq IN (
			SELECT seq FROM sessions WHERE `+col+` <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
			c, int64(limit)-total)
		if err != nil {
			return total, mapError("delete sessions", err)
		}
		if total += tag.RowsAffected(); total >= int64(limit) {
			break
		}
	}
	return total, nil
}

// scanSession reads one row of sessionColumns.
func scanSession(row pgx.Row) (*acct.SessionRecord, error) {
	var rec acct.SessionRecord
	var username, email *string
	err := row.Scan(&rec.Seq, &rec.ID, &rec.TokenHash, &rec.UserID, &username, &email,
		&rec.CreatedAt, &rec.LastSeenAt, &rec.ExpiresAt, &rec.AbsoluteExpiresAt, &rec.Persistent,
		&rec.Label, &rec.EndedAt)
	if err != nil {
		return nil, err
	}
	rec.Username, rec.Email = deref(username), deref(email)
	rec.CreatedAt, rec.LastSeenAt = rec.CreatedAt.UTC(), rec.LastSeenAt.UTC()
	rec.ExpiresAt, rec.AbsoluteExpiresAt = rec.ExpiresAt.UTC(), rec.AbsoluteExpiresAt.UTC()
	rec.EndedAt = utc(rec.EndedAt)
	return &rec, nil
}
