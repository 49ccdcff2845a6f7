-- 0013: SCRAM-SHA-256 verifiers and login challenges (as internal/sqlite's
-- 0013).
--
-- scram_verifiers holds, beside an account's argon2id hash, the verifier
-- a challenge login checks, in PostgreSQL's own text form
-- SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>. hash_tag is
-- the SHA-256 of the password hash it was made with: a verifier whose tag
-- is not the account's current hash is stale and counts as none.
CREATE TABLE scram_verifiers (
    user_id  bigint PRIMARY KEY REFERENCES users (id),
    verifier text NOT NULL CHECK (verifier <> ''),
    hash_tag bytea NOT NULL
);

-- A challenge between the two messages of a SCRAM login, in the store so
-- that any server sharing the database can finish it; consumed by one
-- guarded UPDATE … RETURNING. Times are Unix milliseconds UTC.
CREATE TABLE scram_challenges (
    id                text PRIMARY KEY CHECK (id <> ''),
    user_id           bigint,
    name              text NOT NULL,
    client_first      text NOT NULL,
    server_first      text NOT NULL,
    created_ms        bigint NOT NULL,
    expires_ms        bigint NOT NULL,
    used_ms           bigint
);

CREATE INDEX scram_challenges_expires ON scram_challenges (expires_ms);
