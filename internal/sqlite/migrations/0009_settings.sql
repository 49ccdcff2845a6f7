-- 0009: settings of the store itself, one value per name.
--
-- The first is secret_fingerprint: HMAC-SHA256 under the installation
-- secret of a fixed label (never the secret), written by the first
-- process whose secret opens the store for a code. A process with
-- another secret is refused every code operation instead of calling valid
-- codes "no such code". A value is written once (INSERT ... ON CONFLICT
-- DO NOTHING, so that of two racing writers one wins) and never changed
-- by acctl. created_at is INTEGER Unix milliseconds UTC.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY CHECK (name <> ''),
    value      BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
