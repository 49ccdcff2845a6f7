package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// SessionColumns is the column list that scanSession reads, from
// SessionsFrom: sessions as s joined with users as u. Both are exported for
// the dialects' tests of the query plans.
const SessionColumns = `s.seq, s.public_id, s.token_hash, s.user_id, u.username, u.email,
	s.created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at, s.persistent,
	s.label, s.ended_at`

// SessionsFrom is the FROM clause of SessionColumns.
const SessionsFrom = " FROM sessions AS s JOIN users AS u ON u.id = s.user_id"

// SessionUserQuery selects the session of a token hash and its user in
// one row: the session's own columns (SessionColumns but the user's
// username and email), then UserColumns of u. A dialect that implements
// acct.SessionUserTx reads it with its user scanner.
var SessionUserQuery = "SELECT s.seq, s.public_id, s.token_hash, s.user_id, s.created_at, s.last_seen_at, " +
	"s.expires_at, s.absolute_expires_at, s.persistent, s.label, s.ended_at, " + prefixColumns("u.", UserColumns) +
	SessionsFrom + " WHERE s.token_hash = ?"

// SessionUserSessionColumns is the number of the session's columns that
// start a row of SessionUserQuery.
const SessionUserSessionColumns = 11

// prefixColumns returns the comma-separated column list cols with each
// name prefixed by p.
func prefixColumns(p, cols string) string {
	names := strings.Split(cols, ",")
	for i, n := range names {
		names[i] = p + strings.TrimSpace(n)
	}
	return strings.Join(names, ", ")
}

// InsertSession stores a new session and sets rec.Seq. Any rec.Seq given
// is ignored. A session may be stored already ended (rec.EndedAt set).
func (t *Tx) InsertSession(ctx context.Context, rec *acct.SessionRecord) error {
	seq, err := t.insert(ctx, `INSERT INTO sessions (
		public_id, token_hash, user_id, created_at, last_seen_at, expires_at,
		absolute_expires_at, persistent, label, ended_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "seq",
		rec.ID, rec.TokenHash, rec.UserID, t.d.Time(rec.CreatedAt), t.d.Time(rec.LastSeenAt),
		t.d.Time(rec.ExpiresAt), t.d.Time(rec.AbsoluteExpiresAt), rec.Persistent, rec.Label,
		t.d.NullTime(rec.EndedAt))
	if err != nil {
		return t.d.MapError("insert session", err)
	}
	rec.Seq = seq
	return nil
}

// GetSession finds one session by public id or token hash (by both when
// both are given), with its user's username and email. A key with neither
// finds nothing. It takes no lock: the statements that change a session
// are guarded, and report whether they did.
func (t *Tx) GetSession(ctx context.Context, key acct.SessionKey) (*acct.SessionRecord, error) {
	var where string
	var args []any
	switch {
	case key.ID != "" && len(key.TokenHash) > 0:
		where, args = "s.public_id = ? AND s.token_hash = ?", []any{key.ID, key.TokenHash}
	case key.ID != "":
		where, args = "s.public_id = ?", []any{key.ID}
	case len(key.TokenHash) > 0:
		where, args = "s.token_hash = ?", []any{key.TokenHash}
	default:
		return nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	var rec acct.SessionRecord
	err := scanSession(t.queryRow(ctx, "SELECT "+SessionColumns+SessionsFrom+" WHERE "+where, args...), &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	if err != nil {
		return nil, t.d.MapError("get session", err)
	}
	return &rec, nil
}

// ListSessions returns at most q.Limit sessions that match q, newest
// first, with their users' usernames and emails. Status is left empty in
// the records: the caller computes it.
func (t *Tx) ListSessions(ctx context.Context, q acct.SessionFilter) ([]acct.SessionRecord, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("%s: list sessions: limit %d, want > 0", t.d.Name, q.Limit)
	}
	var where []string
	var args []any
	if q.UserID != nil {
		where, args = append(where, "s.user_id = ?"), append(args, *q.UserID)
	}
	switch q.Status {
	case acct.SessionAll:
	case acct.SessionActive:
		where, args = append(where, "s.ended_at IS NULL AND s.expires_at > ?"), append(args, t.d.Time(q.Now))
	case acct.SessionExpired:
		where, args = append(where, "s.ended_at IS NULL AND s.expires_at <= ?"), append(args, t.d.Time(q.Now))
	case acct.SessionEnded:
		where = append(where, "s.ended_at IS NOT NULL")
	default:
		return nil, fmt.Errorf("%s: list sessions: unknown status %q", t.d.Name, q.Status)
	}
	query := "SELECT " + SessionColumns + SessionsFrom
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := t.query(ctx, query+" ORDER BY s.seq DESC LIMIT ?", append(args, q.Limit)...)
	return collect(t, rows, err, "list sessions", func(r *sql.Rows, rec *acct.SessionRecord) error {
		return scanSession(r, rec)
	})
}

// TouchSession sets the last-seen time and idle deadline of session seq
// unless it was ended, and reports whether it changed the session.
func (t *Tx) TouchSession(ctx context.Context, seq int64, lastSeen, expires time.Time) (bool, error) {
	res, err := t.exec(ctx,
		"UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE seq = ? AND ended_at IS NULL",
		t.d.Time(lastSeen), t.d.Time(expires), seq)
	n, err := t.affected(res, err, "touch session")
	return n > 0, err
}

// EndSessions sets ended_at to q.At on the sessions of q.UserID that are
// neither ended nor expired at q.At, only those in q.IDs when it is not
// empty, never q.Except, in one statement. It returns the public ids of
// the sessions it ended, oldest first.
func (t *Tx) EndSessions(ctx context.Context, q acct.SessionEnd) ([]string, error) {
	at := t.d.Time(q.At)
	query := `UPDATE sessions SET ended_at = ?
		WHERE user_id = ? AND ended_at IS NULL AND expires_at > ?`
	args := []any{at, q.UserID, at}
	if len(q.IDs) > 0 {
		query += " AND public_id IN (" + marks(len(q.IDs)) + ")"
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	if q.Except != "" {
		query += " AND public_id <> ?"
		args = append(args, q.Except)
	}
	rows, err := t.query(ctx, query+" RETURNING seq, public_id", args...)
	return t.returnedIDs(rows, err, "end sessions")
}

// DeleteSessions deletes at most limit sessions that expired or ended at
// or before cutoff, and returns how many it deleted. Each of the two
// statements walks one index (sessions_expires_at, then the partial
// sessions_ended_at) from its start: the rows it deletes leave the index,
// so batch after batch costs the same. On PostgreSQL, rows that another
// transaction holds (a concurrent purge) are skipped, not waited for.
// limit must be positive. (SQLite's store wraps it in a larger page
// cache.)
func (t *Tx) DeleteSessions(ctx context.Context, cutoff time.Time, limit int) (int64, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("%s: delete sessions: limit %d, want > 0", t.d.Name, limit)
	}
	c := t.d.Time(cutoff)
	var total int64
	for _, col := range []string{"expires_at", "ended_at"} {
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE seq IN (
			SELECT seq FROM sessions WHERE `+col+` <= ? LIMIT ?`+t.d.SkipLocked+`)`,
			c, int64(limit)-total)
		n, err := t.affected(res, err, "delete sessions")
		if err != nil {
			return total, err
		}
		if total += n; total >= int64(limit) {
			break
		}
	}
	return total, nil
}

