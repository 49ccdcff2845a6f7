package acct

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// otpLimit is the largest multiple of 10^6 that fits in 32 bits: drawing
// below it keeps every 6-digit code equally likely.
const otpLimit = 4294000000

// newOTP returns 6 random digits.
func (l *Local) newOTP() (string, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(l.opt.Rand, b[:]); err != nil {
			return "", Internal(err, "make passcode")
		}
		if n := binary.BigEndian.Uint32(b[:]); n < otpLimit {
			return fmt.Sprintf("%0*d", otpDigits, n%1000000), nil
		}
	}
}

// otpMAC is the keyed hash of a passcode for c: it binds the code to its
// purpose, account, destination and id, so that it is good for nothing
// else (and two codes never share a MAC).
func (l *Local) otpMAC(c *CodeRecord, code string) ([]byte, error) {
	if len(l.opt.Secret) < MinSecretLength {
		return nil, Errorf(CodeInternal, "no installation secret: codes cannot be issued or checked (set secret_file)")
	}
	if err := l.secretChecked(); err != nil {
		return nil, err
	}
	if l.onMAC != nil {
		l.onMAC()
	}
	m := hmac.New(sha256.New, l.opt.Secret)
	for _, part := range []string{"acctl otp v1", c.Purpose, strconv.FormatInt(c.UserID, 10), c.Destination, c.ID, code} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return m.Sum(nil), nil
}

func validPurpose(p string) error {
	switch p {
	case PurposeVerifyPhone, PurposeRecovery, PurposeSignup:
		return nil
	}
	return FieldError("purpose", "%q is not one of verify-phone, recovery, signup", p)
}

// canonicalOTP takes spaces and hyphens out of a typed passcode.
func canonicalOTP(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s)
	if len(s) != otpDigits || !isDigits(s) {
		return "", FieldError("code", "a passcode is %d digits", otpDigits)
	}
	return s, nil
}

// SendOTP sends a one-time passcode for a purpose: by SMS to the phone
// named by the REF (or the account's phone), or by email. The older code
// of the same purpose is voided. Sends are spaced by Options.OTPCooldown
// per account, purpose and destination, and limited to OTPSendLimit per OTPSendWindow
// per destination.
func (l *Local) SendOTP(ctx context.Context, in OTPRequest) (*OTPSent, error) {
	if err := l.permit(ctx, "SendOTP"); err != nil {
		return nil, err
	}
	if err := validPurpose(in.Purpose); err != nil {
		return nil, err
	}
	ch := in.Channel
	if ch == "" {
		ch = ChannelSMS
	}
	switch {
	case ch != ChannelSMS && ch != ChannelEmail:
		return nil, FieldError("channel", "%q is not one of sms, email", ch)
	case in.Purpose == PurposeVerifyPhone && ch != ChannelSMS:
		return nil, FieldError("channel", "a phone is verified by a code sent to it: use sms")
	case in.Purpose == PurposeRecovery && ch != ChannelSMS:
		return nil, FieldError("channel", "a recovery passcode goes to the phone (password reset --phone takes it); by email, use password forgot")
	}
	if err := l.deliveryReady(ch); err != nil {
		return nil, err
	}
	key, err := refKey(in.Ref, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	code, err := l.newOTP()
	if err != nil {
		return nil, err
	}
	id, err := l.newCodeID()
	if err != nil {
		return nil, err
	}
	var rec *UserRecord
	var c *CodeRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.Ref); err != nil {
			return err
		}
		if err := l.mayChange(ctx, rec, "send a passcode to"); err != nil {
			return err
		}
		if err := l.otpAllowed(rec, in.Purpose); err != nil {
			return err
		}
		to, err := otpDestination(rec, key, ch)
		if err != nil {
			return err
		}
		verified, err := l.addressVerified(ctx, tx, rec, AddressPhone, to)
		if err != nil {
			return err
		}
		switch {
		case in.Purpose == PurposeVerifyPhone && verified:
			return &Error{Code: CodeConflict, Field: "phone", Message: fmt.Sprintf("this phone of user %d is already verified", rec.ID)}
		case ch == ChannelSMS && in.Purpose != PurposeVerifyPhone && to != rec.Phone && !verified:
			// Anyone can add a phone; only a proven one may open the account.
			return Errorf(CodeRefused, "a %s passcode goes only to the primary phone or a verified one: verify this phone first", in.Purpose)
		}
		c, err = l.putOTP(ctx, tx, rec, in.Purpose, ch, to, id, code, "by "+string(ch))
		return err
	})
	if err != nil {
		return nil, l.fail(ctx, ActionOTPSend, idOf(rec), wrap(err, "send passcode"))
	}
	return l.deliverOTP(ctx, rec, c, code)
}

