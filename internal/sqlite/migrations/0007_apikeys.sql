-- 0007: API keys, the credentials of `acctl serve`.
--
-- As before: times are INTEGER Unix milliseconds UTC in columns named
-- *_at, and tables are STRICT.

-- An API key. id is the store's own key; name is what operators see and
-- name, and the actor of the audit trail for what the key does: unique
-- among all keys, revoked ones included, so that the trail never names
-- two keys alike. The token is kept only as its SHA-256, and prefix holds
-- its first characters, to recognise it. The role is checked by the core
-- (as codes' kinds: SQLite could only widen a CHECK by rebuilding the
-- table). A key is revoked when revoked_at is set; last_used_at is
-- written at most once a minute.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE CHECK (name <> ''),
    role         TEXT NOT NULL CHECK (role <> ''),
    token_hash   BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
