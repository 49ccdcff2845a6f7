package sqlstore

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
func (t *Tx) InsertAPIKey(ctx context.Context, rec *acct.APIKeyRecord) error {
	id, err := t.insert(ctx, `INSERT INTO api_keys (
		name, role, token_hash, prefix, created_at, created_by, last_used_at, revoked_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, "id",
		rec.Name, string(rec.Role), rec.TokenHash, rec.Prefix, t.d.Time(rec.CreatedAt), rec.CreatedBy,
		t.d.NullTime(rec.LastUsedAt), t.d.NullTime(rec.RevokedAt))
	if err != nil {
		return t.d.MapError("insert API key", err)
	}
	rec.ID = id
	return nil
}

// GetAPIKey finds one API key, revoked or not, by name or by token hash
// (by both when both are given). A key with neither finds nothing. It
// takes no lock: the statements that change a key are guarded, and report
// whether they did.
func (t *Tx) GetAPIKey(ctx context.Context, key acct.APIKeyKey) (*acct.APIKeyRecord, error) {
	var where string
	var args []any
	switch {
	case key.Name != "" && len(key.TokenHash) > 0:
		where, args = "name = ? AND token_hash = ?", []any{key.Name, key.TokenHash}
	case key.Name != "":
		where, args = "name = ?", []any{key.Name}
	case len(key.TokenHash) > 0:
		where, args = "token_hash = ?", []any{key.TokenHash}
	default:
		return nil, acct.Errorf(acct.CodeNotFound, "no such API key")
	}
	var rec acct.APIKeyRecord
	err := scanAPIKey(t.queryRow(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE "+where, args...), &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, acct.Errorf(acct.CodeNotFound, "no such API key")
	}
	if err != nil {
		return nil, t.d.MapError("get API key", err)
	}
	return &rec, nil
}

// ListAPIKeys returns every API key, revoked ones included, in name
// order (byte order in both dialects). An empty list is not an error.
func (t *Tx) ListAPIKeys(ctx context.Context) ([]acct.APIKeyRecord, error) {
	rows, err := t.query(ctx, "SELECT "+apiKeyColumns+" FROM api_keys ORDER BY name"+t.d.Binary)
	return collect(t, rows, err, "list API keys", func(r *sql.Rows, rec *acct.APIKeyRecord) error {
		return scanAPIKey(r, rec)
	})
}

// RevokeAPIKey sets revoked_at of key id to at, only if it is not revoked
// yet, in one statement, and reports whether it did.
func (t *Tx) RevokeAPIKey(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := t.exec(ctx,
		"UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", t.d.Time(at), id)
	n, err := t.affected(res, err, "revoke API key")
	return n > 0, err
}

// TouchAPIKey sets last_used_at of key id to at, only if the key is not
// revoked and was never used or last used before before, in one statement,
// and reports whether it did. Of concurrent touches, one changes the row;
// the others wait for it and then find the guard false.
func (t *Tx) TouchAPIKey(ctx context.Context, id int64, at, before time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE api_keys SET last_used_at = ?
		WHERE id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)`,
		t.d.Time(at), id, t.d.Time(before))
	n, err := t.affected(res, err, "touch API key")
	return n > 0, err
}

// scanAPIKey reads one row of apiKeyColumns into rec.
func scanAPIKey(row interface{ Scan(...any) error }, rec *acct.APIKeyRecord) error {
	var role string
	var created, lastUsed, revoked Millis
	err := row.Scan(&rec.ID, &rec.Name, &role, &rec.TokenHash, &rec.Prefix, &created, &rec.CreatedBy, &lastUsed, &revoked)
	if err != nil {
		return err
	}
	rec.Role = acct.Role(role)
	rec.CreatedAt = created.Time
	rec.LastUsedAt, rec.RevokedAt = lastUsed.Ptr(), revoked.Ptr()
	return nil
}
