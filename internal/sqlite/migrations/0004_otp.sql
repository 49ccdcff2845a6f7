-- 0004: one-time passcodes (OTPs) in the codes table.
--
-- As before: times are INTEGER Unix milliseconds UTC and optional text is
-- stored as '', never NULL.

-- What an OTP is for (verify-phone, recovery, signup); '' for the other
-- kinds of code and for codes stored before this migration. Not limited to
-- today's purposes here: the core decides which exist.
ALTER TABLE codes ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

-- A user's codes of one kind and purpose, newest first (the cooldown and
-- the current passcode): equal on all three columns, the rows come in seq
-- (rowid) order, so the newest is read first without sorting.
CREATE INDEX codes_user_purpose ON codes (user_id, purpose, kind);

-- The codes sent to one address since a moment (the per-destination send
-- limit).
CREATE INDEX codes_destination ON codes (destination, created_at);
