package sqlite

import (
	"context"
	"fmt"

	"github.com/acctl/acctl/internal/acct"
)

// ListPasswordHashes returns the id and password hash ("" for none) of at
// most limit accounts with id > afterID, purged ones aside, in id order:
// only the two columns, so that counting a large store reads little.
func (t *txn) ListPasswordHashes(ctx context.Context, afterID int64, limit int) ([]acct.UserHash, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("sqlite: list password hashes: limit %d, want > 0", limit)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT id, coalesce(password_hash, '') FROM users
		WHERE id > ? AND status <> 'deleted' ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, mapError("list password hashes", err)
	}
	defer rows.Close()
	out := make([]acct.UserHash, 0, min(limit, 1024))
	for rows.Next() {
		var u acct.UserHash
		if err := rows.Scan(&u.ID, &u.Hash); err != nil {
			return nil, mapError("list password hashes", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list password hashes", err)
	}
	return out, nil
}
