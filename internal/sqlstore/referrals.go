package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
)

// AddPoints adds delta to the account's points in one guarded statement:
// only while the balance stays at or above 0, so that concurrent changes
// all count and none overdraws (SQLite's writers follow one another;
// PostgreSQL's UPDATE takes the row lock and evaluates its condition on
// the newest version of the row). When the guard holds it back, the
// current balance is read and returned with ok false.
func (t *Tx) AddPoints(ctx context.Context, userID, delta int64) (int64, bool, error) {
	var balance int64
	err := t.queryRow(ctx,
		"UPDATE users SET points = points + ?2 WHERE id = ?1 AND points + ?2 >= 0 RETURNING points",
		userID, delta).Scan(&balance)
	if err == nil {
		return balance, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, t.d.MapError("add points", err)
	}
	err = t.queryRow(ctx, "SELECT points FROM users WHERE id = ?", userID).Scan(&balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return 0, false, t.d.MapError("add points", err)
	}
	return balance, false, nil
}

// InsertPointsEntry appends a row to the points ledger and sets e.ID.
func (t *Tx) InsertPointsEntry(ctx context.Context, e *acct.PointsEntry) error {
	id, err := t.insert(ctx, `INSERT INTO points_ledger
		(user_id, delta, balance, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)`, "id",
		e.UserID, e.Delta, e.Balance, e.Reason, e.Actor, t.d.Time(e.At))
	if err != nil {
		return t.d.MapError("insert points entry", err)
	}
	e.ID = id
	return nil
}

// ListPointsEntries returns at most q.Limit ledger rows of q.UserID, with
// id < q.BeforeID when that is not 0, newest first.
func (t *Tx) ListPointsEntries(ctx context.Context, q acct.PointsFilter) ([]acct.PointsEntry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("%s: list points entries: limit %d, want > 0", t.d.Name, q.Limit)
	}
	query := "SELECT id, user_id, delta, balance, reason, actor, at FROM points_ledger WHERE user_id = ?"
	args := []any{q.UserID}
	if q.BeforeID != 0 {
		query += " AND id < ?"
		args = append(args, q.BeforeID)
	}
	rows, err := t.query(ctx, query+" ORDER BY id DESC LIMIT ?", append(args, q.Limit)...)
	return collect(t, rows, err, "list points entries", func(r *sql.Rows, e *acct.PointsEntry) error {
		var at Millis
		err := r.Scan(&e.ID, &e.UserID, &e.Delta, &e.Balance, &e.Reason, &e.Actor, &at)
		e.At = at.Time
		return err
	})
}

// InsertPreregistration puts p.Email on the waiting list and sets p.ID;
// an address already on it is a conflict. The statement yields to the
// existing row (ON CONFLICT DO NOTHING) rather than failing, so that the
// transaction stays usable on PostgreSQL too (a failed statement aborts
// its transaction there): Local.Preregister records the refusal in it.
func (t *Tx) InsertPreregistration(ctx context.Context, p *acct.Preregistration) error {
	var id int64
	err := t.queryRow(ctx,
		"INSERT INTO preregistrations (email, created_at, created_by) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING id",
		p.Email, t.d.Time(p.CreatedAt), p.CreatedBy).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return &acct.Error{Code: acct.CodeConflict, Field: "email", Message: "the address is on the waiting list already"}
	}
	if err != nil {
		return t.d.MapError("insert preregistration", err)
	}
	p.ID = id
	return nil
}

// ListPreregistrations returns at most q.Limit entries with id >
// q.AfterID, in id order.
func (t *Tx) ListPreregistrations(ctx context.Context, q acct.PreregFilter) ([]acct.Preregistration, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("%s: list preregistrations: limit %d, want > 0", t.d.Name, q.Limit)
	}
	rows, err := t.query(ctx,
		"SELECT id, email, created_at, created_by FROM preregistrations WHERE id > ? ORDER BY id LIMIT ?",
		q.AfterID, q.Limit)
	return collect(t, rows, err, "list preregistrations", func(r *sql.Rows, p *acct.Preregistration) error {
		var at Millis
		err := r.Scan(&p.ID, &p.Email, &at, &p.CreatedBy)
		p.CreatedAt = at.Time
		return err
	})
}

// DeletePreregistration takes email off the waiting list and returns its
// entry, nil when it was not on it.
//
// Where writers run side by side under READ COMMITTED (PostgreSQL,
// Dialect.ConcurrentWriters), a DELETE does not see, and so does not wait
// for, a row that a concurrent transaction inserted but has not
// committed: a pre-registration racing this registration could then
// commit after it and stay on the list. So the address is first claimed
// with an INSERT … ON CONFLICT DO NOTHING, which waits on the unique index
// for such a transaction to end (and makes a pre-registration that comes
// later wait for this one, then see the account: see Local.Preregister);
// the DELETE, a new statement with a new snapshot, then sees the row
// either way. SQLite's write transactions are IMMEDIATE, so no insert of
// the same address can run meanwhile, and the DELETE alone does.
func (t *Tx) DeletePreregistration(ctx context.Context, email string) (*acct.Preregistration, error) {
	if t.d.ConcurrentWriters {
		var claim int64
		err := t.queryRow(ctx,
			"INSERT INTO preregistrations (email, created_at) VALUES (?, CURRENT_TIMESTAMP) ON CONFLICT (email) DO NOTHING RETURNING id",
			email).Scan(&claim)
		switch {
		case errors.Is(err, sql.ErrNoRows): // on the list: the claim yielded to its row
		case err != nil:
			return nil, t.d.MapError("delete preregistration", err)
		default: // not on the list: take the claim back
			if _, err := t.exec(ctx, "DELETE FROM preregistrations WHERE id = ?", claim); err != nil {
				return nil, t.d.MapError("delete preregistration", err)
			}
			return nil, nil
		}
	}
	var p acct.Preregistration
	var at Millis
	err := t.queryRow(ctx,
		"DELETE FROM preregistrations WHERE email = ? RETURNING id, email, created_at, created_by",
		email).Scan(&p.ID, &p.Email, &at, &p.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, t.d.MapError("delete preregistration", err)
	}
	p.CreatedAt = at.Time
	return &p, nil
}
