package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/acctl/acctl/internal/acct"
)

// apiKeyColumns is the column list that scanAPIKey reads.
const apiKeyColumns = `id, name, role, token_hash, prefix, created_at, created_by, last_used_at, revoked_at`

// InsertAPIKey stores a new API key and sets rec.ID. Any rec.ID given is
// ignored. A name already taken, by a revoked key too, is a CodeConflict
// naming "name" (the unique constraint decides races).
func (t *txn) InsertAPIKey(ctx context.Context, rec *acct.APIKeyRecord) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO api_keys (
		name, role, token_hash, prefix, created_at, created_by, last_used_at, revoked_at
	) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		rec.Name, string(rec.Role), rec.TokenHash, rec.Prefix, millis(rec.CreatedAt), rec.CreatedBy,
		nullMillis(rec.LastUsedAt), nullMillis(rec.RevokedAt)).Scan(&rec.ID)
	if err != nil {
		return mapError("insert API key", err)
	}
	return nil
}

// GetAPIKey finds one API key, revoked or not, by name or by token hash
// (by both when both are given). A key with neither finds nothing. It
// takes no lock: the statements that change a key are guarded, and report
// whether they did.
func (t *txn) GetAPIKey(ctx context.Context, key acct.APIKeyKey) (*acct.APIKeyRecord, error) {
	var a args
	var where string
	switch {
	case key.Name != "" && len(key.TokenHash) > 0:
		where = "name = " + a.add(key.Name) + " AND token_hash = " + a.add(key.TokenHash)
	case key.Name != "":
		where = "name = " + a.add(key.Name)
	case len(key.TokenHash) > 0:
		where = "token_hash = " + a.add(key.TokenHash)
	default:
		return nil, acct.Errorf(acct.CodeNotFound, "no such API key")
	}
	rec, err := scanAPIKey(t.tx.QueryRow(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE "+where, a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such API key")
	}
	if err != nil {
		return nil, mapError("get API key", err)
	}
	return rec, nil
}

// ListAPIKeys returns every API key, revoked ones included, in name
// order (byte order, as SQLite's). An empty list is not an error.
func (t *txn) ListAPIKeys(ctx context.Context) ([]acct.APIKeyRecord, error) {
	rows, err := t.tx.Query(ctx, "SELECT "+apiKeyColumns+` FROM api_keys ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, mapError("list API keys", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (acct.APIKeyRecord, error) {
		rec, err := scanAPIKey(r)
		if err != nil {
			return acct.APIKeyRecord{}, err
		}
		return *rec, nil
	})
	if err != nil {
		return nil, mapError("list API keys", err)
	}
	if keys == nil {
		keys = []acct.APIKeyRecord{}
	}
	return keys, nil
}

// RevokeAPIKey sets revoked_at of key id to at, only if it is not revoked
// yet, in one statement, and reports whether it did.
func (t *txn) RevokeAPIKey(ctx context.Context, id int64, at time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx,
		"UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", millis(at), id)
	if err != nil {
		return false, mapError("revoke API key", err)
	}
	return tag.RowsAffected() > 0, nil
}

// TouchAPIKey sets last_used_at of key id to at, only if the key is not
// revoked and was never used or last used before before, in one statement,
// and reports whether it did. Of concurrent touches, one changes the row;
// the others wait for it and then find the guard false.
func (t *txn) TouchAPIKey(ctx context.Context, id int64, at, before time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE api_keys SET last_used_at = $1
		WHERE id = $2 AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < $3)`,
		millis(at), id, millis(before))
	if err != nil {
		return false, mapError("touch API key", err)
	}
	return tag.RowsAffected() > 0, nil
}

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row pgx.Row) (*acct.APIKeyRecord, error) {
	var rec acct.APIKeyRecord
	var role string
	err := row.Scan(&rec.ID, &rec.Name, &role, &rec.TokenHash, &rec.Prefix, &rec.CreatedAt, &rec.CreatedBy,
		&rec.LastUsedAt, &rec.RevokedAt)
	if err != nil {
		return nil, err
	}
	rec.Role = acct.Role(role)
	rec.CreatedAt = rec.CreatedAt.UTC()
	rec.LastUsedAt, rec.RevokedAt = utc(rec.LastUsedAt), utc(rec.RevokedAt)
	return &rec, nil
}
