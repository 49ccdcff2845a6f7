-- 0004: one-time passcodes (OTPs) in the codes table (as internal/sqlite's
-- 0004).

-- What an OTP is for (verify-phone, recovery, signup); '' for the other
-- kinds of code and for codes stored before this migration. Not limited to
-- today's purposes here: the core decides which exist.
ALTER TABLE codes ADD COLUMN purpose text NOT NULL DEFAULT '';

-- A user's codes of one kind and purpose, newest first (the cooldown and
-- the current passcode): seq is the last column, so the newest is read
-- first without sorting.
CREATE INDEX codes_user_purpose ON codes (user_id, purpose, kind, seq);

-- The codes sent to one address since a moment (the per-destination send
-- limit).
CREATE INDEX codes_destination ON codes (destination, created_at);