// putOTP stores, inside tx, a new passcode of purpose for rec, to go by
// ch to the address to: the per-destination limit, the older code of the
// purpose voided, the code's MAC, and the audit event ("how" says how it
// goes, as "by sms").
func (l *Local) putOTP(ctx context.Context, tx Tx, rec *UserRecord, purpose string, ch Channel, to, id, code, how string) (*CodeRecord, error) {
	now := l.now()
	if err := l.otpRateLimit(ctx, tx, rec.ID, purpose, to, now); err != nil {
		return nil, err
	}
	if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, Kinds: []CodeKind{CodeKindOTP}, Purpose: purpose, At: now}); err != nil {
		return nil, err
	}
	c := &CodeRecord{ID: id, UserID: rec.ID, Kind: CodeKindOTP, Purpose: purpose, Channel: ch, Destination: to,
		CreatedAt: now, ExpiresAt: now.Add(l.opt.OTPTTL), IssuedBy: l.actor(ctx)}
	var err error
	if c.MAC, err = l.otpMAC(c, code); err != nil {
		return nil, err
	}
	if err := tx.InsertCode(ctx, c); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("passcode %s for %s %s, expires %s", id, purpose, how, c.ExpiresAt.Format(time.RFC3339))
	return c, tx.InsertEvent(ctx, l.event(ctx, ActionOTPSend, rec.ID, detail))
}

// deliverOTP sends the passcode c (its plaintext code) to rec and answers
// what was sent.
func (l *Local) deliverOTP(ctx context.Context, rec *UserRecord, c *CodeRecord, code string) (*OTPSent, error) {
	n := Notice{Channel: c.Channel, To: c.Destination, Template: TemplateOTP, Language: rec.Language,
		Data: NoticeData{Name: displayName(rec), Code: code, ExpiresAt: c.ExpiresAt, Purpose: c.Purpose}}
	if err := l.deliver(ctx, rec.ID, c, n); err != nil {
		return nil, err
	}
	return &OTPSent{ID: c.ID, UserID: rec.ID, To: c.Destination, Channel: c.Channel, Purpose: c.Purpose, ExpiresAt: c.ExpiresAt}, nil
}

// otpAllowed refuses a passcode that the account's state makes pointless.
func (l *Local) otpAllowed(rec *UserRecord, purpose string) error {
	if err := writable(rec); err != nil {
		return err
	}
	switch {
	case purpose == PurposeSignup && rec.Status != StatusPending:
		return Errorf(CodeConflict, "user %d is already activated", rec.ID)
	case purpose == PurposeRecovery:
		return resettable(rec)
	}
	return nil
}

// otpDestination is where a passcode for rec goes: the phone the REF
// named, or the account's phone or email.
func otpDestination(rec *UserRecord, key UserKey, ch Channel) (string, error) {
	if ch == ChannelSMS && key.Field == KeyPhone {
		return key.Value, nil
	}
	if ch == ChannelEmail && key.Field == KeyEmail {
		return key.Value, nil
	}
	if ch == ChannelSMS && rec.Phone == "" {
		return "", FieldError("channel", "user %d has no phone", rec.ID)
	}
	if ch == ChannelEmail && rec.Email == "" {
		return "", FieldError("channel", "user %d has no email address", rec.ID)
	}
	return destination(rec, ch)
}

