package sqlite

import (
	"context"
	"time"
)

// ClaimSetting stores value under name unless name has a value already,
// and returns the value name holds. The write transaction is IMMEDIATE, so
// no other writer comes between the insert and the read; the primary key
// decides a race between processes all the same.
func (t *txn) ClaimSetting(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error) {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO settings (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, value, at.UnixMilli()); err != nil {
		return nil, mapError("claim setting "+name, err)
	}
	var stored []byte
	if err := t.tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&stored); err != nil {
		return nil, mapError("read setting "+name, err)
	}
	return stored, nil
}
