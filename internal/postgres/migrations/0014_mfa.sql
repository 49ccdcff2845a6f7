-- 0014: second factors (TOTP), their recovery codes, and the login
-- challenges that wait for a code (as internal/sqlite's 0014).

-- One TOTP factor per account; secret sealed with AES-256-GCM under a key
-- derived from the installation secret. last_step is advanced by one
-- guarded UPDATE (compare-and-set): a replay or two concurrent uses of
-- one code give one success, across servers sharing the database.
CREATE TABLE mfa_factors (
    user_id      bigint PRIMARY KEY REFERENCES users (id),
    kind         text NOT NULL CHECK (kind <> ''),
    status       text NOT NULL CHECK (status IN ('pending', 'active')),
    secret       bytea NOT NULL CHECK (length(secret) > 0),
    algorithm    text NOT NULL CHECK (algorithm <> ''),
    digits       integer NOT NULL CHECK (digits > 0),
    period       integer NOT NULL CHECK (period > 0),
    last_step    bigint NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    last_used_at timestamptz
);

-- The recovery codes of an account's factor: only their HMAC, each used
-- once.
CREATE TABLE mfa_recovery_codes (
    user_id    bigint NOT NULL REFERENCES users (id),
    mac        bytea NOT NULL CHECK (length(mac) = 32),
    created_at timestamptz NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, mac)
);

-- A login that waits for a second factor: the SHA-256 of its mfa_token,
-- the account, what the session will be, a short lifetime; used once.
CREATE TABLE mfa_tokens (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    bigint NOT NULL REFERENCES users (id),
    keep       boolean NOT NULL DEFAULT false,
    label      text NOT NULL DEFAULT '',
    detail     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX mfa_tokens_user ON mfa_tokens (user_id);
CREATE INDEX mfa_tokens_expires ON mfa_tokens (expires_at);
