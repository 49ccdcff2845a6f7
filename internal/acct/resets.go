package acct

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
	"time"
)

// Code sizes: a reset code is read aloud, a forgot-password key travels
// in a link.
const (
	resetCodeBytes  = 10 // 80 bits: 16 characters in four groups
	forgotCodeBytes = 17 // 136 bits: 28 characters
	codeIDPrefix    = "cod_"
	// MinSecretLength is the shortest installation secret accepted, in bytes.
	MinSecretLength = 32
)

// crockford is Crockford's base32: no I, L, O or U, so that a code read
// aloud or typed from paper cannot be misread.
var crockford = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// newCode returns a fresh code of n random bytes in Crockford base32.
func (l *Local) newCode(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", Internal(err, "make code")
	}
	return crockford.EncodeToString(b), nil
}

// groupCode writes a code in groups of four for reading aloud:
// 7KQ2-MX9D-4TFA-R1ZC.
func groupCode(c string) string {
	var b strings.Builder
	for i := 0; i < len(c); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(c[i:min(i+4, len(c))])
	}
	return b.String()
}

// canonicalCode undoes what people do to a code: letter case, hyphens
// and spaces, and the letters Crockford reads as digits (I and L as 1, O
// as 0). It reports false for anything that cannot be a code.
func canonicalCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if !strings.ContainsRune("0123456789ABCDEFGHJKMNPQRSTVWXYZ", r) {
			return "", false
		}
		b.WriteRune(r)
	}
	c := b.String()
	n := len(c)
	return c, n == crockford.EncodedLen(resetCodeBytes) || n == crockford.EncodedLen(forgotCodeBytes)
}

// codeMAC is the keyed hash under which a code is stored.
func (l *Local) codeMAC(canonical string) ([]byte, error) {
	if len(l.opt.Secret) < MinSecretLength {
		return nil, Errorf(CodeInternal, "no installation secret: codes cannot be issued or checked (set secret_file)")
	}
	if err := l.secretChecked(); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, l.opt.Secret)
	m.Write([]byte("acctl code v1\x00"))
	m.Write([]byte(canonical))
	return m.Sum(nil), nil
}

// newCodeID returns a fresh public code id.
func (l *Local) newCodeID() (string, error) {
	b := make([]byte, sessionIDBytes)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", Internal(err, "make code id")
	}
	return codeIDPrefix + idEncoding.EncodeToString(b), nil
}

// clampTTL bounds a reset code's lifetime, saying so when it had to.
func clampTTL(ttl time.Duration) (time.Duration, []string, error) {
	switch {
	case ttl < 0:
		return 0, nil, FieldError("ttl", "must not be negative")
	case ttl == 0:
		return DefaultResetCodeTTL, nil, nil
	case ttl < MinResetCodeTTL:
		return MinResetCodeTTL, []string{fmt.Sprintf("ttl %s is too short to read a code out: using %s", ttl, MinResetCodeTTL)}, nil
	case ttl > MaxResetCodeTTL:
		return MaxResetCodeTTL, []string{fmt.Sprintf("ttl %s is longer than a reset code may live: using %s", ttl, MaxResetCodeTTL)}, nil
	}
	return ttl, nil, nil
}

// destination is where a notice by ch reaches the user.
func destination(u *UserRecord, ch Channel) (string, error) {
	switch ch {
	case ChannelEmail:
		if u.Email == "" {
			return "", FieldError("send", "user %d has no email address", u.ID)
		}
		return u.Email, nil
	case ChannelSMS:
		if u.Phone == "" {
			return "", FieldError("send", "user %d has no phone", u.ID)
		}
		return u.Phone, nil
	}
	return "", nil
}

