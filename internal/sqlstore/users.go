package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
)

// The account queries that do not differ between the dialects. The rest
// (InsertUser, UpdateUser, GetUser and ListUsers, with PostgreSQL's row
// locks and SQLite's row scanners) are still each dialect's own.

// AddLoginFailure adds one to the account's failed-login count in one
// statement, so that concurrent failures all count, and returns the new
// count.
func (t *Tx) AddLoginFailure(ctx context.Context, userID int64) (int, error) {
	var n int
	err := t.queryRow(ctx,
		"UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins",
		userID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, acct.Errorf(acct.CodeNotFound, "no such user")
	}
	if err != nil {
		return 0, t.d.MapError("add login failure", err)
	}
	return n, nil
}

// ListPasswordHashes returns the id and password hash ("" for none) of at
// most limit accounts with id > afterID, purged ones aside, in id order:
// only the two columns, so that counting a large store reads little.
func (t *Tx) ListPasswordHashes(ctx context.Context, afterID int64, limit int) ([]acct.UserHash, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%s: list password hashes: limit %d, want > 0", t.d.Name, limit)
	}
	rows, err := t.query(ctx, `SELECT id, coalesce(password_hash, '') FROM users
		WHERE id > ? AND status <> 'deleted' ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, t.d.MapError("list password hashes", err)
	}
	defer rows.Close()
	out := make([]acct.UserHash, 0, min(limit, 1024))
	for rows.Next() {
		var u acct.UserHash
		if err := rows.Scan(&u.ID, &u.Hash); err != nil {
			return nil, t.d.MapError("list password hashes", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.MapError("list password hashes", err)
	}
	return out, nil
}
