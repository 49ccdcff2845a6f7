-- 0014: second factors (TOTP), their recovery codes, and the login
-- challenges that wait for a code (issue 17).
--
-- As before: times are INTEGER Unix milliseconds UTC and tables are STRICT.

-- One TOTP factor per account. secret is the shared secret sealed with
-- AES-256-GCM under a key derived from the installation secret (nonce
-- first); the store never sees it in the clear. status is 'pending' from
-- enrolment until a valid code confirms it, then 'active'. last_step is
-- the last time step (Unix time / period) whose code was accepted, 0
-- for none: a code is accepted only for a later step, and the step is
-- advanced by one guarded UPDATE (compare-and-set), so that a replay or
-- two concurrent uses of one code give one success.
CREATE TABLE mfa_factors (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind <> ''),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    secret       BLOB NOT NULL CHECK (length(secret) > 0),
    algorithm    TEXT NOT NULL CHECK (algorithm <> ''),
    digits       INTEGER NOT NULL CHECK (digits > 0),
    period       INTEGER NOT NULL CHECK (period > 0),
    last_step    INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_used_at INTEGER
) STRICT;

-- The recovery codes of an account's factor: only their HMAC under the
-- installation secret, each used once (used_at set by a guarded UPDATE).
CREATE TABLE mfa_recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    mac        BLOB NOT NULL CHECK (length(mac) = 32),
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, mac)
) STRICT;

-- A login whose password was right and that waits for a second factor:
-- the SHA-256 of its mfa_token (the token itself is never stored), the
-- account, what the session will be, and a short lifetime. Used once.
CREATE TABLE mfa_tokens (
    token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    keep       INTEGER NOT NULL DEFAULT 0 CHECK (keep IN (0, 1)),
    label      TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;

CREATE INDEX mfa_tokens_user ON mfa_tokens (user_id);
CREATE INDEX mfa_tokens_expires ON mfa_tokens (expires_at);
