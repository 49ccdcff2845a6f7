-- 0009: the skeletons of usernames and email addresses, under unique keys.
--
-- A skeleton (acct.Skeleton, Unicode UTS #39) is equal for identifiers
-- that look alike: known@example.com and knоwn@example.com (a Cyrillic о).
-- A unique key on it makes a new identifier that looks like one in use a
-- conflict, decided by the store as a race between two processes is: one
-- success, one conflict. A phone number has none (NULL): E.164 is its own
-- normal form.
--
-- SQL cannot compute a skeleton: the program fills the column for the
-- rows already there, in the same transaction, right after this file
-- (fillSkeletons in migrate.go), oldest row first. A row whose skeleton
-- an older row already has keeps NULL: two accounts that looked alike
-- before this migration both stay as they are (the migration never fails
-- on them), and any new look-alike of theirs is a conflict with the older.
ALTER TABLE users ADD COLUMN username_skeleton TEXT CHECK (username_skeleton <> '');
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);

ALTER TABLE addresses ADD COLUMN skeleton TEXT CHECK (skeleton <> '');
CREATE UNIQUE INDEX addresses_kind_skeleton ON addresses (kind, skeleton);
