package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// AttemptsUntil returns when the attempt bucket key is full again, the
// zero time when it has no row. until_ms is an integer of Unix
// milliseconds in both dialects.
func (t *Tx) AttemptsUntil(ctx context.Context, key string) (time.Time, error) {
	var ms int64
	err := t.queryRow(ctx, "SELECT until_ms FROM attempt_buckets WHERE key = ?", key).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, t.d.MapError("read attempt bucket", err)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// ChargeAttempt adds cost to the bucket key in one guarded UPSERT: its
// until becomes max(until, now)+cost, unless that is after now+window.
// Concurrent charges all count: SQLite's IMMEDIATE write transactions
// follow one another, and PostgreSQL's statement locks the conflicting
// row.
func (t *Tx) ChargeAttempt(ctx context.Context, key string, cost, window time.Duration, now time.Time) (time.Time, bool, error) {
	if cost > window {
		until, err := t.AttemptsUntil(ctx, key)
		return until, false, err
	}
	// The casts tell PostgreSQL the type of a parameter used in
	// arithmetic; in SQLite they are integer affinity, a no-op.
	g := t.d.Greatest
	var ms int64
	err := t.queryRow(ctx, `INSERT INTO attempt_buckets (key, until_ms) VALUES (?1, CAST(?2 AS BIGINT) + CAST(?3 AS BIGINT))
		ON CONFLICT (key) DO UPDATE SET until_ms = `+g+`(attempt_buckets.until_ms, CAST(?2 AS BIGINT)) + CAST(?3 AS BIGINT)
		WHERE `+g+`(attempt_buckets.until_ms, CAST(?2 AS BIGINT)) + CAST(?3 AS BIGINT) <= CAST(?2 AS BIGINT) + CAST(?4 AS BIGINT)
		RETURNING until_ms`,
		key, now.UnixMilli(), cost.Milliseconds(), window.Milliseconds()).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) { // refused: nothing changed
		until, err := t.AttemptsUntil(ctx, key)
		return until, false, err
	}
	if err != nil {
		return time.Time{}, false, t.d.MapError("charge attempt bucket", err)
	}
	return time.UnixMilli(ms).UTC(), true, nil
}

// DeleteAttempts deletes at most limit buckets that are full again at
// now and returns how many it deleted.
func (t *Tx) DeleteAttempts(ctx context.Context, now time.Time, limit int) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM attempt_buckets WHERE key IN
		(SELECT key FROM attempt_buckets WHERE until_ms <= ? ORDER BY until_ms LIMIT ?)`, now.UnixMilli(), limit)
	return t.affected(res, err, "delete attempt buckets")
}
