-- 0009: the durable queue of jobs (internal/acct/jobs.go): work that an
-- answer promises, committed before the answer.
--
-- As before: times are INTEGER Unix milliseconds UTC in columns named
-- *_at, and tables are STRICT.

-- A job. kind says what it does and payload (JSON) with what; a done or
-- dead job keeps no payload. state is pending, claimed, done or dead
-- (checked by the core, as codes' kinds). due_at is when a pending job
-- may run, or when a claimed job's lease ends: then it may be claimed
-- again (its runner died). attempts counts the claims; actor is who
-- asked for it.
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind <> ''),
    payload    TEXT,
    state      TEXT NOT NULL CHECK (state <> ''),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at     INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    done_at    INTEGER
) STRICT;

-- The claim looks for due jobs of the live states, oldest due first.
CREATE INDEX jobs_due ON jobs (due_at) WHERE state IN ('pending', 'claimed');
-- Housekeeping deletes finished jobs by age.
CREATE INDEX jobs_done ON jobs (done_at) WHERE done_at IS NOT NULL;