// otpRateLimit refuses a send within the cooldown of the last code of the
// same purpose to the same destination (a code to one phone of an account
// does not hold up the verification of its other phone), or beyond
// OTPSendLimit codes per OTPSendWindow to one destination, saying how long
// to wait.
func (l *Local) otpRateLimit(ctx context.Context, tx Tx, userID int64, purpose, to string, now time.Time) error {
	last, err := tx.ListCodes(ctx, CodeFilter{UserID: userID, Kinds: []CodeKind{CodeKindOTP}, Purpose: purpose, Destination: to, Limit: 1})
	if err != nil {
		return err
	}
	if len(last) > 0 {
		if next := last[0].CreatedAt.Add(l.opt.OTPCooldown); now.Before(next) {
			return Errorf(CodeRefused, "a passcode was sent %s ago: wait %s before asking for another",
				humanDuration(now.Sub(last[0].CreatedAt).Round(time.Second)), humanDuration(waitFor(next.Sub(now))))
		}
	}
	recent, err := tx.ListCodes(ctx, CodeFilter{Kinds: []CodeKind{CodeKindOTP}, Destination: to, Since: now.Add(-OTPSendWindow + time.Millisecond)})
	if err != nil {
		return err
	}
	if len(recent) >= OTPSendLimit {
		// recent is newest first: a send is allowed again when the
		// OTPSendLimit-th newest leaves the window.
		next := recent[OTPSendLimit-1].CreatedAt.Add(OTPSendWindow)
		return Errorf(CodeRefused, "%d passcodes were sent to this address in the last %s: wait %s",
			len(recent), humanDuration(OTPSendWindow), humanDuration(waitFor(next.Sub(now))))
	}
	return nil
}

// humanDuration writes d without zero units: 1m rather than 1m0s.
func humanDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// plural writes n thing or n things.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// waitFor says how long to wait, in whole seconds rounded up, so that
// waiting as told is always enough.
func waitFor(d time.Duration) time.Duration {
	return ((d + time.Second - 1) / time.Second) * time.Second
}

// VerifyOTP checks a passcode and does what its purpose proves: a
// verify-phone code marks the phone verified, a signup code activates a
// pending account. A recovery code goes with a new password to
// ResetPassword instead.
func (l *Local) VerifyOTP(ctx context.Context, in OTPCheck) (*User, error) {
	if err := l.permit(ctx, "VerifyOTP"); err != nil {
		return nil, err
	}
	if err := validPurpose(in.Purpose); err != nil {
		return nil, err
	}
	if in.Purpose == PurposeRecovery {
		return nil, FieldError("purpose", "a recovery code is used with the new password: acctl password reset --phone PHONE")
	}
	code, err := canonicalOTP(in.Code)
	if err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	rec, err := l.checkOTP(ctx, in.Ref, in.Purpose, code, func(tx Tx, cur *UserRecord, c *CodeRecord, now time.Time) (string, error) {
		if in.Purpose == PurposeSignup {
			if cur.Status != StatusPending {
				return "", Errorf(CodeConflict, "user %d is already activated", cur.ID)
			}
			cur.Status = StatusActive
		}
		if err := l.markVerified(ctx, tx, cur, c.Channel, c.Destination, now); err != nil {
			return "", err
		}
		return in.Purpose, nil
	})
	if err != nil {
		return nil, err
	}
	return &rec.User, nil
}

// markVerified records that the user controls address (reached by ch),
// a primary or an extra one; the caller saves cur.
func (l *Local) markVerified(ctx context.Context, tx Tx, cur *UserRecord, ch Channel, address string, at time.Time) error {
	kind := AddressPhone
	if ch == ChannelEmail {
		kind = AddressEmail
	}
	err := l.verifyAddress(ctx, tx, cur, kind, address, at)
	if IsCode(err, CodeNotFound) {
		return Errorf(CodeUnauthenticated, "the code was sent to an address that is no longer the user's")
	}
	return err
}

