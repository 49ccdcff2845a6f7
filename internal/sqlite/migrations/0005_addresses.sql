-- 0005: every email address and phone number of every account.
--
-- As before: times are INTEGER Unix milliseconds UTC and tables are STRICT.
--
-- One row per address, the primary ones (users.email, users.phone) included,
-- so that the unique key (kind, value) makes an address belong to one
-- account at most, primary or extra: two processes racing for an address get
-- one success and one conflict. users.email and users.phone stay as the
-- primary addresses for look-ups; the core changes both in one transaction.
-- kind is not limited to today's values here (email, phone): the core
-- decides which exist, and SQLite could only widen such a CHECK by
-- rebuilding the table.
CREATE TABLE addresses (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind <> ''),
    value       TEXT NOT NULL CHECK (value <> ''),
    is_primary  INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    verified    INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    verified_at INTEGER, -- NULL when not verified, or verified at a time unknown
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, value),
    CHECK (verified = 1 OR verified_at IS NULL)
) STRICT;

-- A user's addresses by kind (the listing); also serves the foreign key.
CREATE INDEX addresses_user_kind ON addresses (user_id, kind);
-- At most one primary address of each kind per account.
CREATE UNIQUE INDEX addresses_primary ON addresses (user_id, kind) WHERE is_primary = 1;

-- The accounts' addresses so far: their primary ones, verified as the
-- account says, at a time unknown.
INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
    SELECT id, 'email', email, 1, email_verified, created_at FROM users WHERE email IS NOT NULL ORDER BY id;
INSERT INTO addresses (user_id, kind, value, is_primary, verified, created_at)
    SELECT id, 'phone', phone, 1, phone_verified, created_at FROM users WHERE phone IS NOT NULL ORDER BY id;
