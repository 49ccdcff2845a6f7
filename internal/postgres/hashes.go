package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// ListPasswordHashes returns the id and password hash ("" for none) of at
// most limit accounts with id > afterID, purged ones aside, in id order:
// only the two columns, so that counting a large store reads little.
func (t *txn) ListPasswordHashes(ctx context.Context, afterID int64, limit int) ([]acct.UserHash, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: list password hashes: limit %d, want > 0", limit)
	}
	rows, err := t.tx.Query(ctx, `SELECT id, coalesce(password_hash, '') FROM users
		WHERE id > $1 AND status <> 'deleted' ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, mapError("list password hashes", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.UserHash, error) {
		var u acct.UserHash
		err := r.Scan(&u.ID, &u.Hash)
		return u, err
	})
	if err != nil {
		return nil, mapError("list password hashes", err)
	}
	if out == nil {
		out = []acct.UserHash{}
	}
	return out, nil
}
