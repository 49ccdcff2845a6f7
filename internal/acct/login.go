package acct

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// A password check (Login, VerifyPassword, ChangePassword) does the same
// work whatever the name turns out to be (unknown, purged, locked,
// pending, on hold, without a password, or an account whose password is
// right or wrong), so that the time of the answer does not tell whether
// an account exists:
//
//  1. one read transaction: the account, if any, and its attempt bucket;
//  2. one password verification: of the account's hash when the account
//     may log in and has one, else of a dummy hash made with the current
//     argon2id parameters (an imported weaker hash costs what it costs);
//  3. one write transaction that records the outcome: a failure is
//     charged to the attempt bucket (and counted towards the lockout, and
//     audited); a success opens the session.
//
// Only a refusal by the limit before the check (step 1 finds the bucket
// empty) stops early, and it does so alike for every kind of name.

// authAttempt is what a password check decided, before it is recorded.
type authAttempt struct {
	rec     *UserRecord // the account as read before the check; nil for an unknown name
	foreign bool        // a foreign identity vouched: no password, no limit
	key     UserKey     // the name, as looked up
	bucket  string      // the key of the attempt bucket
	refusal error       // why the name may not log in whatever the password; nil when it may
	ok      bool        // the password was right (or a foreign identity vouched for), refused or not
	newHash string      // a stronger hash of the password, when the old one is weak
	// verifier is the account's SCRAM verifier as read with it; nil when
	// it has none (or a stale one, see ScramRecord).
	verifier *ScramRecord
	// newScram is the verifier of a right password, in text form, when
	// the account has none or one of other iterations (scram.go).
	newScram string
	// serverSig is, for a right SCRAM proof, the server signature that
	// proves to the client that the server holds the verifier.
	serverSig []byte
}

// credential is what an attempt checks: a password, or a SCRAM proof
// (challenge.go).
type credential struct {
	password string
	proof    *scramCheck
}

