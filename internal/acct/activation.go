package acct

import (
	"context"
	"crypto/hmac"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SendActivation sends the link that proves an email address: to a
// pending account's email (using it activates the account), or to an
// unverified address of an active account (using it verifies the
// address). A REF that is an email address says which address; any other
// REF means the primary one. The older link is voided.
func (l *Local) SendActivation(ctx context.Context, ref string) (*ActivationSent, error) {
	if err := l.permit(ctx, "SendActivation"); err != nil {
		return nil, err
	}
	if err := l.activationReady(); err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	key, err := refKey(ref, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	code, err := l.newCode(forgotCodeBytes)
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
	template := TemplateActivate
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		to := rec.Email
		if key.Field == KeyEmail {
			to = key.Value
		}
		if to == "" {
			return FieldError("email", "user %d has no email address to send a link to", rec.ID)
		}
		verified, err := l.addressVerified(ctx, tx, rec, AddressEmail, to)
		if err != nil {
			return err
		}
		template = TemplateActivate
		if rec.Status != StatusPending {
			if verified {
				return Errorf(CodeConflict, "user %d is already activated and this address is verified", rec.ID)
			}
			template = TemplateVerifyEmail
		}
		now := l.now()
		if _, err := tx.VoidCodes(ctx, CodeVoid{UserID: rec.ID, Kinds: []CodeKind{CodeKindActivation}, At: now}); err != nil {
			return err
		}
		c = &CodeRecord{ID: id, UserID: rec.ID, Kind: CodeKindActivation, MAC: mac, Channel: ChannelEmail,
			Destination: to, CreatedAt: now, ExpiresAt: now.Add(l.opt.ActivationTTL), IssuedBy: l.actor(ctx)}
		if err := tx.InsertCode(ctx, c); err != nil {
			return err
		}
		detail := fmt.Sprintf("activation link %s, expires %s", id, c.ExpiresAt.Format(time.RFC3339))
		return tx.InsertEvent(ctx, l.event(ctx, ActionActivationSend, rec.ID, detail))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionActivationSend, idOf(rec), wrap(err, "send activation link"))
	}
	n := Notice{Channel: ChannelEmail, To: c.Destination, Template: template, Language: rec.Language,
		Data: NoticeData{Name: displayName(rec), URL: codeLink(l.opt.PublicURL, code, "confirm"), ExpiresAt: c.ExpiresAt}}
	if err := l.deliver(ctx, rec.ID, c, n); err != nil {
		return nil, err
	}
	return &ActivationSent{ID: id, UserID: rec.ID, To: c.Destination, ExpiresAt: c.ExpiresAt}, nil
}

// activationReady refuses to send links that nobody could follow.
func (l *Local) activationReady() error {
	if l.opt.PublicURL == "" {
		return FieldError("public_url", "not configured: an activation link needs the address of the activation page")
	}
	return l.deliveryReady(ChannelEmail)
}

// Activate uses an activation key: the address the link was sent to is
// verified and a pending account becomes active. A used key, or one for an
// address already verified of an active account, is a conflict ("already
// activated"); a wrong, expired or voided key, or one sent to an address
// the account no longer has, is refused.
func (l *Local) Activate(ctx context.Context, key string) (*User, error) {
	if err := l.permit(ctx, "Activate"); err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	mac, err := l.activationMAC(key)
	if err != nil {
		return nil, err
	}
	var cur *UserRecord
	var c *CodeRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		now := l.now()
		if c, cur, err = l.usableActivation(ctx, tx, mac, now); err != nil {
			return err
		}
		used, err := tx.UseCode(ctx, c.Seq, now)
		if err != nil {
			return err
		}
		if !used {
			return Errorf(CodeConflict, "user %d is already activated", cur.ID)
		}
		if err := l.verifyAddress(ctx, tx, cur, AddressEmail, c.Destination, now); err != nil {
			if IsCode(err, CodeNotFound) {
				return Errorf(CodeUnauthenticated, "%s: it was sent to an address the account no longer has", invalidActivation).WithReason(ReasonEnded)
			}
			return err
		}
		detail := "activation link " + c.ID
		if cur.Status == StatusPending {
			cur.Status = StatusActive
		} else {
			detail += ": an email address verified"
		}
		cur.UpdatedAt = now
		if err := tx.UpdateUser(ctx, cur); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionUserActivate, cur.ID, detail))
	})
	if err != nil {
		var uid int64
		if cur != nil {
			uid = cur.ID
		}
		return nil, l.fail(ctx, ActionUserActivate, uid, wrap(err, "activate user"))
	}
	return &cur.User, nil
}

// invalidActivation begins the message of an activation key that cannot
// be used.
const invalidActivation = "invalid or outdated activation key"

// activationMAC is the keyed hash of an activation key, or why key
// cannot be one.
func (l *Local) activationMAC(key string) ([]byte, error) {
	canon, ok := canonicalCode(key)
	if !ok {
		return nil, Errorf(CodeUnauthenticated, "%s: not the shape of one", invalidActivation).WithReason(ReasonInvalid)
	}
	return l.codeMAC(canon)
}

