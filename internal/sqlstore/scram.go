package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The SCRAM-SHA-256 verifiers and login challenges (migration
// 0013_scram). Times are integers of Unix milliseconds in both dialects.

// GetScramVerifier returns the verifier of account userID, CodeNotFound
// when it has none.
func (t *Tx) GetScramVerifier(ctx context.Context, userID int64) (*acct.ScramRecord, error) {
	r := acct.ScramRecord{UserID: userID}
	err := t.queryRow(ctx, "SELECT verifier, hash_tag FROM scram_verifiers WHERE user_id = ?", userID).
		Scan(&r.Verifier, &r.HashTag)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "user %d has no scram verifier", userID)
	}
	if err != nil {
		return nil, t.d.MapError("get scram verifier", err)
	}
	return &r, nil
}

// PutScramVerifier stores rec as the verifier of its account, replacing
// any it had.
func (t *Tx) PutScramVerifier(ctx context.Context, rec *acct.ScramRecord) error {
	_, err := t.exec(ctx, `INSERT INTO scram_verifiers (user_id, verifier, hash_tag) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET verifier = excluded.verifier, hash_tag = excluded.hash_tag`,
		rec.UserID, rec.Verifier, rec.HashTag)
	if err != nil {
		return t.d.MapError("put scram verifier", err)
	}
	return nil
}

// DeleteScramVerifier deletes the verifier of account userID, if any.
func (t *Tx) DeleteScramVerifier(ctx context.Context, userID int64) error {
	if _, err := t.exec(ctx, "DELETE FROM scram_verifiers WHERE user_id = ?", userID); err != nil {
		return t.d.MapError("delete scram verifier", err)
	}
	return nil
}

// ListScramVerifiers returns the verifiers of the accounts with ids from
// fromID to toID (both included), in id order.
func (t *Tx) ListScramVerifiers(ctx context.Context, fromID, toID int64) ([]acct.ScramRecord, error) {
	rows, err := t.query(ctx, `SELECT user_id, verifier, hash_tag FROM scram_verifiers
		WHERE user_id >= ? AND user_id <= ? ORDER BY user_id`, fromID, toID)
	if err != nil {
		return nil, t.d.MapError("list scram verifiers", err)
	}
	defer rows.Close()
	var out []acct.ScramRecord
	for rows.Next() {
		var r acct.ScramRecord
		if err := rows.Scan(&r.UserID, &r.Verifier, &r.HashTag); err != nil {
			return nil, t.d.MapError("list scram verifiers", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError("list scram verifiers", err)
	}
	return out, nil
}

// challengeColumns is what a challenge row is read as.
const challengeColumns = "id, user_id, name, client_first, server_first, created_ms, expires_ms, used_ms"

// InsertChallenge stores a new login challenge; an id in use is a
// CodeConflict.
func (t *Tx) InsertChallenge(ctx context.Context, rec *acct.ChallengeRecord) error {
	var userID any
	if rec.UserID != 0 {
		userID = rec.UserID
	}
	_, err := t.exec(ctx, "INSERT INTO scram_challenges ("+challengeColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
		rec.ID, userID, rec.Name, rec.ClientFirst, rec.ServerFirst, rec.CreatedAt.UnixMilli(), rec.ExpiresAt.UnixMilli())
	if err != nil {
		return t.d.MapError("insert challenge", err)
	}
	return nil
}

// ConsumeChallenge marks challenge id used at now in one guarded UPDATE
// … RETURNING, only while it is unused and not expired at now, and
// returns it: of concurrent consumers exactly one gets it, the others
// (and any later one) CodeNotFound.
func (t *Tx) ConsumeChallenge(ctx context.Context, id string, now time.Time) (*acct.ChallengeRecord, error) {
	var r acct.ChallengeRecord
	var userID sql.NullInt64
	var created, expires int64
	var used sql.NullInt64
	err := t.queryRow(ctx, `UPDATE scram_challenges SET used_ms = ?1
		WHERE id = ?2 AND used_ms IS NULL AND expires_ms > ?1
		RETURNING `+challengeColumns, now.UnixMilli(), id).
		Scan(&r.ID, &userID, &r.Name, &r.ClientFirst, &r.ServerFirst, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no outstanding challenge %q", id)
	}
	if err != nil {
		return nil, t.d.MapError("consume challenge", err)
	}
	r.UserID = userID.Int64
	r.CreatedAt, r.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	if used.Valid {
		u := time.UnixMilli(used.Int64).UTC()
		r.UsedAt = &u
	}
	return &r, nil
}

// DeleteChallenges deletes at most limit challenges that expired at or
// before now, used or not, and returns how many it deleted.
func (t *Tx) DeleteChallenges(ctx context.Context, now time.Time, limit int) (int64, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("%s: delete challenges: limit %d, want > 0", t.d.Name, limit)
	}
	res, err := t.exec(ctx, `DELETE FROM scram_challenges WHERE id IN
		(SELECT id FROM scram_challenges WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?)`, now.UnixMilli(), limit)
	return t.affected(res, err, "delete challenges")
}
