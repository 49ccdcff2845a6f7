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

// sessionColumns is the column list that scanSession reads, from sessions
// as s joined with users as u.
const sessionColumns = `s.seq, s.public_id, s.token_hash, s.user_id, u.username, u.email,
	s.created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at, s.persistent,
	s.label, s.ended_at`

const sessionsFrom = " FROM sessions AS s JOIN users AS u ON u.id = s.user_id"

// InsertSession stores a new session and sets rec.Seq. Any rec.Seq given
// is ignored. A session may be stored already ended (rec.EndedAt set).
func (t *txn) InsertSession(ctx context.Context, rec *acct.SessionRecord) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO sessions (
		public_id, token_hash, user_id, created_at, last_seen_at, expires_at,
		absolute_expires_at, persistent, label, ended_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.ID, rec.TokenHash, rec.UserID, rec.CreatedAt.UnixMilli(), rec.LastSeenAt.UnixMilli(),
		rec.ExpiresAt.UnixMilli(), rec.AbsoluteExpiresAt.UnixMilli(), rec.Persistent, rec.Label,
		nullTime(rec.EndedAt))
	if err != nil {
		return mapError("insert session", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return mapError("insert session", err)
	}
	rec.Seq = seq
	return nil
}

// GetSession finds one session by public id or token hash (by both when
// both are given), with its user's username and email. A key with neither
// finds nothing.
func (t *txn) GetSession(ctx context.Context, key acct.SessionKey) (*acct.SessionRecord, error) {
	var where []string
	var args []any
	if key.ID != "" {
		where, args = append(where, "s.public_id = ?"), append(args, key.ID)
	}
	if len(key.TokenHash) > 0 {
		where, args = append(where, "s.token_hash = ?"), append(args, key.TokenHash)
	}
	if len(where) == 0 {
		return nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	row := t.tx.QueryRowContext(ctx, "SELECT "+sessionColumns+sessionsFrom+" WHERE "+
		strings.Join(where, " AND "), args...)
	rec, err := scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
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
		return nil, fmt.Errorf("sqlite: list sessions: limit %d, want > 0", q.Limit)
	}
	var where []string
	var args []any
	if q.UserID != nil {
		where, args = append(where, "s.user_id = ?"), append(args, *q.UserID)
	}
	now := q.Now.UnixMilli()
	switch q.Status {
	case acct.SessionAll:
	case acct.SessionActive:
		where, args = append(where, "s.ended_at IS NULL AND s.expires_at > ?"), append(args, now)
	case acct.SessionExpired:
		where, args = append(where, "s.ended_at IS NULL AND s.expires_at <= ?"), append(args, now)
	case acct.SessionEnded:
		where = append(where, "s.ended_at IS NOT NULL")
	default:
		return nil, fmt.Errorf("sqlite: list sessions: unknown status %q", q.Status)
	}
	query := "SELECT " + sessionColumns + sessionsFrom
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := t.tx.QueryContext(ctx, query+" ORDER BY s.seq DESC LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, mapError("list sessions", err)
	}
	defer rows.Close()
	sessions := []acct.SessionRecord{}
	for rows.Next() {
		rec, err := scanSession(rows)
		if err != nil {
			return nil, mapError("list sessions", err)
		}
		sessions = append(sessions, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list sessions", err)
	}
	return sessions, nil
}

// TouchSession sets the last-seen time and idle deadline of session seq
// unless it was ended, and reports whether it changed the session.
func (t *txn) TouchSession(ctx context.Context, seq int64, lastSeen, expires time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx,
		"UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE seq = ? AND ended_at IS NULL",
		lastSeen.UnixMilli(), expires.UnixMilli(), seq)
	if err != nil {
		return false, mapError("touch session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mapError("touch session", err)
	}
	return n > 0, nil
}

// EndSessions sets ended_at to q.At on the sessions of q.UserID that are
// neither ended nor expired at q.At, only those in q.IDs when it is not
// empty, never q.Except, in one statement. It returns the public ids of
// the sessions it ended, oldest first.
func (t *txn) EndSessions(ctx context.Context, q acct.SessionEnd) ([]string, error) {
	at := q.At.UnixMilli()
	query := `UPDATE sessions SET ended_at = ?
		WHERE user_id = ? AND ended_at IS NULL AND expires_at > ?`
	args := []any{at, q.UserID, at}
	if len(q.IDs) > 0 {
		query += " AND public_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(q.IDs)), ", ") + ")"
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	if q.Except != "" {
		query += " AND public_id <> ?"
		args = append(args, q.Except)
	}
	rows, err := t.tx.QueryContext(ctx, query+" RETURNING seq, public_id", args...)
	if err != nil {
		return nil, mapError("end sessions", err)
	}
	defer rows.Close()
	type ended struct {
		seq int64
		id  string
	}
	var all []ended
	for rows.Next() {
		var e ended
		if err := rows.Scan(&e.seq, &e.id); err != nil {
			return nil, mapError("end sessions", err)
		}
		all = append(all, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("end sessions", err)
	}
	// RETURNING has no defined order.
	slices.SortFunc(all, func(a, b ended) int { return cmp.Compare(a.seq, b.seq) })
	ids := make([]string, 0, len(all))
	for _, e := range all {
		ids = append(ids, e.id)
	}
	return ids, nil
}

// purgeCache is the page cache of the write connection, in KiB (negative,
// as in writeCache), while DeleteSessions runs. A batch of a large purge
// deletes entries all over the random-keyed token and id indexes, which
// have 23,000 pages at 1,000,000 sessions: in writeCache's 64 MiB the
// batch's dirty pages overflow the cache, are spilled to the WAL and
// written again at the commit. With 128 MiB a purge of 500,000 of
// 1,000,000 sessions is about a tenth faster. The memory is taken only as
// pages are read, and handed back at the commit.
const purgeCache = "-131072"

// DeleteSessions deletes at most limit sessions that expired or ended at
// or before cutoff, and returns how many it deleted. Each of the two
// statements walks one index (sessions_expires_at, then the partial
// sessions_ended_at) from its start: the rows it deletes leave the index,
// so batch after batch costs the same. It runs with the page cache at
// purgeCache and sets back the connection's own before it returns: the
// dirty pages stay until the commit, the clean ones beyond the smaller
// cache go then. limit must be positive.
func (t *txn) DeleteSessions(ctx context.Context, cutoff time.Time, limit int) (total int64, err error) {
	if limit <= 0 {
		return 0, fmt.Errorf("sqlite: delete sessions: limit %d, want > 0", limit)
	}
	var cache string
	if err := t.tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return 0, mapError("delete sessions: read the page cache size", err)
	}
	if _, err := t.tx.ExecContext(ctx, "PRAGMA cache_size = "+purgeCache); err != nil {
		return 0, mapError("delete sessions: set the page cache size", err)
	}
	defer func() {
		_, rerr := t.tx.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = "+cache)
		if rerr != nil && err == nil {
			err = mapError("delete sessions: restore the page cache size", rerr)
		}
	}()
	c := cutoff.UnixMilli()
	for _, col := range []string{"expires_at", "ended_at"} {
		res, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE seq IN (
			SELECT seq FROM sessions WHERE `+col+` <= ? LIMIT ?)`, c, int64(limit)-total)
		if err != nil {
			return total, mapError("delete sessions", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, mapError("delete sessions", err)
		}
		if total += n; total >= int64(limit) {
			break
		}
	}
	return total, nil
}

// scanSession reads one row of sessionColumns.
func scanSession(row interface{ Scan(...any) error }) (*acct.SessionRecord, error) {
	var rec acct.SessionRecord
	var username, email sql.NullString
	var created, lastSeen, expires, absolute int64
	var ended sql.NullInt64
	err := row.Scan(&rec.Seq, &rec.ID, &rec.TokenHash, &rec.UserID, &username, &email,
		&created, &lastSeen, &expires, &absolute, &rec.Persistent, &rec.Label, &ended)
	if err != nil {
		return nil, err
	}
	rec.Username, rec.Email = username.String, email.String
	rec.CreatedAt, rec.LastSeenAt = fromMillis(created), fromMillis(lastSeen)
	rec.ExpiresAt, rec.AbsoluteExpiresAt = fromMillis(expires), fromMillis(absolute)
	rec.EndedAt = nullTimeValue(ended)
	return &rec, nil
}
