package postgres

import (
	"context"
	"time"
)

// ClaimSetting stores value under name unless name has a value already,
// and returns the value name holds. Two statements, not one: under READ
// COMMITTED the insert of a racing transaction waits for the winner's
// commit and does nothing, and the SELECT after it (a new snapshot) sees
// the winner's row, which a SELECT in the same statement would not.
func (t *txn) ClaimSetting(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error) {
	if _, err := t.tx.Exec(ctx, `INSERT INTO settings (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, value, millis(at)); err != nil {
		return nil, mapError("claim setting "+name, err)
	}
	var stored []byte
	if err := t.tx.QueryRow(ctx, "SELECT value FROM settings WHERE name = $1", name).Scan(&stored); err != nil {
		return nil, mapError("read setting "+name, err)
	}
	return stored, nil
}