// addressVerified reports whether value is a verified address of rec's;
// an address rec does not have is not verified.
func (l *Local) addressVerified(ctx context.Context, tx Tx, rec *UserRecord, kind AddressKind, value string) (bool, error) {
	if p, verified := primaryOf(rec, kind); p == value {
		return verified, nil
	}
	a, err := tx.GetAddress(ctx, kind, value)
	if IsCode(err, CodeNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.UserID == rec.ID && a.Verified, nil
}

// checkOTP checks code against the outstanding passcode of purpose for
// the account named by ref (and, when ref is a phone, sent to that
// phone). A wrong code counts against the code (void after
// Options.OTPAttempts) and against the account (the lockout). A right one
// is used, once, and onOK applies its effect to the account in the same
// transaction, returning a note for the audit trail.
func (l *Local) checkOTP(ctx context.Context, ref, purpose, code string,
	onOK func(tx Tx, cur *UserRecord, c *CodeRecord, now time.Time) (string, error)) (*UserRecord, error) {
	return l.checkOTPTo(ctx, ref, "", purpose, code, onOK)
}

// checkOTPTo is checkOTP for a passcode sent to the phone to (in normal
// form) of the account named by ref, whether or not the account has that
// phone yet (ConfirmAddress); "" means as the REF says.
//
// A failed check does the same work whatever made it fail, so that its
// time cannot tell whether the number (or any REF) is an account's: a
// public endpoint (/auth/signin/verify, /auth/recovery/sms/reset)
// answers every failure alike, and must not take longer for one. Every
// outcome does
//
//  1. one read transaction: the account, if the REF names one, and its
//     outstanding passcode of the purpose (for an unknown REF the same
//     query, for the id noRow);
//  2. one HMAC of the typed code: against the outstanding passcode, or,
//     when there is none or the account is refused, a record of the same
//     shape;
//  3. one write transaction, which reads the account again (an unknown
//     REF: the same look-up) and records the outcome. A failure runs
//     the same statements whatever it was: the count of the code's
//     attempts, the account's failed-login count, one audit event. For a
//     wrong code the counts are the code's and the account's; for a
//     refusal (an unknown REF, an account already active, locked or
//     purged, no outstanding passcode) they are of seq and id noRow, which
//     name no row: the same statements, nothing counted, nothing false
//     stored. The event of an unknown or purged account names nobody.
//
// A right code is used, once, and onOK applies its effect in the write
// transaction. A failed write differs with the outcome only by the rows
// its statements change: a wrong code's two counted rows commit two more
// pages, 0.1-0.2 ms on the benchmark machine (docs/benchmarks.md), and
// that state lasts at most Options.OTPAttempts checks. TestOTPCheckEqualWork
// counts the work.
func (l *Local) checkOTPTo(ctx context.Context, ref, to, purpose, code string,
	onOK func(tx Tx, cur *UserRecord, c *CodeRecord, now time.Time) (string, error)) (*UserRecord, error) {
	key, err := refKey(ref, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	codeKey := key
	if to != "" {
		codeKey = UserKey{Field: KeyPhone, Value: to}
	}
	var rec *UserRecord
	var c *CodeRecord
	var refusal error // why the check fails whatever the code; nil when the code decides
	err = l.store.View(ctx, func(tx Tx) (err error) {
		rec, c, refusal = nil, nil, nil
		rec, err = l.get(ctx, tx, ref)
		switch {
		case IsCode(err, CodeNotFound):
			rec, refusal = nil, err
		case err != nil:
			return err
		default:
			refusal = l.otpCheckAllowed(ctx, rec, purpose)
		}
		id := noRow // an unknown REF's codes are looked for as an account's
		if rec != nil {
			id = rec.ID
		}
		var miss error
		c, miss, err = l.currentOTP(ctx, tx, id, purpose, codeKey)
		if err != nil {
			return err
		}
		if rec == nil {
			c = nil
		} else if refusal == nil {
			refusal = miss
		}
		return nil
	})
	if err != nil {
		return nil, l.fail(ctx, ActionOTPVerify, idOf(rec), wrap(err, "verify passcode"))
	}
	if refusal == nil {
		refusal = lockAllowed(rec, l.now())
	}
	// The one HMAC, of the outstanding passcode or of a record of its
	// shape that no code was sent with.
	probe := c
	if refusal != nil || c == nil {
		probe = &CodeRecord{Purpose: purpose, Destination: codeKey.Value}
	}
	mac, err := l.otpMAC(probe, code)
	if err != nil {
		return nil, err
	}
	right := refusal == nil && hmac.Equal(mac, c.MAC)
	var cur *UserRecord
	var failure error
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		cur, failure = nil, nil
		now := l.now()
		why := refusal
		if rec == nil {
			// The same look-up as a known account's (its row again, by
			// id): the REF was judged by the read.
			if _, err := tx.GetUser(ctx, key); err != nil && !IsCode(err, CodeNotFound) {
				return err
			}
		} else {
			if cur, err = tx.GetUser(ctx, UserKey{Field: KeyID, ID: rec.ID}); err != nil {
				return err
			}
			l.settle(cur, now)
			if why == nil {
				why = lockAllowed(cur, now) // locked meanwhile
			}
		}
		if why != nil || !right {
			failure, err = l.otpFailed(ctx, tx, cur, c, why, now)
			return err
		}
		used, err := tx.UseCode(ctx, c.Seq, now)
		if err != nil {
			return err
		}
		if !used {
			return l.otpGone(ctx, tx, c, now)
		}
		note, err := onOK(tx, cur, c, now)
		if err != nil {
			return err
		}
		// A passcode proves the phone, not the password: the failed-login
		// count stays (a recovery that sets a password resets it).
		cur.UpdatedAt = now
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionOTPVerify, cur.ID, "passcode "+c.ID+": "+note))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionOTPVerify, idOf(rec), wrap(err, "verify passcode"))
	}
	if failure != nil {
		return nil, failure
	}
	return cur, nil
}