// IssueResetCode issues a password reset code for a user, voiding the
// user's older reset codes, and hands it over or sends it.
func (l *Local) IssueResetCode(ctx context.Context, in ResetCodeRequest) (*ResetCode, error) {
	if err := l.permit(ctx, "IssueResetCode"); err != nil {
		return nil, err
	}
	if in.Send == "" {
		in.Send = ChannelNone
	}
	switch in.Send {
	case ChannelNone, ChannelEmail, ChannelSMS:
	default:
		return nil, FieldError("send", "%q is not one of none, email, sms", in.Send)
	}
	if in.Send != ChannelNone {
		if err := l.deliveryReady(in.Send); err != nil {
			return nil, err
		}
	}
	ttl, warnings, err := clampTTL(in.TTL)
	if err != nil {
		return nil, err
	}
	reason, err := normalizeNote("reason", in.Reason)
	if err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	code, err := l.newCode(resetCodeBytes)
	if err != nil {
		return nil, err
	}
	mac, err := l.codeMAC(code)
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
		if err := l.mayChange(ctx, rec, "issue a reset code for"); err != nil {
			return err
		}
		if err := resettable(rec); err != nil {
			return err
		}
		to, err := destination(rec, in.Send)
		if err != nil {
			return err
		}
		now := l.now()
		if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, Kinds: []CodeKind{CodeKindReset}, At: now}); err != nil {
			return err
		}
		c = &CodeRecord{ID: id, UserID: rec.ID, Kind: CodeKindReset, MAC: mac, Channel: in.Send, Destination: to,
			CreatedAt: now, ExpiresAt: now.Add(ttl), IssuedBy: l.actor(ctx), Reason: reason}
		if err := tx.InsertCode(ctx, c); err != nil {
			return err
		}
		detail := fmt.Sprintf("code %s, expires %s, %s", id, c.ExpiresAt.Format(time.RFC3339), sendNote(in.Send))
		if reason != "" {
			detail += ", reason: " + reason
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionResetCodeIssue, rec.ID, detail))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionResetCodeIssue, idOf(rec), wrap(err, "issue reset code"))
	}
	out := &ResetCode{ID: id, UserID: rec.ID, ExpiresAt: c.ExpiresAt, IssuedBy: c.IssuedBy, SentBy: in.Send,
		SentTo: c.Destination, Warnings: warnings}
	if in.Send == ChannelNone {
		out.Code = groupCode(code)
		return out, nil
	}
	n := Notice{Channel: in.Send, To: c.Destination, Template: TemplateResetCode, Language: rec.Language,
		Data: NoticeData{Name: displayName(rec), Code: groupCode(code), ExpiresAt: c.ExpiresAt}}
	if err := l.deliver(ctx, rec.ID, c, n); err != nil {
		return nil, err
	}
	return out, nil
}

func sendNote(ch Channel) string {
	if ch == ChannelNone {
		return "handed over by the issuer"
	}
	return "sent by " + string(ch)
}

// displayName is how a message addresses the user.
func displayName(u *UserRecord) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Username
}

// deliver sends n for the code c. When the delivery fails the code is
// voided, so that no valid code is left that nobody received, and the
// failure is in the audit trail.
func (l *Local) deliver(ctx context.Context, userID int64, c *CodeRecord, n Notice) error {
	sendErr := l.opt.Notifier.Notify(ctx, n)
	ctx = context.WithoutCancel(ctx)
	err := l.store.Update(ctx, func(tx Tx) error {
		ev := l.event(ctx, ActionCodeDeliver, userID, fmt.Sprintf("code %s by %s", c.ID, n.Channel))
		if sendErr != nil {
			if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: userID, IDs: []string{c.ID}, At: l.now()}); err != nil {
				return err
			}
			ev.Outcome, ev.Detail = OutcomeFailure, ev.Detail+": "+sendErr.Error()+"; code voided"
		}
		return tx.InsertEvent(ctx, ev)
	})
	if sendErr != nil {
		code := CodeUnavailable // a transport failure: safe to retry
		if ErrorCode(sendErr) == CodeInvalid {
			code = CodeInvalid // the message or the configuration is wrong
		}
		return &Error{Code: code, Field: "send", Message: "delivery failed, the code was voided: " + sendErr.Error(), Err: sendErr}
	}
	return wrap(err, "record delivery")
}

// deliveryReady refuses, before anything is made, a message by ch that no
// transport could carry.
func (l *Local) deliveryReady(ch Channel) error {
	if l.opt.Notifier == nil {
		return FieldError("send", "no message delivery is configured (see email.smtp.*, sms.*, outbox)")
	}
	return l.opt.Notifier.Ready(ch)
}

