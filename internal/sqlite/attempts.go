package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// AttemptsUntil returns when the attempt bucket key is full again, the
// zero time when it has no row.
func (t *txn) AttemptsUntil(ctx context.Context, key string) (time.Time, error) {
	var ms int64
	err := t.tx.QueryRowContext(ctx, "SELECT until_ms FROM attempt_buckets WHERE key = ?", key).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, mapError("read attempt bucket", err)
	}
	return fromMillis(ms), nil
}

// ChargeAttempt adds cost to the bucket key in one guarded UPSERT: its
// until becomes max(until, now)+cost, unless that is after now+window.
// The write transaction (IMMEDIATE) serialises concurrent charges.
func (t *txn) ChargeAttempt(ctx context.Context, key string, cost, window time.Duration, now time.Time) (time.Time, bool, error) {
	if cost > window {
		until, err := t.AttemptsUntil(ctx, key)
		return until, false, err
	}
	var ms int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO attempt_buckets (key, until_ms) VALUES (?1, ?2 + ?3)
		ON CONFLICT (key) DO UPDATE SET until_ms = MAX(attempt_buckets.until_ms, ?2) + ?3
		WHERE MAX(attempt_buckets.until_ms, ?2) + ?3 <= ?2 + ?4
		RETURNING until_ms`,
		key, now.UnixMilli(), cost.Milliseconds(), window.Milliseconds()).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) { // refused: nothing changed
		until, err := t.AttemptsUntil(ctx, key)
		return until, false, err
	}
	if err != nil {
		return time.Time{}, false, mapError("charge attempt bucket", err)
	}
	return fromMillis(ms), true, nil
}

// DeleteAttempts deletes at most limit buckets that are full again at
// now and returns how many it deleted.
func (t *txn) DeleteAttempts(ctx context.Context, now time.Time, limit int) (int64, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM attempt_buckets WHERE key IN
		(SELECT key FROM attempt_buckets WHERE until_ms <= ? ORDER BY until_ms LIMIT ?)`, now.UnixMilli(), limit)
	if err != nil {
		return 0, mapError("delete attempt buckets", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapError("delete attempt buckets", err)
	}
	return n, nil
}