// usableActivation finds the activation key of mac and its account in
// tx, and says why the key cannot be used at now: Activate's checks
// before it uses the key, which CheckLink makes too, reading only. The
// code and the account are returned when they were found, whatever the
// error. A used key, or one for an address already verified of an
// active account, is a conflict ("already activated"); a key sent to an
// address the account no longer has is ended.
func (l *Local) usableActivation(ctx context.Context, tx Tx, mac []byte, now time.Time) (c *CodeRecord, cur *UserRecord, err error) {
	c, err = tx.GetCode(ctx, CodeKey{MAC: mac})
	if IsCode(err, CodeNotFound) || (err == nil && (c.Kind != CodeKindActivation || !hmac.Equal(c.MAC, mac))) {
		return nil, nil, Errorf(CodeUnauthenticated, "%s: no such key", invalidActivation).WithReason(ReasonInvalid)
	}
	if err != nil {
		return nil, nil, err
	}
	if cur, err = tx.GetUser(ctx, UserKey{Field: KeyID, ID: c.UserID}); err != nil {
		return c, nil, err
	}
	if cur.Status == StatusDeleted {
		return c, cur, &Error{Code: CodeNotFound, Field: "user", Message: fmt.Sprintf("user %d no longer exists", cur.ID)}
	}
	l.settle(cur, now)
	if c.UsedAt != nil {
		return c, cur, Errorf(CodeConflict, "user %d is already activated: this link was used at %s", cur.ID, c.UsedAt.Format(time.RFC3339))
	}
	verified, err := l.addressVerified(ctx, tx, cur, AddressEmail, c.Destination)
	if err != nil {
		return c, cur, err
	}
	if cur.Status != StatusPending && verified {
		return c, cur, Errorf(CodeConflict, "user %d is already activated and the address is verified", cur.ID)
	}
	if err := codeError(c, now); err != nil {
		return c, cur, Errorf(CodeUnauthenticated, "%s: %s", invalidActivation, err.Error()).WithReason(err.Reason)
	}
	a, err := tx.GetAddress(ctx, AddressEmail, c.Destination)
	if IsCode(err, CodeNotFound) || (err == nil && a.UserID != cur.ID) {
		return c, cur, Errorf(CodeUnauthenticated, "%s: it was sent to an address the account no longer has", invalidActivation).WithReason(ReasonEnded)
	}
	if err != nil {
		return c, cur, err
	}
	return c, cur, nil
}

// codeLink puts code into a page's address: in place of "{code}" when the
// address has it, else as the query parameter param.
func codeLink(publicURL, code, param string) string {
	if strings.Contains(publicURL, "{code}") {
		return strings.ReplaceAll(publicURL, "{code}", code)
	}
	sep := "?"
	if strings.Contains(publicURL, "?") {
		sep = "&"
	}
	return publicURL + sep + param + "=" + url.QueryEscape(code)
}

// SignupMode says how a new account is verified: "" when it is active at
// once, SignupVerifyEmail (an activation link) or SignupVerifyPhone (a
// signup passcode) when it starts pending. setting is signup.verify ("" is
// none); pending is the registration's own request for a pending account,
// which under "none" is verified by email when the account has one
// (hasEmail), by phone otherwise. It is a function of its inputs so that a
// command can check the delivery a registration will need before it asks
// for a password.
func SignupMode(setting string, pending, hasEmail bool) string {
	if setting != "" && setting != SignupVerifyNone {
		return setting
	}
	switch {
	case !pending:
		return ""
	case hasEmail:
		return SignupVerifyEmail
	}
	return SignupVerifyPhone
}

// signupVerification says how a new account proves its address: "" (it
// is active at once), SignupVerifyEmail or SignupVerifyPhone. It refuses,
// before anything is written, a pending account that could not be sent
// its link or code.
func (l *Local) signupVerification(in NewUser, rec *UserRecord) (string, error) {
	mode := SignupMode(l.opt.SignupVerify, in.Pending, rec.Email != "")
	switch {
	case mode == "":
		return "", nil
	case mode == SignupVerifyEmail && rec.Email == "":
		return "", FieldError("email", "required: a new account is activated by a link sent to its email address")
	case mode == SignupVerifyPhone && rec.Phone == "":
		return "", FieldError("phone", "required: a new account is activated by a code sent to its phone")
	case mode == SignupVerifyEmail:
		return mode, l.activationReady()
	}
	return mode, l.deliveryReady(ChannelSMS)
}

// sendSignup sends a new pending account its activation link or signup
// passcode. The account stays (pending) when the delivery fails; the error
// says how to send again.
func (l *Local) sendSignup(ctx context.Context, rec *UserRecord, mode string) error {
	var err error
	again := fmt.Sprintf("acctl user activate --send %d", rec.ID)
	switch mode {
	case "":
		return nil
	case SignupVerifyEmail:
		_, err = l.SendActivation(ctx, fmt.Sprint(rec.ID))
	case SignupVerifyPhone:
		_, err = l.SendOTP(ctx, OTPRequest{Ref: rec.Phone, Purpose: PurposeSignup, Channel: ChannelSMS})
		again = fmt.Sprintf("acctl otp send %s --purpose signup", rec.Phone)
	}
	if err != nil {
		e := &Error{Code: ErrorCode(err), Field: ErrorField(err), Err: err}
		e.Message = fmt.Sprintf("user %d was registered, pending, but its activation could not be sent (%v): send it again with `%s`", rec.ID, err, again)
		return e
	}
	return nil
}