// resettable refuses accounts whose password may not be reset.
func resettable(rec *UserRecord) error {
	if err := writable(rec); err != nil {
		return err
	}
	if rec.Status == StatusLocked && rec.LockedUntil == nil {
		return Errorf(CodeRefused, "user %d is locked by an operator%s: unlock it first", rec.ID, reasonNote(rec.LockReason))
	}
	return nil
}

// codeError says why a code cannot be used at now, or nil. Its Reason
// tells a used or voided code (ReasonEnded) from an expired one
// (ReasonExpired): the caller holds the code, so telling gives nothing
// away, and a page behind a link says which.
func codeError(c *CodeRecord, now time.Time) *Error {
	switch {
	case c.UsedAt != nil:
		return Errorf(CodeUnauthenticated, "code %s was already used at %s", c.ID, c.UsedAt.Format(time.RFC3339)).WithReason(ReasonEnded)
	case c.VoidedAt != nil:
		return Errorf(CodeUnauthenticated, "code %s was voided at %s", c.ID, c.VoidedAt.Format(time.RFC3339)).WithReason(ReasonEnded)
	case !now.Before(c.ExpiresAt):
		return Errorf(CodeUnauthenticated, "code %s expired at %s", c.ID, c.ExpiresAt.Format(time.RFC3339)).WithReason(ReasonExpired)
	}
	return nil
}

// findCode finds the reset or forgot-password code that the user typed.
// A code of the wrong shape or unknown is "wrong".
func (l *Local) findCode(ctx context.Context, tx Tx, code string) (*CodeRecord, error) {
	canon, ok := canonicalCode(code)
	if !ok {
		return nil, Errorf(CodeUnauthenticated, "wrong reset code: not the shape of one (like 7KQ2-MX9D-4TFA-R1ZC)").WithReason(ReasonInvalid)
	}
	mac, err := l.codeMAC(canon)
	if err != nil {
		return nil, err
	}
	c, err := tx.GetCode(ctx, CodeKey{MAC: mac})
	if IsCode(err, CodeNotFound) {
		return nil, Errorf(CodeUnauthenticated, "wrong reset code: no such code").WithReason(ReasonInvalid)
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(c.MAC, mac) || (c.Kind != CodeKindReset && c.Kind != CodeKindForgot) {
		return nil, Errorf(CodeUnauthenticated, "wrong reset code: no such code").WithReason(ReasonInvalid)
	}
	return c, nil
}

// ResetPassword uses a reset or forgot-password code to set a new
// password. A refused password leaves the code usable; a used code never
// works again, even when several processes submit it at once. The user's
// sessions end, the other codes are voided and a lockout is lifted.
func (l *Local) ResetPassword(ctx context.Context, in PasswordReset) (*User, error) {
	if err := l.permit(ctx, "ResetPassword"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Code) == "" {
		return nil, FieldError("code", "required")
	}
	if in.Password == "" {
		return nil, FieldError("password", "required")
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	if in.Phone != "" {
		return l.resetByPhone(ctx, in)
	}
	c, rec, err := l.usableResetCode(ctx, in.Code)
	if err != nil {
		return nil, l.fail(ctx, ActionPasswordReset, codeUser(c), wrap(err, "reset password"))
	}
	if err := CheckPassword(in.Password, l.opt.PasswordMinLength, rec.Username, rec.Email); err != nil {
		return nil, l.fail(ctx, ActionPasswordReset, rec.ID, err)
	}
	hash, scram, err := l.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	var cur *UserRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		now := l.now()
		used, err := tx.UseCode(ctx, c.Seq, now)
		if err != nil {
			return err
		}
		if !used { // another process was first, or it was voided meanwhile
			fresh, err := tx.GetCode(ctx, CodeKey{ID: c.ID})
			if err != nil {
				return err
			}
			if err := codeError(fresh, now); err != nil {
				return err
			}
			return Errorf(CodeUnauthenticated, "code %s cannot be used", c.ID).WithReason(ReasonEnded)
		}
		if cur, err = tx.GetUser(ctx, UserKey{Field: KeyID, ID: c.UserID}); err != nil {
			return err
		}
		l.settle(cur, now)
		if err := resettable(cur); err != nil {
			return err
		}
		cur.PasswordHash, cur.HasPassword, cur.FailedLogins, cur.UpdatedAt = hash, true, 0, now
		if err := l.verifyReached(ctx, tx, cur, c, now); err != nil {
			return err
		}
		if cur.LockedUntil != nil { // a lockout after failed logins: the reset proves the owner
			cur.LockedUntil, cur.LockReason = nil, ""
			if cur.Status == StatusLocked {
				cur.Status = StatusActive
			}
		}
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := putVerifier(ctx, tx, cur, scram); err != nil {
			return err
		}
		ended, err := l.endAll(ctx, tx, cur.ID, "")
		if err != nil {
			return err
		}
		voided, err := tx.VoidCodes(ctx, CodeVoid{UserID: cur.ID, At: now})
		if err != nil {
			return err
		}
		detail := "code " + c.ID + endedNote(ended) + voidedNote(voided)
		return tx.InsertEvent(ctx, l.event(ctx, ActionPasswordReset, cur.ID, detail))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionPasswordReset, c.UserID, wrap(err, "reset password"))
	}
	return &cur.User, nil
}

