-- 0009: settings of the store itself, one value per name (as
-- internal/sqlite's 0009).
--
-- The first is secret_fingerprint: HMAC-SHA256 under the installation
-- secret of a fixed label (never the secret), written by the first
-- process whose secret opens the store for a code. A process with
-- another secret is refused every code operation. A value is written once
-- (INSERT ... ON CONFLICT DO NOTHING, so that of two racing writers one
-- wins) and never changed by acctl.
CREATE TABLE settings (
    name       text PRIMARY KEY CHECK (name <> ''),
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL
);