// authenticate reads the account named by key and checks the password
// outside any transaction (hashing is slow and must not hold the write
// lock). A refusal (unknown, purged, locked, no password) is kept in the
// attempt, for record to charge and answer, not returned: it costs the
// check of the dummy hash all the same. The error is a failure to check,
// or a refusal by the limit.
//
// A SCRAM proof (cred.proof) is checked in place of the password: against
// the account's verifier, or against none (an unknown name, an account
// that may not log in or has no verifier), which costs the same two HMACs
// and takes no proof. It is not password hashing, so it does not take a
// turn in the hashing pool, for a known name or an unknown one alike.
func (l *Local) authenticate(ctx context.Context, key UserKey, ref string, cred credential, foreign bool) (*authAttempt, error) {
	a := &authAttempt{bucket: nameBucket(key), foreign: foreign, key: key}
	password := cred.password
	var until time.Time
	err := l.store.View(ctx, func(tx Tx) (err error) {
		a.rec, a.verifier, until, a.bucket = nil, nil, time.Time{}, nameBucket(key)
		rec, err := tx.GetUser(ctx, key)
		switch {
		case IsCode(err, CodeNotFound):
		case err != nil:
			return err
		default:
			a.rec, a.bucket = rec, userBucket(rec.ID)
		}
		if foreign {
			return nil
		}
		// The verifier is read for an unknown name too (of id 0: none),
		// so that both do the same reads.
		var id int64
		if a.rec != nil {
			id = a.rec.ID
		}
		v, err := tx.GetScramVerifier(ctx, id)
		switch {
		case IsCode(err, CodeNotFound):
		case err != nil:
			return err
		case a.rec != nil && v.validFor(a.rec.PasswordHash):
			a.verifier = v
		}
		until, err = tx.AttemptsUntil(ctx, a.bucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := l.now()
	if a.rec == nil {
		a.refusal = &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("no user %q", ref)}
		if foreign {
			return nil, a.refusal // no password to guess: no check, no limit
		}
	}
	if !foreign {
		if err := l.limited(until, now); err != nil {
			return nil, err
		}
	}
	hash := ""
	if a.rec != nil {
		l.settle(a.rec, now)
		switch err := l.loginAllowed(a.rec, now); {
		case holdRanOut(a.rec, now): // answered as for an unknown name
			a.refusal = &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("no user %q", ref)}
		case err != nil:
			a.refusal = err
			if a.rec.Status != StatusDeleted {
				// Locked or unverified: the account's own hash, checked
				// as an active account's is, so that a right password
				// learns why (provenRefusal) and a wrong one nothing.
				hash = a.rec.PasswordHash
			}
		case foreign:
			a.ok = true
			return a, nil
		case a.rec.PasswordHash == "":
			a.refusal = Errorf(CodeUnauthenticated, "user %d has no password: set one with a reset or `acctl password set`", a.rec.ID)
		default:
			hash = a.rec.PasswordHash
		}
	}
	if foreign {
		// Refused, recorded without a check: the identity was vouched
		// for, so the refusal may say why.
		a.ok = a.rec != nil
		return a, nil
	}
	if cred.proof != nil {
		return l.checkProof(a, cred.proof, hash), nil
	}
	if hash == "" {
		// The same check as a real one at the current cost, in the
		// hashing pool like any (a full pool answers unavailable, as it
		// would for a real account), its result unused: the answer must
		// not come sooner.
		if hash, err = l.dummyHash(); err != nil {
			return nil, err
		}
		var verr error
		if err := l.opt.HashPool.Do(ctx, func() { _, _, verr = l.verify(password, hash) }); err != nil {
			return nil, err
		}
		if verr != nil {
			return nil, Internal(verr, "verify the dummy password")
		}
		return a, nil
	}
	// The check and a rehash take one turn in the hashing pool: a good
	// password is never refused half way for a full pool.
	var verr, herr error
	err = l.opt.HashPool.Do(ctx, func() {
		var rehash bool
		if a.ok, rehash, verr = l.verify(password, hash); verr == nil && a.ok && rehash && !l.noRehash && a.refusal == nil {
			a.newHash, herr = l.hasher().Hash(password)
		}
		// A right password and no verifier of the current cost, or a new
		// hash (which a verifier is bound to): make one now, while the
		// plaintext is here (scram.go).
		// Never from a password the hash checked only in part (bcrypt's
		// first 72 bytes): its tail must not become the password.
		if verr == nil && herr == nil && a.ok && !l.noRehash && (a.newHash != "" || l.wantsVerifier(a.verifier)) &&
			!truncatedCheck(hash, password) {
			a.newScram, herr = newScramVerifier(password, l.opt.ScramIterations, l.opt.Rand)
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
		return nil, Internal(verr, fmt.Sprintf("verify password of user %d", a.rec.ID))
	case herr != nil:
		return nil, Internal(herr, "rehash password")
	}
	return a, nil
}

// truncatedCheck reports whether checking password against hash read
// only part of it (bcrypt reads 72 bytes).
func truncatedCheck(hash, password string) bool {
	ph, err := parseHash(hash)
	return err != nil || ph.truncates(password)
}

// verify is the one password verification of an attempt, real or dummy.
func (l *Local) verify(password, hash string) (ok, rehash bool, err error) {
	if l.onVerify != nil {
		l.onVerify(hash)
	}
	return l.hasher().Verify(password, hash)
}

// userBucket is the attempt bucket of an account, whatever name found it.
func userBucket(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// nameBucket is the attempt bucket of a name: an id's account's bucket
// (whether or not there is one), else the normalised name, so that every
// spelling of one unknown name shares a bucket too ("Vic@Example.com"
// and "vic@example.com"; every spacing of a phone is one E.164 number).
func nameBucket(key UserKey) string {
	v := key.Value
	switch key.Field {
	case KeyID:
		return userBucket(key.ID)
	case KeyEmail:
		if n, err := NormalizeEmail(v); err == nil && n != "" {
			v = n
		}
	case KeyUsername:
		if n, err := NormalizeUsername(v); err == nil && n != "" {
			v = n
		}
	}
	k := string(key.Field) + ":" + v
	if len(k) > maxBucketKey { // a long name stands as its SHA-256
		sum := sha256.Sum256([]byte(k))
		k = string(key.Field) + ":sha256:" + hex.EncodeToString(sum[:])
	}
	return k
}

// maxBucketKey bounds the length of a bucket key.
const maxBucketKey = 200

// noLimitWindow is the window of the charges made without a limit: so
// wide that no charge is refused, even by a server whose clock is behind.
const noLimitWindow = 100 * 365 * 24 * time.Hour

// limitCost returns the cost of one attempt and the window of the login
// limit, as Tx.ChargeAttempt takes them. Without a limit the cost is 0
// and the window endless: a charge always succeeds, and the work stays
// the same.
func (l *Local) limitCost() (cost, window time.Duration) {
	r := l.opt.LoginLimit
	if r.Events < 0 {
		return 0, noLimitWindow
	}
	cost = (r.Per / time.Duration(r.Events)).Truncate(time.Millisecond)
	return cost, cost * time.Duration(r.Events)
}

// limited returns the refusal of an attempt by the login limit when a
// bucket paid off at until could not take one more attempt at now, else
// nil. Its message names neither the account nor the name: the refusal
// must not tell whether there is an account.
func (l *Local) limited(until, now time.Time) error {
	if l.opt.LoginLimit.Events < 0 {
		return nil
	}
	cost, window := l.limitCost()
	wait := until.Add(cost).Sub(now.Add(window))
	if wait <= 0 {
		return nil
	}
	secs := int64((wait + time.Second - 1) / time.Second)
	return &Error{Code: CodeRefused, RetryAfter: wait,
		Message: fmt.Sprintf("too many failed attempts for this name: try again in %d seconds", secs)}
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

// provenRefusal is the refusal of an account whose password was proven
// right (or whose foreign identity was vouched for): refusal given its
// Reason, and the account's id, since the caller has shown it is theirs.
// Before the password is proven a refusal carries neither (it must not
// tell a locked or unverified account from a wrong password or an
// unknown name); a public front end answers those all alike.
func (l *Local) provenRefusal(cur *UserRecord, refusal error, now time.Time) error {
	var e *Error
	if !errors.As(refusal, &e) {
		return refusal
	}
	out := *e
	switch {
	case cur.Status == StatusDeleted || holdRanOut(cur, now):
		// Purged, or a hold that ran out (the account waits only for its
		// purge): answered as an unknown name, even to its password.
		return refusal
	case cur.LockedUntil != nil && lockAllowed(cur, now) != nil:
		// A lockout for a while, on hold or not: the message says until
		// when (then a login works, and lifts a hold).
		out.Reason = ReasonLocked
	case cur.Status == StatusHeld:
		// A hold a login does not lift (held from an operator's lock, or
		// from pending when verification is required): an operator
		// restores.
		out.Reason = ReasonHeld
		out.Message = fmt.Sprintf("user %d is on a deletion hold that a login does not lift: an operator must restore it", cur.ID)
	case lockAllowed(cur, now) != nil:
		out.Reason = ReasonLocked
	case heldFrom(cur) == StatusPending && l.opt.RequireVerified:
		out.Reason = ReasonUnverified
		out.Message = fmt.Sprintf("user %d is not verified yet: open the activation link sent to its address "+
			"to activate it (an operator sends a new one with `acctl user activate --send %d`)", cur.ID, cur.ID)
	default:
		return refusal
	}
	out.UserID = cur.ID
	return &out
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

// dummy is the hash that an attempt checks when there is no real one to
// check: an argon2id PHC string with the current parameters and a random
// salt and key. It is made without hashing (no password has that key,
// but checking one costs a whole argon2id computation at those
// parameters), so the first check that needs it costs what every other
// does.
type dummy struct {
	once sync.Once
	hash string
	err  error
}

// dummyHash returns the dummy hash, making it at the first call.
func (l *Local) dummyHash() (string, error) {
	d := l.dummy
	d.once.Do(func() {
		b := make([]byte, argonSaltLen+argonKeyLen)
		if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
			d.err = Internal(err, "make the dummy password hash")
			return
		}
		p, b64 := l.opt.Argon2, base64.RawStdEncoding
		d.hash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
			b64.EncodeToString(b[:argonSaltLen]), b64.EncodeToString(b[argonSaltLen:]))
	})
	return d.hash, d.err
}

// record writes the outcome of an attempt in one transaction. A failure
// (a wrong password, or a refusal: unknown, purged, locked, pending, no
// password) is charged to the attempt bucket, then audited: for an
// account whose password was wrong with the exact failed-login count and
// perhaps a lockout, for a refused account with its refusal, for a name
// that is no account's without the name. A success finds the
// bucket not empty, then resets the count, clears a lapsed lock, replaces
// a weak hash and runs onOK, in the same transaction, with the current
// record. It returns the current record and, for a failure, the error to
// give (after the transaction committed, so that the failure counts).
func (l *Local) record(ctx context.Context, a *authAttempt, action string, onOK func(tx Tx, cur *UserRecord) error) (*UserRecord, error, error) {
	var cur *UserRecord
	var failure error
	cost, window := l.limitCost()
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		cur, failure = nil, nil
		now := l.now()
		refusal := a.refusal
		hadLock := false
		if a.rec == nil && !a.foreign {
			// The same look-up as a known name's (its account again, by
			// id): the name is judged by the read before the check.
			if _, err := tx.GetUser(ctx, a.key); err != nil && !IsCode(err, CodeNotFound) {
				return err
			}
		}
		if a.rec != nil {
			if cur, err = tx.GetUser(ctx, UserKey{Field: KeyID, ID: a.rec.ID}); err != nil {
				return err
			}
			hadLock = cur.LockedUntil != nil
			l.settle(cur, now)
			if refusal == nil {
				if err := l.loginAllowed(cur, now); err != nil {
					refusal = err // locked meanwhile, by a concurrent failure or an operator
				} else if cur.PasswordHash != a.rec.PasswordHash {
					return errHashChanged
				}
			}
		}
		if !a.foreign && (refusal != nil || !a.ok) {
			until, charged, err := tx.ChargeAttempt(ctx, a.bucket, cost, window, now)
			if err != nil {
				return err
			}
			if !charged { // emptied by concurrent failures since the read
				failure = l.limited(until, now)
				return nil
			}
		}
		switch {
		case refusal != nil:
			failure = refusal
			if a.ok && cur != nil && (a.foreign || cur.PasswordHash == a.rec.PasswordHash) {
				failure = l.provenRefusal(cur, refusal, now)
			}
			// A name that is no account's (or a purged one's) is audited
			// without the name, which may be personal data.
			ev := l.event(ctx, action, 0, "no account has the name given")
			if cur != nil && auditable(refusal) {
				ev = l.event(ctx, action, cur.ID, refusal.Error())
			}
			ev.Outcome = OutcomeFailure
			return tx.InsertEvent(ctx, ev)
		case !a.ok:
			msg, err := l.countFailure(ctx, tx, cur, action, now, "wrong password")
			failure = Errorf(CodeUnauthenticated, "%s", msg)
			return err
		}
		if !a.foreign {
			until, err := tx.AttemptsUntil(ctx, a.bucket)
			if err != nil {
				return err
			}
			if failure = l.limited(until, now); failure != nil {
				return nil // a right password is refused too while the bucket is empty
			}
		}
		// An account with an active second factor keeps its count of
		// failures until a code is right (VerifyMFA resets it): else a
		// right password would wipe the count of wrong codes between
		// tries, and the lockout would never come.
		factor := false
		if action == ActionSessionLogin {
			if factor, err = activeFactor(ctx, tx, cur.ID); err != nil {
				return err
			}
		}
		changed := (cur.FailedLogins != 0 && !factor) || (hadLock && cur.LockedUntil == nil)
		if !factor {
			cur.FailedLogins = 0
		}
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
		if a.newScram != "" { // bound to the hash as it now is
			if err := putVerifier(ctx, tx, cur, a.newScram); err != nil {
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

// auditable reports whether a refused attempt goes in the audit trail:
// the kinds of error Local.fail records.
func auditable(err error) bool {
	switch ErrorCode(err) {
	case CodeConflict, CodeRefused, CodeUnauthenticated:
		return true
	}
	return false
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
	cur, _, err := l.attemptWith(ctx, key, ref, credential{password: password}, foreign, action, onOK)
	return cur, err
}

// attemptWith is attempt for a credential: a password or a SCRAM proof.
// For a right proof it also returns the attempt, whose serverSig the
// client checks.
func (l *Local) attemptWith(ctx context.Context, key UserKey, ref string, cred credential, foreign bool, action string, onOK func(Tx, *UserRecord) error) (*UserRecord, *authAttempt, error) {
	for i := 0; ; i++ {
		a, err := l.authenticate(ctx, key, ref, cred, foreign)
		if err != nil {
			return nil, nil, err
		}
		cur, failure, err := l.record(ctx, a, action, onOK)
		switch {
		case errors.Is(err, errHashChanged) && i+1 < maxAttempts:
			continue
		case errors.Is(err, errHashChanged):
			return nil, nil, Errorf(CodeUnavailable, "the password of user %d keeps changing during the check: try again", a.rec.ID)
		case err != nil && a.rec != nil:
			return nil, nil, l.fail(ctx, action, a.rec.ID, err)
		case err != nil:
			return nil, nil, err
		}
		return cur, a, failure // a failure was recorded by record itself
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
	token, hash, id, err := l.newSessionKeys()
	if err != nil {
		return nil, err
	}
	var out *Session
	var mfa error
	_, err = l.attempt(ctx, key, ref, in.Password, in.Foreign != "", ActionSessionLogin, func(tx Tx, cur *UserRecord) (err error) {
		detail := ""
		if in.Foreign != "" {
			detail = " via " + cur.Foreign
		}
		if in.Keep {
			detail += ", persistent"
		}
		out, mfa, err = l.passwordProven(ctx, tx, cur, provenLogin{ID: id, Token: token, Hash: hash, Keep: in.Keep, Label: label, Detail: detail})
		return err
	})
	if err != nil {
		return nil, wrap(err, "log in")
	}
	if mfa != nil {
		return nil, mfa
	}
	return out, nil
}

// provenLogin is the session a login opens once it is proven: made before
// the transaction (randomness), written in it.
type provenLogin struct {
	ID     string // the session's public id
	Token  string // its secret token
	Hash   []byte // the token's SHA-256
	Keep   bool
	Label  string
	Detail string // added to the audit detail ("via github:1", ", persistent")
}

// passwordProven is where every login goes once the password (or, for
// the SCRAM login, the proof; or the vouched foreign identity) is proven,
// inside the transaction that records the success: the one place of the
// second-factor rule. An account with an active factor gets no session:
// a waiting login is stored (mfa_tokens, MFATokenTTL) and mfaRequired is
// the answer, CodeUnauthenticated with ReasonMFARequired and the
// mfa_token, for Service.VerifyMFA; its caller commits the transaction
// (the waiting login must be stored) and returns mfaRequired. Any other
// account gets its session, opened as openSession does.
func (l *Local) passwordProven(ctx context.Context, tx Tx, cur *UserRecord, p provenLogin) (s *Session, mfaRequired, err error) {
	now := l.now()
	factor, err := activeFactor(ctx, tx, cur.ID)
	if err != nil {
		return nil, nil, err
	}
	if factor {
		token, hash, err := l.newMFAToken()
		if err != nil {
			return nil, nil, err
		}
		w := &MFATokenRecord{TokenHash: hash, UserID: cur.ID, Keep: p.Keep, Label: p.Label, Detail: p.Detail,
			CreatedAt: now, ExpiresAt: now.Add(MFATokenTTL)}
		if err := tx.InsertMFAToken(ctx, w); err != nil {
			return nil, nil, err
		}
		detail := "password proven; waiting for the second factor until " + w.ExpiresAt.Format(time.RFC3339)
		if err := tx.InsertEvent(ctx, l.event(ctx, ActionMFAChallenge, cur.ID, detail)); err != nil {
			return nil, nil, err
		}
		e := Errorf(CodeUnauthenticated, "user %d has a second factor: give a code from the authenticator (or a recovery code) with the mfa_token within %s",
			cur.ID, humanDuration(MFATokenTTL)).WithReason(ReasonMFARequired)
		e.MFAToken = token
		return nil, e, nil
	}
	rec, err := l.openSession(ctx, tx, cur, p.ID, p.Hash, p.Keep, p.Label, p.Detail, now)
	if err != nil {
		return nil, nil, err
	}
	out := rec.Session
	out.Token, out.Status = p.Token, SessionActive
	return &out, nil, nil
}

// openSession opens the session of a proven login (and, for an account
// with a second factor, a proven code) inside tx: it lifts a deletion
// hold, stores the session and audits the login.
func (l *Local) openSession(ctx context.Context, tx Tx, cur *UserRecord, id string, hash []byte, keep bool, label, detail string, now time.Time) (*SessionRecord, error) {
	if cur.Status == StatusHeld {
		note := "a login lifted the deletion hold: " + liftHold(cur, now)
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return nil, err
		}
		if err := tx.InsertEvent(ctx, l.event(ctx, ActionUserRestore, cur.ID, note)); err != nil {
			return nil, err
		}
	}
	s := l.newSession(cur, id, hash, keep, label, now)
	if err := tx.InsertSession(ctx, s); err != nil {
		return nil, err
	}
	return s, tx.InsertEvent(ctx, l.event(ctx, ActionSessionLogin, cur.ID, "session "+s.ID+detail))
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