// usableResetCode finds the reset or forgot-password code and its
// account, and says why the code cannot be used now: ResetPassword's
// checks before the new password, which CheckLink makes too, reading
// only. The code is returned when it was found, whatever the error.
func (l *Local) usableResetCode(ctx context.Context, code string) (*CodeRecord, *UserRecord, error) {
	var c *CodeRecord
	var rec *UserRecord
	err := l.store.View(ctx, func(tx Tx) (err error) {
		if c, err = l.findCode(ctx, tx, code); err != nil {
			return err
		}
		if err := codeError(c, l.now()); err != nil {
			return err
		}
		rec, err = tx.GetUser(ctx, UserKey{Field: KeyID, ID: c.UserID})
		return err
	})
	if err != nil {
		return c, nil, err
	}
	if err := l.mayChange(ctx, rec, "reset the password of"); err != nil {
		return c, nil, err
	}
	if err := resettable(rec); err != nil {
		return c, nil, err
	}
	return c, rec, nil
}

// verifyReached marks the address that a used code was sent to as
// verified (a forgot-password link or a reset code by email or SMS): the
// code reached it, as a recovery passcode proves its phone. A code handed
// over by an operator proves nothing; an address that is no longer the
// account's is left alone. The caller saves cur.
func (l *Local) verifyReached(ctx context.Context, tx Tx, cur *UserRecord, c *CodeRecord, now time.Time) error {
	kind := AddressEmail
	switch {
	case c.Destination == "":
		return nil
	case c.Channel == ChannelSMS:
		kind = AddressPhone
	case c.Channel != ChannelEmail:
		return nil
	}
	if ok, err := l.addressVerified(ctx, tx, cur, kind, c.Destination); err != nil || ok {
		return err
	}
	err := l.verifyAddress(ctx, tx, cur, kind, c.Destination, now)
	if IsCode(err, CodeNotFound) {
		return nil
	}
	return err
}

func codeUser(c *CodeRecord) int64 {
	if c == nil {
		return 0
	}
	return c.UserID
}

// voidedNote tells the audit trail how many codes a change voided.
func voidedNote(voided []string) string {
	switch len(voided) {
	case 0:
		return ""
	case 1:
		return "; voided 1 code"
	}
	return fmt.Sprintf("; voided %d codes", len(voided))
}

// ListCodes returns a user's outstanding codes (unused, not voided, not
// expired), newest first, never the codes themselves.
func (l *Local) ListCodes(ctx context.Context, ref string) ([]CodeInfo, error) {
	if err := l.permit(ctx, "ListCodes"); err != nil {
		return nil, err
	}
	var recs []CodeRecord
	err := l.store.View(ctx, func(tx Tx) error {
		u, err := l.get(ctx, tx, ref)
		if err != nil {
			return err
		}
		recs, err = tx.ListCodes(ctx, CodeFilter{UserID: u.ID, Outstanding: true, Now: l.now()})
		return err
	})
	if err != nil {
		return nil, wrap(err, "list codes")
	}
	out := make([]CodeInfo, len(recs))
	for i, c := range recs {
		out[i] = CodeInfo{ID: c.ID, Kind: c.Kind, UserID: c.UserID, CreatedAt: c.CreatedAt,
			ExpiresAt: c.ExpiresAt, IssuedBy: c.IssuedBy, SentBy: c.Channel}
	}
	return out, nil
}

