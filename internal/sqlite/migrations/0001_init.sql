-- 0001: accounts and the audit trail.
--
-- Times are INTEGER Unix milliseconds UTC. Tables are STRICT, so a value of
-- the wrong type (such as a time written as text) is refused. An empty
-- username, email or phone is stored as NULL, so that any number of accounts
-- may have none; the CHECKs catch a caller that forgot.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
    username       TEXT UNIQUE CHECK (username <> ''),
    email          TEXT UNIQUE CHECK (email <> ''),
    email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    phone          TEXT UNIQUE CHECK (phone <> ''),
    phone_verified INTEGER NOT NULL DEFAULT 0 CHECK (phone_verified IN (0, 1)),
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL DEFAULT '',
    admin          INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    status         TEXT NOT NULL CHECK (status IN ('active', 'pending', 'locked', 'held', 'deleted')),
    hold_until     INTEGER,
    password_hash  TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
) STRICT;

CREATE INDEX users_status ON users (status);

CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_events_user_id ON audit_events (user_id, id);
CREATE INDEX audit_events_at ON audit_events (at);
