-- 0003: one-time codes (password reset codes, forgot-password links; later
-- OTPs).
--
-- As before: times are INTEGER Unix milliseconds UTC and tables are STRICT.
-- Optional text is stored as '' (destination, issued_by, reason), never
-- NULL; an optional time is NULL.

-- A one-time code. seq is the store's own key (never reused); public_id is
-- what users see and name. The code itself is never stored, only its
-- HMAC-SHA256 under the installation secret. A code is outstanding while
-- used_at and voided_at are NULL and expires_at is after now (a code whose
-- expires_at is now has expired); the state is computed, never stored.
-- kind and channel are not limited to today's values here: the core
-- decides which exist, and SQLite could only widen such a CHECK by
-- rebuilding the table.
CREATE TABLE codes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id   TEXT NOT NULL UNIQUE CHECK (public_id <> ''),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind <> ''),
    mac         BLOB NOT NULL UNIQUE CHECK (length(mac) = 32),
    channel     TEXT NOT NULL CHECK (channel <> ''),
    destination TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    voided_at   INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    issued_by   TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    -- A code ends once: used or voided, never both.
    CHECK (used_at IS NULL OR voided_at IS NULL)
) STRICT;

-- A user's codes of some kinds (the listing, and the voiding of older
-- codes when a new one is issued), in seq order within a kind; also
-- serves the foreign key.
CREATE INDEX codes_user_kind ON codes (user_id, kind);
