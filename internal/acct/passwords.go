package acct

import (
	"context"
	"fmt"
	"time"
)

// SetPassword sets an account's password on an operator's word; every
// session of the user ends.
func (l *Local) SetPassword(ctx context.Context, ref, password string) (*User, error) {
	if err := l.permit(ctx, "SetPassword"); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, FieldError("password", "required")
	}
	var rec *UserRecord
	err := l.store.View(ctx, func(tx Tx) (err error) {
		rec, err = l.get(ctx, tx, ref)
		return err
	})
	if err != nil {
		return nil, wrap(err, "set password")
	}
	u, err := l.replacePassword(ctx, rec, password, "", ActionPasswordSet)
	if err != nil {
		return nil, l.fail(ctx, ActionPasswordSet, rec.ID, wrap(err, "set password"))
	}
	return u, nil
}

// ChangePassword checks the current password (a wrong one counts towards
// the lockout) and sets the new one; every other session of the user ends.
func (l *Local) ChangePassword(ctx context.Context, in PasswordChange) (*User, error) {
	if err := l.permit(ctx, "ChangePassword"); err != nil {
		return nil, err
	}
	if in.Current == "" {
		return nil, FieldError("current", "the current password is required")
	}
	if in.New == "" {
		return nil, FieldError("password", "the new password is required")
	}
	if in.Confirmation != "" && in.Confirmation != in.New {
		return nil, FieldError("confirmation", "does not match the new password")
	}
	key, err := refKey(in.Ref, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	l2 := *l
	l2.noRehash = true // the new password replaces the hash anyway
	rec, err := l2.attempt(ctx, key, in.Ref, in.Current, false, ActionPasswordChange, nil)
	if err != nil {
		return nil, wrap(err, "change password")
	}
	u, err := l.replacePassword(ctx, rec, in.New, in.KeepSession, ActionPasswordChange)
	if err != nil {
		return nil, l.fail(ctx, ActionPasswordChange, rec.ID, wrap(err, "change password"))
	}
	return u, nil
}

// replacePassword checks password against the policy, hashes it and
// stores it for rec, provided the stored hash is still rec's; every
// session of the user but keep ends and the failed-login count resets.
func (l *Local) replacePassword(ctx context.Context, rec *UserRecord, password, keep, action string) (*User, error) {
	if err := writable(rec); err != nil {
		return nil, err
	}
	if err := CheckPassword(password, l.opt.PasswordMinLength, rec.Username, rec.Email); err != nil {
		return nil, err
	}
	hash, scram, err := l.hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	var cur *UserRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if cur, err = l.get(ctx, tx, fmt.Sprint(rec.ID)); err != nil {
			return err
		}
		if err := writable(cur); err != nil {
			return err
		}
		if cur.PasswordHash != rec.PasswordHash {
			return Errorf(CodeConflict, "the password of user %d changed meanwhile: try again", cur.ID)
		}
		if keep != "" {
			s, err := findSession(ctx, tx, SessionRef{ID: keep})
			if err != nil {
				return err
			}
			if s.UserID != cur.ID {
				return FieldError("keep_session", "session %s belongs to user %d, not to user %d", s.ID, s.UserID, cur.ID)
			}
		}
		cur.PasswordHash, cur.HasPassword, cur.FailedLogins, cur.UpdatedAt = hash, true, 0, l.now()
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := putVerifier(ctx, tx, cur, scram); err != nil {
			return err
		}
		ended, err := l.endAll(ctx, tx, cur.ID, keep)
		if err != nil {
			return err
		}
		voided, err := tx.VoidCodes(ctx, CodeVoid{UserID: cur.ID, At: l.now()})
		if err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, action, cur.ID, "new password"+exceptNote(keep)+endedNote(ended)+voidedNote(voided)))
	})
	if err != nil {
		return nil, err
	}
	return &cur.User, nil
}

// LockUser disables an account, until opt.Until or until an operator
// unlocks it, and ends its sessions.
func (l *Local) LockUser(ctx context.Context, ref string, opt LockOptions) (*User, error) {
	if err := l.permit(ctx, "LockUser"); err != nil {
		return nil, err
	}
	reason, err := normalizeNote("reason", opt.Reason)
	if err != nil {
		return nil, err
	}
	now := l.now()
	if opt.Until != nil && !opt.Until.After(now) {
		return nil, FieldError("until", "%s is not in the future", opt.Until.Format(time.RFC3339))
	}
	var rec *UserRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		rec.Status, rec.LockReason, rec.UpdatedAt = StatusLocked, reason, now
		rec.LockedUntil = nil
		detail := "locked until unlocked"
		if opt.Until != nil {
			until := opt.Until.UTC().Truncate(time.Millisecond)
			rec.LockedUntil = &until
			detail = "locked until " + until.Format(time.RFC3339)
		}
		if err := tx.UpdateUser(ctx, rec); err != nil {
			return err
		}
		ended, err := l.endAll(ctx, tx, rec.ID, "")
		if err != nil {
			return err
		}
		// A code issued before the lock must not work after the unlock.
		voided, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, At: now})
		if err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionUserLock, rec.ID, detail+reasonNote(reason)+endedNote(ended)+voidedNote(voided)))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionUserLock, idOf(rec), wrap(err, "lock user"))
	}
	return &rec.User, nil
}

// UnlockUser lifts an operator's lock or a lockout after failed logins,
// and resets the failed-login count.
func (l *Local) UnlockUser(ctx context.Context, ref string) (*User, error) {
	if err := l.permit(ctx, "UnlockUser"); err != nil {
		return nil, err
	}
	var rec *UserRecord
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		if err := l.mayChange(ctx, rec, "unlock"); err != nil {
			return err
		}
		if heldFrom(rec) != StatusLocked && rec.LockedUntil == nil {
			return Errorf(CodeConflict, "user %d is not locked (status %s)", rec.ID, rec.Status)
		}
		switch {
		case rec.Status == StatusLocked:
			rec.Status = StatusActive
		case rec.Status == StatusHeld && rec.HeldFrom == StatusLocked:
			rec.HeldFrom = StatusActive // a restore returns it unlocked
		}
		rec.LockedUntil, rec.LockReason, rec.FailedLogins, rec.UpdatedAt = nil, "", 0, l.now()
		if err := tx.UpdateUser(ctx, rec); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionUserUnlock, rec.ID, ""))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionUserUnlock, idOf(rec), wrap(err, "unlock user"))
	}
	return &rec.User, nil
}
