package acct

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// authAttempt is what a password check decided, before it is recorded.
type authAttempt struct {
	rec     *UserRecord // the account as read before the check
	ok      bool        // the password was right (or a foreign identity vouched for)
	newHash string      // a stronger hash of the password, when the old one is weak
}

// authenticate checks a password for the account named by key, outside
// any transaction (hashing is slow and must not hold the write lock).
// Unknown, purged and locked accounts are refused before any check.
func (l *Local) authenticate(ctx context.Context, key UserKey, ref, password string, foreign bool) (*authAttempt, error) {
	var rec *UserRecord
	err := l.store.View(ctx, func(tx Tx) (err error) {
		rec, err = tx.GetUser(ctx, key)
		return err
	})
	if IsCode(err, CodeNotFound) {
		if !foreign {
			// Answer as slowly as for a real account; a full pool
			// answers unavailable, as it would for a real account.
			if err := l.dummyVerify(ctx, password); err != nil {
				return nil, err
			}
		}
		return nil, &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("no user %q", ref)}
	}
	if err != nil {
		return nil, err
	}
	now := l.now()
	l.settle(rec, now)
	if err := l.loginAllowed(rec, now); err != nil {
		if holdRanOut(rec, now) { // answered as for an unknown account
			if !foreign {
				if err := l.dummyVerify(ctx, password); err != nil {
					return nil, err
				}
			}
			return nil, &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("no user %q", ref)}
		}
		return &authAttempt{rec: rec}, err
	}
	a := &authAttempt{rec: rec, ok: foreign}
	if foreign {
		return a, nil
	}
	if rec.PasswordHash == "" {
		return a, Errorf(CodeUnauthenticated, "user %d has no password: set one with a reset or `acctl password set`", rec.ID)
	}
	// The check and a rehash take one turn in the hashing pool: a good
	// password is never refused half way for a full pool.
	var verr, herr error
	err = l.opt.HashPool.Do(ctx, func() {
		var rehash bool
		if a.ok, rehash, verr = l.hasher().Verify(password, rec.PasswordHash); verr == nil && a.ok && rehash && !l.noRehash {
			a.newHash, herr = l.hasher().Hash(password)
		}
	})
	switch {
	case err != nil:
		return nil, err // a full pool, or the caller went away
	case ErrorField(verr) == FirebaseConfigField:
		// The operator's configuration, not the store, is at fault:
		// say which keys to set rather than fail as an internal error.
		return nil, verr
	case verr != nil:
		return nil, Internal(verr, fmt.Sprintf("verify password of user %d", rec.ID))
	case herr != nil:
		return nil, Internal(herr, "rehash password")
	}
	return a, nil
}

// loginAllowed refuses accounts that may not log in whatever the
// password: purged, on a deletion hold that ran out (as if unknown: a
// login must not tell that such an account exists), locked, or pending
// when verification is required.
func (l *Local) loginAllowed(rec *UserRecord, now time.Time) error {
	if holdRanOut(rec, now) {
		return &Error{Code: CodeNotFound, Field: "user", Message: "no such user"}
	}
	if err := lockAllowed(rec, now); err != nil {
		return err
	}
	// An account on hold is judged by the status a login would return it
	// to: a held pending account logs in only as a pending one may.
	if heldFrom(rec) == StatusPending && l.opt.RequireVerified {
		return Errorf(CodeRefused, "user %d is not verified yet: it must be activated before it can log in", rec.ID)
	}
	return nil
}

// lockAllowed refuses purged and locked accounts.
func lockAllowed(rec *UserRecord, now time.Time) error {
	switch {
	case rec.Status == StatusDeleted:
		return &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("user %d was purged", rec.ID)}
	case heldFrom(rec) == StatusLocked && rec.LockedUntil == nil: // locked, or held from locked
		return Errorf(CodeRefused, "user %d is locked%s: an operator must unlock it", rec.ID, reasonNote(rec.LockReason))
	case rec.LockedUntil != nil && now.Before(*rec.LockedUntil):
		return Errorf(CodeRefused, "user %d is locked until %s%s", rec.ID, rec.LockedUntil.Format(time.RFC3339), reasonNote(rec.LockReason))
	}
	return nil
}

