package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// AttemptsUntil returns when the attempt bucket key is full again, the
// zero time when it has no row.
func (t *txn) AttemptsUntil(ctx context.Context, key string) (time.Time, error) {
	var ms int64
	err := t.tx.QueryRow(ctx, "SELECT until_ms FROM attempt_buckets WHERE key = $1", key).Scan(&ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, mapError("read attempt bucket", err)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// ChargeAttempt adds cost to the bucket key in one guarded INSERT … ON
// CONFLICT DO UPDATE: its until becomes max(until, now)+cost, unless that
// is after now+window. The conflicting row is locked by the statement, so
// concurrent charges from any server all count.
func (t *txn) ChargeAttempt(ctx context.Context, key string, cost, window time.Duration, now time.Time) (time.Time, bool, error) {
	if cost > window {
		until, err := t.AttemptsUntil(ctx, key)
		return until, false, err
	}
	var ms int64
	err := t.tx.QueryRow(ctx, `INSERT INTO attempt_buckets (key, until_ms) VALUES ($1, $2::bigint + $3::bigint)
		ON CONFLICT (key) DO UPDATE SET until_ms = GREATEST(attempt_buckets.until_ms, $2::bigint) + $3::bigint
		WHERE GREATEST(attempt_buckets.until_ms, $2::bigint) + $3::bigint <= $2::bigint + $4::bigint
		RETURNING until_ms`,
		key, now.UnixMilli(), cost.Milliseconds(), window.Milliseconds()).Scan(&ms)
	if errors.Is(err, pgx.ErrNoRows) { // refused: nothing changed
		until, err := t.AttemptsUntil(ctx, key)
		return until, false, err
	}
	if err != nil {
		return time.Time{}, false, mapError("charge attempt bucket", err)
	}
	return time.UnixMilli(ms).UTC(), true, nil
}

// DeleteAttempts deletes at most limit buckets that are full again at
// now and returns how many it deleted.
func (t *txn) DeleteAttempts(ctx context.Context, now time.Time, limit int) (int64, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM attempt_buckets WHERE key IN
		(SELECT key FROM attempt_buckets WHERE until_ms <= $1 ORDER BY until_ms LIMIT $2)`, now.UnixMilli(), limit)
	if err != nil {
		return 0, mapError("delete attempt buckets", err)
	}
	return tag.RowsAffected(), nil
}
