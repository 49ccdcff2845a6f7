package sqlstore

import (
	"context"
	"time"
)

// ClaimSetting stores value under name unless name has a value already,
// and returns the value name holds. Two statements, not one: on SQLite the
// write transaction is IMMEDIATE, so no other writer comes between them;
// on PostgreSQL under READ COMMITTED the insert of a racing transaction
// waits for the winner's commit and does nothing, and the SELECT after it
// (a new snapshot) sees the winner's row, which a SELECT in the same
// statement would not. The primary key decides a race all the same.
func (t *Tx) ClaimSetting(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error) {
	if _, err := t.exec(ctx, `INSERT INTO settings (name, value, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, value, t.d.Time(at)); err != nil {
		return nil, t.d.MapError("claim setting "+name, err)
	}
	var stored []byte
	if err := t.queryRow(ctx, "SELECT value FROM settings WHERE name = ?", name).Scan(&stored); err != nil {
		return nil, t.d.MapError("read setting "+name, err)
	}
	return stored, nil
}
