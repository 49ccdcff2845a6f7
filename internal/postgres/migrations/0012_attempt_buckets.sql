-- 0009: the attempt buckets of the per-account login limit (as
-- internal/sqlite's 0009).
--
-- One row per bucket: "user:<id>" for an account, or the normalised
-- name of a name that is no account's. until_ms is the time (Unix
-- milliseconds UTC) at which the failures charged to the bucket are paid
-- off: a generic cell rate algorithm, the token bucket kept as one
-- number, so that a charge is one guarded INSERT … ON CONFLICT DO UPDATE
-- … RETURNING, atomic across servers sharing the database.
CREATE TABLE attempt_buckets (
    key      text PRIMARY KEY CHECK (key <> ''),
    until_ms bigint NOT NULL
);

CREATE INDEX attempt_buckets_until ON attempt_buckets (until_ms);