// otpCheckAllowed refuses a passcode check of rec that no code can pass.
func (l *Local) otpCheckAllowed(ctx context.Context, rec *UserRecord, purpose string) error {
	if err := l.mayChange(ctx, rec, "check a passcode of"); err != nil {
		return err
	}
	if purpose == PurposeSignup && (rec.Status == StatusActive || rec.Status == StatusLocked) {
		// Whatever the code: there is nothing left to activate.
		return Errorf(CodeConflict, "user %d is already activated", rec.ID)
	}
	return nil
}

// otpFailed records, inside the write transaction of checkOTPTo, a check
// that failed: a wrong code (refusal nil) counts against the code (void
// after Options.OTPAttempts) and against the account (the lockout); a
// refusal runs the same two statements on seq and id noRow, which name
// no row. Either way one audit event follows: the account's, or, for an
// unknown REF or a purged account, one that names nobody (the REF may be
// personal data). It returns the error to answer, which is not the
// transaction's: the failure is committed.
func (l *Local) otpFailed(ctx context.Context, tx Tx, cur *UserRecord, c *CodeRecord, refusal error, now time.Time) (failure, err error) {
	seq, id := noRow, noRow
	if refusal == nil {
		seq, id = c.Seq, cur.ID
	}
	n, err := tx.FailCodeAttempt(ctx, seq, l.opt.OTPAttempts, now)
	if err != nil {
		return nil, err
	}
	if refusal == nil {
		if n == 0 { // void or used since the read
			return nil, l.otpGone(ctx, tx, c, now)
		}
		msg, err := l.countFailure(ctx, tx, cur, ActionOTPVerify, now, "wrong passcode")
		if err != nil {
			return nil, err
		}
		if left := l.opt.OTPAttempts - n; left > 0 {
			msg += " (" + plural(left, "attempt") + " left)"
		} else {
			msg += "; no attempts left: the passcode is void, send a new one"
		}
		return Errorf(CodeUnauthenticated, "%s", msg), nil
	}
	// The statement of countFailure, on no account: nothing is counted.
	if _, err := tx.AddLoginFailure(ctx, id); err != nil && !IsCode(err, CodeNotFound) {
		return nil, err
	}
	ev := l.event(ctx, ActionOTPVerify, 0, "no account has the name given")
	if cur != nil && auditable(refusal) {
		ev = l.event(ctx, ActionOTPVerify, cur.ID, refusal.Error())
	}
	ev.Outcome = OutcomeFailure
	return refusal, tx.InsertEvent(ctx, ev)
}

// noRow is the id (or seq) of the probes that do an account's work for a
// REF that names none: ids and seqs start at 1, so the statement finds no
// row. Not 0, which a CodeFilter reads as any user.
const noRow int64 = -1

// currentOTP finds the outstanding passcode of purpose for a user, sent
// to the phone or address the REF named if it named one. When there is
// none, miss says why; err is a failure of the store.
func (l *Local) currentOTP(ctx context.Context, tx Tx, userID int64, purpose string, key UserKey) (c *CodeRecord, miss, err error) {
	f := CodeFilter{UserID: userID, Kinds: []CodeKind{CodeKindOTP}, Purpose: purpose, Limit: 1}
	if key.Field == KeyPhone { // only good for the number it was sent to
		f.Destination = key.Value
	}
	latest, err := tx.ListCodes(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	if len(latest) == 0 {
		return nil, Errorf(CodeUnauthenticated, "no %s passcode was sent to user %d: send one first", purpose, userID), nil
	}
	c = &latest[0]
	if err := codeError(c, l.now()); err != nil {
		return nil, err, nil
	}
	return c, nil, nil
}

// otpGone says why a passcode that was outstanding a moment ago is not.
func (l *Local) otpGone(ctx context.Context, tx Tx, c *CodeRecord, now time.Time) error {
	fresh, err := tx.GetCode(ctx, CodeKey{ID: c.ID})
	if err != nil {
		return err
	}
	if err := codeError(fresh, now); err != nil {
		return err
	}
	return Errorf(CodeUnauthenticated, "passcode %s cannot be used", c.ID)
}
