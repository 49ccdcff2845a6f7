package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// apiKeyColumns is the column list that scanAPIKey reads.
const apiKeyColumns = `id, name, role, token_hash, prefix, created_at, created_by, last_used_at, revoked_at`

// InsertAPIKey stores a new API key and sets rec.ID. Any rec.ID given is
// ignored. A name already taken, by a revoked key too, is a CodeConflict
// naming "name" (the unique constraint decides races).
func (t *txn) InsertAPIKey(ctx context.Context, rec *acct.APIKeyRecord) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO api_keys (
		name, role, token_hash, prefix, created_at, created_by, last_used_at, revoked_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.Name, string(rec.Role), rec.TokenHash, rec.Prefix, rec.CreatedAt.UnixMilli(), rec.CreatedBy,
		nullTime(rec.LastUsedAt), nullTime(rec.RevokedAt))
	if err != nil {
		return mapError("insert API key", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return mapError("insert API key", err)
	}
	rec.ID = id
	return nil
}

// GetAPIKey finds one API key, revoked or not, by name or by token hash
// (by both when both are given). A key with neither finds nothing.
func (t *txn) GetAPIKey(ctx context.Context, key acct.APIKeyKey) (*acct.APIKeyRecord, error) {
	var query string
	var args []any
	switch {
	case key.Name != "" && len(key.TokenHash) > 0:
		query, args = "name = ? AND token_hash = ?", []any{key.Name, key.TokenHash}
	case key.Name != "":
		query, args = "name = ?", []any{key.Name}
	case len(key.TokenHash) > 0:
		query, args = "token_hash = ?", []any{key.TokenHash}
	default:
		return nil, acct.Errorf(acct.CodeNotFound, "no such API key")
	}
	rec, err := scanAPIKey(t.tx.QueryRowContext(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE "+query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such API key")
	}
	if err != nil {
		return nil, mapError("get API key", err)
	}
	return rec, nil
}

// ListAPIKeys returns every API key, revoked ones included, in name
// order. An empty list is not an error.
func (t *txn) ListAPIKeys(ctx context.Context) ([]acct.APIKeyRecord, error) {
	rows, err := t.tx.QueryContext(ctx, "SELECT "+apiKeyColumns+" FROM api_keys ORDER BY name")
	if err != nil {
		return nil, mapError("list API keys", err)
	}
	defer rows.Close()
	keys := []acct.APIKeyRecord{}
	for rows.Next() {
		rec, err := scanAPIKey(rows)
		if err != nil {
			return nil, mapError("list API keys", err)
		}
		keys = append(keys, *rec)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("list API keys", err)
	}
	return keys, nil
}

// RevokeAPIKey sets revoked_at of key id to at, only if it is not revoked
// yet, in one statement, and reports whether it did.
func (t *txn) RevokeAPIKey(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx,
		"UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", at.UnixMilli(), id)
	return changedRow(res, err, "revoke API key")
}

// TouchAPIKey sets last_used_at of key id to at, only if the key is not
// revoked and was never used or last used before before, in one statement,
// and reports whether it did.
func (t *txn) TouchAPIKey(ctx context.Context, id int64, at, before time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ?
		WHERE id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)`,
		at.UnixMilli(), id, before.UnixMilli())
	return changedRow(res, err, "touch API key")
}

// changedRow reports whether an UPDATE changed a row.
func changedRow(res sql.Result, err error, op string) (bool, error) {
	if err != nil {
		return false, mapError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, mapError(op, err)
	}
	return n > 0, nil
}

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row interface{ Scan(...any) error }) (*acct.APIKeyRecord, error) {
	var rec acct.APIKeyRecord
	var role string
	var created int64
	var lastUsed, revoked sql.NullInt64
	err := row.Scan(&rec.ID, &rec.Name, &role, &rec.TokenHash, &rec.Prefix, &created, &rec.CreatedBy, &lastUsed, &revoked)
	if err != nil {
		return nil, err
	}
	rec.Role = acct.Role(role)
	rec.CreatedAt = fromMillis(created)
	rec.LastUsedAt, rec.RevokedAt = nullTimeValue(lastUsed), nullTimeValue(revoked)
	return &rec, nil
}
