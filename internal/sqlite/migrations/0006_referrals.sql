-- 0006: referral codes and points, the points ledger, and the
-- pre-registration waiting list.
--
-- As before: times are INTEGER Unix milliseconds UTC, tables are STRICT,
-- and an optional unique value is stored as NULL when empty.

-- Every account's own referral code (8 characters of Crockford base32, made
-- by the core from crypto/rand); NULL only on a tombstone. SQLite cannot
-- add a UNIQUE column, so a unique index gives the constraint; its
-- violation reads "UNIQUE constraint failed: users.referral_code".
ALTER TABLE users ADD COLUMN referral_code TEXT CHECK (referral_code <> '');
CREATE UNIQUE INDEX users_referral_code ON users (referral_code);
-- The account whose code this one registered with.
ALTER TABLE users ADD COLUMN referred_by INTEGER REFERENCES users (id);
-- The points balance: changed only by one guarded statement (points +
-- delta, only while the result is >= 0) with a row in points_ledger.
ALTER TABLE users ADD COLUMN points INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0);

-- Codes for the accounts that exist, tombstones aside. random() draws from
-- SQLite's own CSPRNG (sqlite3_randomness, seeded by the operating
-- system); each character takes 5 of its bits. A code already taken
-- leaves the account without one (OR IGNORE), and the next statement draws
-- again: after four rounds an account without a code would need four
-- collisions in a row among 2^40 codes.
UPDATE OR IGNORE users SET referral_code =
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1)
    WHERE referral_code IS NULL AND status <> 'deleted';
UPDATE OR IGNORE users SET referral_code =
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1)
    WHERE referral_code IS NULL AND status <> 'deleted';
UPDATE OR IGNORE users SET referral_code =
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1)
    WHERE referral_code IS NULL AND status <> 'deleted';
UPDATE OR IGNORE users SET referral_code =
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1) ||
    substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (random() & 31) + 1, 1)
    WHERE referral_code IS NULL AND status <> 'deleted';

-- The points ledger: one row per change of a balance, with the balance
-- after it, never updated or deleted.
CREATE TABLE points_ledger (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    delta   INTEGER NOT NULL CHECK (delta <> 0),
    balance INTEGER NOT NULL CHECK (balance >= 0),
    reason  TEXT NOT NULL DEFAULT '',
    actor   TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL
) STRICT;

-- A user's ledger, newest first; also serves the foreign key.
CREATE INDEX points_ledger_user_id ON points_ledger (user_id, id);

-- The pre-registration waiting list: email addresses (in normal form) that
-- have no account yet. Registering an account with one deletes its row.
CREATE TABLE preregistrations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL UNIQUE CHECK (email <> ''),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
) STRICT;