func reasonNote(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// dummyVerify spends the time of a password check, so that an unknown
// account does not answer faster than a known one. It runs in the
// hashing pool like any check (the first one also makes the dummy hash):
// its only error is the pool's (full, or ctx ended while waiting).
func (l *Local) dummyVerify(ctx context.Context, password string) error {
	return l.opt.HashPool.Do(ctx, func() {
		dummyOnce.Do(func() {
			dummyHash, _ = HashPassword("acctl dummy password for timing", l.opt.Argon2, l.opt.Rand)
		})
		if dummyHash != "" {
			_, _, _ = l.hasher().Verify(password, dummyHash)
		}
	})
}

// record writes the outcome of an attempt in one transaction: on failure
// the exact failed-login count and perhaps a lockout; on success the
// count reset, a lapsed lock cleared and a weak hash replaced. onOK runs
// after those, in the same transaction, with the current record. It
// returns the current record and, for a wrong password, the error to give
// (after the transaction committed, so that the failure counts).
func (l *Local) record(ctx context.Context, a *authAttempt, action string, onOK func(tx Tx, cur *UserRecord) error) (*UserRecord, error, error) {
	var cur *UserRecord
	var failure error
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		failure = nil
		if cur, err = tx.GetUser(ctx, UserKey{Field: KeyID, ID: a.rec.ID}); err != nil {
			return err
		}
		now := l.now()
		hadLock := cur.LockedUntil != nil
		l.settle(cur, now)
		if err := l.loginAllowed(cur, now); err != nil {
			return err // locked meanwhile, by a concurrent failure or an operator
		}
		if cur.PasswordHash != a.rec.PasswordHash {
			return errHashChanged
		}
		if !a.ok {
			msg, err := l.countFailure(ctx, tx, cur, action, now, "wrong password")
			failure = Errorf(CodeUnauthenticated, "%s", msg)
			return err
		}
		changed := cur.FailedLogins != 0 || (hadLock && cur.LockedUntil == nil)
		cur.FailedLogins = 0
		if a.newHash != "" {
			cur.PasswordHash, changed = a.newHash, true
			cur.HasPassword = true
		}
		if changed {
			cur.UpdatedAt = now
			if err := tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
		}
		if onOK != nil {
			return onOK(tx, cur)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return cur, failure, nil
}

// countFailure adds a failed login to cur and locks the account when the
// count reaches the threshold. It returns the message for the caller.
func (l *Local) countFailure(ctx context.Context, tx Tx, cur *UserRecord, action string, now time.Time, what string) (string, error) {
	n, err := tx.AddLoginFailure(ctx, cur.ID)
	if err != nil {
		return "", err
	}
	cur.FailedLogins = n
	ev := l.event(ctx, action, cur.ID, fmt.Sprintf("%s (%s in a row)", what, plural(n, "failure")))
	ev.Outcome = OutcomeFailure
	if err := tx.InsertEvent(ctx, ev); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("%s for user %d", what, cur.ID)
	if n < l.opt.LockoutThreshold {
		return msg, nil
	}
	until := now.Add(l.opt.LockoutDuration)
	switch {
	case cur.Status == StatusActive:
		cur.Status = StatusLocked
	case cur.Status == StatusHeld && heldFrom(cur) == StatusActive:
		cur.HeldFrom = StatusLocked // a restore returns it locked
	}
	cur.LockedUntil, cur.LockReason, cur.UpdatedAt = &until, fmt.Sprintf("%d failed logins", n), now
	if err := tx.UpdateUser(ctx, cur); err != nil {
		return "", err
	}
	detail := fmt.Sprintf("locked until %s after %d consecutive failures", until.Format(time.RFC3339), n)
	if err := tx.InsertEvent(ctx, l.event(ctx, ActionUserLock, cur.ID, detail)); err != nil {
		return "", err
	}
	return msg + "; the account is now locked until " + until.Format(time.RFC3339), nil
}

// errHashChanged says that the password changed between its check and
// the recording of the outcome (a concurrent rehash, change or reset).
var errHashChanged = errors.New("password changed during the check")

// maxAttempts bounds how often attempt checks again after errHashChanged.
const maxAttempts = 3

// attempt authenticates and records the outcome, checking again when the
// hash changed in between. Every refusal is in the audit trail once.
func (l *Local) attempt(ctx context.Context, key UserKey, ref, password string, foreign bool, action string, onOK func(Tx, *UserRecord) error) (*UserRecord, error) {
	for i := 0; ; i++ {
		a, err := l.authenticate(ctx, key, ref, password, foreign)
		if err != nil {
			if a != nil {
				return nil, l.fail(ctx, action, a.rec.ID, err)
			}
			return nil, err
		}
		cur, failure, err := l.record(ctx, a, action, onOK)
		switch {
		case errors.Is(err, errHashChanged) && i+1 < maxAttempts:
			continue
		case errors.Is(err, errHashChanged):
			return nil, Errorf(CodeUnavailable, "the password of user %d keeps changing during the check: try again", a.rec.ID)
		case err != nil:
			return nil, l.fail(ctx, action, a.rec.ID, err)
		}
		return cur, failure // a failure was recorded by record itself
	}
}

// loginKey validates the identity part of a Login.
func (l *Local) loginKey(in Login) (key UserKey, ref string, err error) {
	if in.Foreign != "" {
		if in.Ref != "" || in.Password != "" {
			return key, "", FieldError("foreign", "give a foreign identity, or a user and a password, not both")
		}
		f, err := NormalizeForeign(in.Foreign)
		if err != nil {
			return key, "", err
		}
		return UserKey{Field: KeyForeign, Value: f}, f, nil
	}
	if in.Password == "" {
		return key, "", FieldError("password", "required")
	}
	key, err = refKey(in.Ref, l.opt.PhoneRegion)
	return key, in.Ref, err
}

// Login checks the password (or vouches for the foreign identity) and
// opens a session. A login lifts a deletion hold.
func (l *Local) Login(ctx context.Context, in Login) (*Session, error) {
	if err := l.permit(ctx, "Login"); err != nil {
		return nil, err
	}
	key, ref, err := l.loginKey(in)
	if err != nil {
		return nil, err
	}
	label, err := normalizeNote("label", in.Label)
	if err != nil {
		return nil, err
	}
	token, hash, err := l.newToken()
	if err != nil {
		return nil, err
	}
	id, err := l.newSessionID()
	if err != nil {
		return nil, err
	}
	var s *SessionRecord
	_, err = l.attempt(ctx, key, ref, in.Password, in.Foreign != "", ActionSessionLogin, func(tx Tx, cur *UserRecord) error {
		now := l.now()
		if cur.Status == StatusHeld {
			detail := "a login lifted the deletion hold: " + liftHold(cur, now)
			if err := tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
			if err := tx.InsertEvent(ctx, l.event(ctx, ActionUserRestore, cur.ID, detail)); err != nil {
				return err
			}
		}
		s = l.newSession(cur, id, hash, in.Keep, label, now)
		if err := tx.InsertSession(ctx, s); err != nil {
			return err
		}
		detail := "session " + s.ID
		if in.Foreign != "" {
			detail += " via " + cur.Foreign
		}
		if in.Keep {
			detail += ", persistent"
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionSessionLogin, cur.ID, detail))
	})
	if err != nil {
		return nil, wrap(err, "log in")
	}
	out := s.Session
	out.Token, out.Status = token, SessionActive
	return &out, nil
}

// VerifyPassword checks a password without logging in. A wrong password
// counts towards the lockout; nothing else changes.
func (l *Local) VerifyPassword(ctx context.Context, ref, password string) error {
	if err := l.permit(ctx, "VerifyPassword"); err != nil {
		return err
	}
	key, _, err := l.loginKey(Login{Ref: ref, Password: password})
	if err != nil {
		return err
	}
	l2 := *l
	l2.noRehash = true // verify changes nothing but the failure count
	_, err = l2.attempt(ctx, key, ref, password, false, ActionPasswordVerify, nil)
	return wrap(err, "verify password")
}
