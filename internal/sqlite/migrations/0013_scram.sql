-- 0013: SCRAM-SHA-256 verifiers and login challenges (RFC 5802, RFC 7677).
--
-- scram_verifiers holds, beside an account's argon2id hash, the verifier
-- a challenge login checks: PostgreSQL's text form
-- SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (base64).
-- hash_tag is the SHA-256 of the password hash it was made with: a
-- verifier whose tag is not the account's current hash is stale (the
-- password changed by a path that had no plaintext) and counts as none.
CREATE TABLE scram_verifiers (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id),
    verifier TEXT NOT NULL CHECK (verifier <> ''),
    hash_tag BLOB NOT NULL
) STRICT;

-- A challenge of a SCRAM login between its two messages, so that any
-- server of the store can finish it. user_id is NULL for a name that is
-- no account's (the exchange goes on alike); name is the name as given,
-- for the attempt bucket. used_ms is set by the one finish that consumes
-- it; expires_ms bounds its life. Times are Unix milliseconds UTC.
CREATE TABLE scram_challenges (
    id                TEXT PRIMARY KEY CHECK (id <> ''),
    user_id           INTEGER,
    name              TEXT NOT NULL,
    client_first      TEXT NOT NULL,
    server_first      TEXT NOT NULL,
    created_ms        INTEGER NOT NULL,
    expires_ms        INTEGER NOT NULL,
    used_ms           INTEGER
) STRICT;

CREATE INDEX scram_challenges_expires ON scram_challenges (expires_ms);
