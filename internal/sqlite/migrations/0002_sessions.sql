-- 0002: login sessions, lockout and foreign identities.
--
-- As in 0001: times are INTEGER Unix milliseconds UTC, tables are STRICT,
-- and an optional unique value is stored as NULL when empty.

-- The outside identity ("github:12345") linked to an account. SQLite cannot
-- add a UNIQUE column, so a unique index gives the constraint; its violation
-- reads "UNIQUE constraint failed: users.foreign_id" like a column's.
ALTER TABLE users ADD COLUMN foreign_id TEXT CHECK (foreign_id <> '');
CREATE UNIQUE INDEX users_foreign_id ON users (foreign_id);

-- Consecutive failed logins, and the end of a lock (NULL: until an
-- operator unlocks; only meaningful while status is 'locked').
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0);
ALTER TABLE users ADD COLUMN locked_until INTEGER;
ALTER TABLE users ADD COLUMN lock_reason TEXT NOT NULL DEFAULT '';

-- A login session. seq is the store's own key (never reused); public_id is
-- what users see and name; the token is kept only as its SHA-256.
-- A session is ended when ended_at is set, expired when not ended and
-- expires_at (the idle deadline, never after absolute_expires_at) has
-- passed; the state is computed, never stored.
CREATE TABLE sessions (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id           TEXT NOT NULL UNIQUE CHECK (public_id <> ''),
    token_hash          BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id             INTEGER NOT NULL REFERENCES users (id),
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    persistent          INTEGER NOT NULL DEFAULT 0 CHECK (persistent IN (0, 1)),
    label               TEXT NOT NULL DEFAULT '',
    ended_at            INTEGER
) STRICT;

-- A user's sessions, newest first; also serves the foreign key.
CREATE INDEX sessions_user_seq ON sessions (user_id, seq);
-- The purge: sessions expired by a cutoff, and sessions ended by it. Most
-- sessions are never ended, so that index holds only the ended ones (a
-- query's "ended_at <= ?" implies the index's condition).
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
