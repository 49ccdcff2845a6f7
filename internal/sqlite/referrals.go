package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
)

// AddPoints adds delta to the account's points in one guarded statement:
// only while the balance stays at or above 0, so that concurrent changes
// all count and none overdraws. When the guard holds it back, the current
// balance is read and returned with ok false.
func (t *txn) AddPoints(ctx context.Context, userID, delta int64) (int64, bool, error) {
	var balance int64
	err := t.tx.QueryRowContext(ctx,
		"UPDATE users SET points = points + ? WHERE id = ? AND points + ? >= 0 RETURNING points",
		delta, userID, delta).Scan(&balance)
	if err == nil {
		return balance, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, mapError("add points", err)
	}
	err = t.tx.QueryRowContext(ctx, "SELECT points FROM users WHERE id = ?", userID).Scan(&balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return 0, false, mapError("add points", err)
	}
	return balance, false, nil
}

// InsertPointsEntry appends a row to the points ledger and sets e.ID.
func (t *txn) InsertPointsEntry(ctx context.Context, e *acct.PointsEntry) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO points_ledger
		(user_id, delta, balance, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.UserID, e.Delta, e.Balance, e.Reason, e.Actor, e.At.UnixMilli())
	if err != nil {
		return mapError("insert points entry", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return mapError("insert points entry", err)
	}
	return nil
}

// ListPointsEntries returns at most q.Limit ledger rows of q.UserID, with
// id < q.BeforeID when that is not 0, newest first.
func (t *txn) ListPointsEntries(ctx context.Context, q acct.PointsFilter) ([]acct.PointsEntry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("sqlite: list points entries: limit %d, want > 0", q.Limit)
	}
	query := "SELECT id, user_id, delta, balance, reason, actor, at FROM points_ledger WHERE user_id = ?"
	args := []any{q.UserID}
	if q.BeforeID != 0 {
		query += " AND id < ?"
		args = append(args, q.BeforeID)
	}
	query += " ORDER BY id DESC LIMIT ?"
	rows, err := t.tx.QueryContext(ctx, query, append(args, q.Limit)...)
	if err != nil {
		return nil, mapError("list points entries", err)
	}
	defer rows.Close()
	es := []acct.PointsEntry{}
	for rows.Next() {
		var e acct.PointsEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.UserID, &e.Delta, &e.Balance, &e.Reason, &e.Actor, &at); err != nil {
			return nil, mapError("list points entries", err)
		}
		e.At = fromMillis(at)
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list points entries", err)
	}
	return es, nil
}

// InsertPreregistration puts p.Email on the waiting list and sets p.ID;
// the UNIQUE constraint makes an address already on it a conflict.
func (t *txn) InsertPreregistration(ctx context.Context, p *acct.Preregistration) error {
	res, err := t.tx.ExecContext(ctx,
		"INSERT INTO preregistrations (email, created_at, created_by) VALUES (?, ?, ?)",
		p.Email, p.CreatedAt.UnixMilli(), p.CreatedBy)
	if err != nil {
		return mapError("insert preregistration", err)
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return mapError("insert preregistration", err)
	}
	return nil
}

// ListPreregistrations returns at most q.Limit entries with id >
// q.AfterID, in id order.
func (t *txn) ListPreregistrations(ctx context.Context, q acct.PreregFilter) ([]acct.Preregistration, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("sqlite: list preregistrations: limit %d, want > 0", q.Limit)
	}
	rows, err := t.tx.QueryContext(ctx,
		"SELECT id, email, created_at, created_by FROM preregistrations WHERE id > ? ORDER BY id LIMIT ?",
		q.AfterID, q.Limit)
	if err != nil {
		return nil, mapError("list preregistrations", err)
	}
	defer rows.Close()
	ps := []acct.Preregistration{}
	for rows.Next() {
		var p acct.Preregistration
		var at int64
		if err := rows.Scan(&p.ID, &p.Email, &at, &p.CreatedBy); err != nil {
			return nil, mapError("list preregistrations", err)
		}
		p.CreatedAt = fromMillis(at)
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list preregistrations", err)
	}
	return ps, nil
}

// DeletePreregistration takes email off the waiting list and returns its
// entry, nil when it was not on it. Write transactions are IMMEDIATE, so
// no insert of the same address can run meanwhile.
func (t *txn) DeletePreregistration(ctx context.Context, email string) (*acct.Preregistration, error) {
	var p acct.Preregistration
	var at int64
	err := t.tx.QueryRowContext(ctx,
		"DELETE FROM preregistrations WHERE email = ? RETURNING id, email, created_at, created_by",
		email).Scan(&p.ID, &p.Email, &at, &p.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, mapError("delete preregistration", err)
	}
	p.CreatedAt = fromMillis(at)
	return &p, nil
}