// RevokeCodes voids one code, or every outstanding code of a user.
func (l *Local) RevokeCodes(ctx context.Context, in RevokeCodes) (*RevokeResult, error) {
	if err := l.permit(ctx, "RevokeCodes"); err != nil {
		return nil, err
	}
	if (in.ID == "") == (in.User == "") {
		return nil, FieldError("code", "give a code id or a user, not both and not neither")
	}
	res := &RevokeResult{Revoked: []string{}}
	var userID int64
	err := l.store.Update(ctx, func(tx Tx) error {
		q := CodeVoid{At: l.now()}
		if in.User != "" {
			u, err := l.get(ctx, tx, in.User)
			if err != nil {
				return err
			}
			q.UserID = u.ID
		} else {
			c, err := tx.GetCode(ctx, CodeKey{ID: strings.TrimSpace(in.ID)})
			if IsCode(err, CodeNotFound) {
				return &Error{Code: CodeNotFound, Field: "code", Message: fmt.Sprintf("no code %q", in.ID)}
			}
			if err != nil {
				return err
			}
			if err := codeError(c, q.At); err != nil {
				return &Error{Code: CodeConflict, Field: "code", Message: err.Error()}
			}
			q.UserID, q.IDs = c.UserID, []string{c.ID}
		}
		userID = q.UserID
		voided, err := tx.VoidCodes(ctx, q)
		if err != nil {
			return err
		}
		res.Revoked = append(res.Revoked[:0], voided...)
		if len(voided) == 0 {
			return nil
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionCodeRevoke, q.UserID, "revoked "+strings.Join(voided, ", ")))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionCodeRevoke, userID, wrap(err, "revoke codes"))
	}
	return res, nil
}

// ForgotPassword queues a reset link for an email address (a JobForgot,
// see jobs.go): the job sends it if the address belongs to an account
// that may reset its password. The answer comes once the job is
// committed, after the same work whether or not the address is an
// account's, so that it cannot be used to discover accounts, by its words
// or by its time; a failed delivery is in the audit trail, not in the
// answer.
func (l *Local) ForgotPassword(ctx context.Context, email string) error {
	if err := l.permit(ctx, "ForgotPassword"); err != nil {
		return err
	}
	addr, err := l.forgotReady(ctx, email)
	if err != nil {
		return err
	}
	return l.submit(ctx, JobForgot, forgotJob{Email: addr})
}

// forgotReady normalises the address of a forgot-password request and
// checks what a reset link needs: email delivery, public_url and the
// store's installation secret. Both the request (before its job is
// queued) and the job (before it makes a link) ask, since the
// configuration may change between them.
func (l *Local) forgotReady(ctx context.Context, email string) (string, error) {
	addr, err := NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	if addr == "" {
		return "", FieldError("email", "required")
	}
	if err := l.deliveryReady(ChannelEmail); err != nil {
		return "", err
	}
	if l.opt.PublicURL == "" {
		return "", FieldError("public_url", "not configured: a reset link needs the address of the reset page")
	}
	if err := l.secretReady(ctx); err != nil {
		return "", err
	}
	return addr, nil
}

