-- 0008: the status an account had before its deletion hold.
--
-- Unregister puts an account on hold (status 'held'); a restore, or a
-- login that lifts the hold, returns it to held_from: 'active', 'pending'
-- or 'locked' (with its locked_until and lock_reason, which the hold
-- keeps). NULL while the account is not on hold, and for the accounts
-- already held when this migration ran: they return to 'active', as
-- every restore did before.
ALTER TABLE users ADD COLUMN held_from TEXT CHECK (held_from IN ('active', 'pending', 'locked'));