// scanSession reads one row of SessionColumns into rec.
func scanSession(row interface{ Scan(...any) error }, rec *acct.SessionRecord) error {
	var username, email sql.NullString
	var created, lastSeen, expires, absolute, ended Millis
	err := row.Scan(&rec.Seq, &rec.ID, &rec.TokenHash, &rec.UserID, &username, &email,
		&created, &lastSeen, &expires, &absolute, &rec.Persistent, &rec.Label, &ended)
	if err != nil {
		return err
	}
	rec.Username, rec.Email = username.String, email.String
	rec.CreatedAt, rec.LastSeenAt = created.Time, lastSeen.Time
	rec.ExpiresAt, rec.AbsoluteExpiresAt = expires.Time, absolute.Time
	rec.EndedAt = ended.Ptr()
	return nil
}

var _ acct.SessionUserTx = (*Tx)(nil)

// sessionUserColumns is the number of columns of SessionUserQuery.
var sessionUserColumns = SessionUserSessionColumns + strings.Count(UserColumns, ",") + 1

// GetSessionUser finds the session of tokenHash and its user in one query
// (acct.SessionUserTx): a session's validation reads one row, not two.
func (t *Tx) GetSessionUser(ctx context.Context, tokenHash []byte) (*acct.SessionRecord, *acct.UserRecord, error) {
	if len(tokenHash) == 0 {
		return nil, nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	var s acct.SessionRecord
	var u acct.UserRecord
	sc := sessionUserScanner{newRowScanner(sessionUserColumns)}
	err := sc.scan(t.q.QueryRowContext(ctx, t.d.Rebind(SessionUserQuery), tokenHash), &s, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, acct.Errorf(acct.CodeNotFound, "no such session")
	}
	if err != nil {
		return nil, nil, t.d.MapError("get session and user", err)
	}
	return &s, &u, nil
}
