-- 0009: the attempt buckets of the per-account login limit.
--
-- One row per bucket: "user:<id>" for an account, or the normalised
-- name ("username:vic", "email:vic@example.com", "phone:+447400123451")
-- of a name that is no account's. until_ms is the time (Unix
-- milliseconds UTC) at which the failures charged to the bucket are paid
-- off, the bucket full again: a generic cell rate algorithm, the token
-- bucket kept as one number, so that a charge is one guarded UPSERT
-- (acct.Tx.ChargeAttempt). A row whose until_ms has passed is as good as
-- none; `acctl session purge` deletes those.
CREATE TABLE attempt_buckets (
    key      TEXT PRIMARY KEY CHECK (key <> ''),
    until_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX attempt_buckets_until ON attempt_buckets (until_ms);
