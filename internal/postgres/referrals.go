package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// AddPoints adds delta to the account's points in one guarded statement:
// only while the balance stays at or above 0. The UPDATE takes the row
// lock and evaluates its condition on the newest version of the row, so
// concurrent changes all count and none overdraws. When the guard holds
// it back, the current balance is read and returned with ok false.
func (t *txn) AddPoints(ctx context.Context, userID, delta int64) (int64, bool, error) {
	var balance int64
	err := t.tx.QueryRow(ctx,
		"UPDATE users SET points = points + $2 WHERE id = $1 AND points + $2 >= 0 RETURNING points",
		userID, delta).Scan(&balance)
	if err == nil {
		return balance, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, mapError("add points", err)
	}
	err = t.tx.QueryRow(ctx, "SELECT points FROM users WHERE id = $1", userID).Scan(&balance)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return 0, false, mapError("add points", err)
	}
	return balance, false, nil
}

// InsertPointsEntry appends a row to the points ledger and sets e.ID.
func (t *txn) InsertPointsEntry(ctx context.Context, e *acct.PointsEntry) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO points_ledger
		(user_id, delta, balance, reason, actor, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.UserID, e.Delta, e.Balance, e.Reason, e.Actor, millis(e.At)).Scan(&e.ID)
	if err != nil {
		return mapError("insert points entry", err)
	}
	return nil
}

// ListPointsEntries returns at most q.Limit ledger rows of q.UserID, with
// id < q.BeforeID when that is not 0, newest first.
func (t *txn) ListPointsEntries(ctx context.Context, q acct.PointsFilter) ([]acct.PointsEntry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("postgres: list points entries: limit %d, want > 0", q.Limit)
	}
	var a args
	query := "SELECT id, user_id, delta, balance, reason, actor, at FROM points_ledger WHERE user_id = " + a.add(q.UserID)
	if q.BeforeID != 0 {
		query += " AND id < " + a.add(q.BeforeID)
	}
	query += " ORDER BY id DESC LIMIT " + a.add(q.Limit)
	rows, err := t.tx.Query(ctx, query, a...)
	if err != nil {
		return nil, mapError("list points entries", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.PointsEntry, error) {
		var e acct.PointsEntry
		err := r.Scan(&e.ID, &e.UserID, &e.Delta, &e.Balance, &e.Reason, &e.Actor, &e.At)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, mapError("list points entries", err)
	}
	if es == nil {
		es = []acct.PointsEntry{}
	}
	return es, nil
}

// InsertPreregistration puts p.Email on the waiting list and sets p.ID;
// the unique constraint makes an address already on it a conflict.
func (t *txn) InsertPreregistration(ctx context.Context, p *acct.Preregistration) error {
	err := t.tx.QueryRow(ctx,
		"INSERT INTO preregistrations (email, created_at, created_by) VALUES ($1, $2, $3) RETURNING id",
		p.Email, millis(p.CreatedAt), p.CreatedBy).Scan(&p.ID)
	if err != nil {
		return mapError("insert preregistration", err)
	}
	return nil
}

// ListPreregistrations returns at most q.Limit entries with id >
// q.AfterID, in id order.
func (t *txn) ListPreregistrations(ctx context.Context, q acct.PreregFilter) ([]acct.Preregistration, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("postgres: list preregistrations: limit %d, want > 0", q.Limit)
	}
	rows, err := t.tx.Query(ctx,
		"SELECT id, email, created_at, created_by FROM preregistrations WHERE id > $1 ORDER BY id LIMIT $2",
		q.AfterID, q.Limit)
	if err != nil {
		return nil, mapError("list preregistrations", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.Preregistration, error) {
		var p acct.Preregistration
		err := r.Scan(&p.ID, &p.Email, &p.CreatedAt, &p.CreatedBy)
		p.CreatedAt = p.CreatedAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, mapError("list preregistrations", err)
	}
	if ps == nil {
		ps = []acct.Preregistration{}
	}
	return ps, nil
}

// DeletePreregistration takes email off the waiting list and returns the
// id of its entry, 0 when it was not on it.
//
// Under READ COMMITTED a DELETE does not see, and so does not wait for, a
// row that a concurrent transaction inserted but has not committed: a
// pre-registration racing this registration could then commit after it
// and stay on the list. So the address is first claimed with an INSERT …
// ON CONFLICT DO NOTHING, which waits on the unique index for such a
// transaction to end (and makes a pre-registration that comes later wait
// for this one, then see the account: see Local.Preregister); the DELETE,
// a new statement with a new snapshot, then sees the row either way.
func (t *txn) DeletePreregistration(ctx context.Context, email string) (*acct.Preregistration, error) {
	var claim int64
	err := t.tx.QueryRow(ctx,
		"INSERT INTO preregistrations (email, created_at) VALUES ($1, now()) ON CONFLICT (email) DO NOTHING RETURNING id",
		email).Scan(&claim)
	switch {
	case errors.Is(err, pgx.ErrNoRows): // on the list: the claim yielded to its row
	case err != nil:
		return nil, mapError("delete preregistration", err)
	default: // not on the list: take the claim back
		if _, err := t.tx.Exec(ctx, "DELETE FROM preregistrations WHERE id = $1", claim); err != nil {
			return nil, mapError("delete preregistration", err)
		}
		return nil, nil
	}
	var p acct.Preregistration
	err = t.tx.QueryRow(ctx,
		"DELETE FROM preregistrations WHERE email = $1 RETURNING id, email, created_at, created_by",
		email).Scan(&p.ID, &p.Email, &p.CreatedAt, &p.CreatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapError("delete preregistration", err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}