// sendForgotLink sends a reset link to an email address if it belongs to
// an account that may reset its password: the work of a JobForgot. Each
// call makes a fresh link, voiding the older. A failed delivery is its
// error (the job is tried again) and in the audit trail.
func (l *Local) sendForgotLink(ctx context.Context, email string) error {
	addr, err := l.forgotReady(ctx, email)
	if err != nil {
		return err
	}
	code, err := l.newCode(forgotCodeBytes)
	if err != nil {
		return err
	}
	mac, err := l.codeMAC(code)
	if err != nil {
		return err
	}
	id, err := l.newCodeID()
	if err != nil {
		return err
	}
	var rec *UserRecord
	var c *CodeRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		rec, err = l.forgotAccount(ctx, tx, addr)
		if IsCode(err, CodeNotFound) {
			rec = nil
			return nil
		}
		if err != nil {
			return err
		}
		l.settle(rec, l.now())
		if resettable(rec) != nil {
			rec = nil
			return nil
		}
		now := l.now()
		if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, Kinds: []CodeKind{CodeKindForgot}, At: now}); err != nil {
			return err
		}
		c = &CodeRecord{ID: id, UserID: rec.ID, Kind: CodeKindForgot, MAC: mac, Channel: ChannelEmail, Destination: addr,
			CreatedAt: now, ExpiresAt: now.Add(DefaultForgotTTL), IssuedBy: l.actor(ctx)}
		if err := tx.InsertCode(ctx, c); err != nil {
			return err
		}
		detail := fmt.Sprintf("forgot-password link %s, expires %s", id, c.ExpiresAt.Format(time.RFC3339))
		return tx.InsertEvent(ctx, l.event(ctx, ActionResetCodeIssue, rec.ID, detail))
	})
	if err != nil {
		return wrap(err, "forgot password")
	}
	if rec == nil {
		return nil
	}
	n := Notice{Channel: ChannelEmail, To: addr, Template: TemplateForgot, Language: rec.Language,
		Data: NoticeData{Name: displayName(rec), URL: codeLink(l.opt.PublicURL, code, "token"), ExpiresAt: c.ExpiresAt}}
	return l.deliver(ctx, rec.ID, c, n) // recorded in the audit trail
}

// forgotAccount finds the account that a forgot-password link for addr
// goes to: the one whose primary email it is, verified or not, or the one
// whose verified extra address it is. An unverified extra address reaches
// nobody: anyone may add an address, and a link to it would hand the
// account to whoever did.
func (l *Local) forgotAccount(ctx context.Context, tx Tx, addr string) (*UserRecord, error) {
	rec, err := tx.GetUser(ctx, UserKey{Field: KeyEmail, Value: addr})
	if !IsCode(err, CodeNotFound) {
		return rec, err
	}
	a, err := tx.GetAddress(ctx, AddressEmail, addr)
	if err != nil {
		return nil, err
	}
	if !a.Verified {
		return nil, Errorf(CodeNotFound, "no such user")
	}
	return tx.GetUser(ctx, UserKey{Field: KeyID, ID: a.UserID})
}

// resetByPhone sets a new password with a recovery passcode sent to a
// phone (see SendOTP). A refused password leaves the passcode as it was.
//
// The work before the answer is the same whether or not the number is an
// account's (the auth API's /auth/recovery/sms/reset answers both as a
// wrong code): the policy without the account's names, one hash, and
// checkOTP, whose failures all cost alike. The policy's check against the
// account's username and email address waits until the passcode has
// proven the phone: before, its refusal would tell whose number it is.
func (l *Local) resetByPhone(ctx context.Context, in PasswordReset) (*User, error) {
	phone, err := NormalizePhone(in.Phone, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	code, err := canonicalOTP(in.Code)
	if err != nil {
		return nil, err
	}
	if err := CheckPassword(in.Password, l.opt.PasswordMinLength, "", ""); err != nil {
		return nil, err
	}
	hash, scram, err := l.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	cur, err := l.checkOTP(ctx, phone, PurposeRecovery, code, func(tx Tx, cur *UserRecord, c *CodeRecord, now time.Time) (string, error) {
		if err := resettable(cur); err != nil {
			return "", err
		}
		if err := CheckPassword(in.Password, l.opt.PasswordMinLength, cur.Username, cur.Email); err != nil {
			return "", err // rolled back: the passcode stays usable
		}
		cur.PasswordHash, cur.HasPassword, cur.FailedLogins = hash, true, 0
		if c.Destination == cur.Phone {
			cur.PhoneVerified = true // the code reached it
		}
		// Bound to the new hash, which checkOTP stores after this.
		if err := putVerifier(ctx, tx, cur, scram); err != nil {
			return "", err
		}
		ended, err := l.endAll(ctx, tx, cur.ID, "")
		if err != nil {
			return "", err
		}
		voided, err := tx.VoidCodes(ctx, CodeVoid{UserID: cur.ID, At: now})
		if err != nil {
			return "", err
		}
		ev := l.event(ctx, ActionPasswordReset, cur.ID, "recovery passcode "+c.ID+endedNote(ended)+voidedNote(voided))
		if err := tx.InsertEvent(ctx, ev); err != nil {
			return "", err
		}
		return "recovery: new password", nil
	})
	if err != nil {
		return nil, err
	}
	return &cur.User, nil
}
