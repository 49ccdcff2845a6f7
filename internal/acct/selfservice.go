package acct

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Self-service: the rules behind the auth API's flows for the visitor and
// the signed-in user that no older method held (issue 16). The auth API
// calls these with no role, for the account of its session; an operator
// or a key may call them too.
//
// None of them tells whether an address is another account's: a claimed
// email address is added and mailed by a job (JobClaimEmail), so the
// answer and the work before it are the same whether or not it is taken;
// a claimed phone gets its passcode all the same, and only whoever holds
// the passcode learns, at ConfirmAddress, that the number is taken; a
// recovery by SMS is a job (JobRecoverySMS) that sends only to a
// registered number.

// The self-service jobs (jobs.go).
const (
	// JobClaimEmail adds an email address, unverified, to an account and
	// mails the link that verifies it (ClaimAddress).
	JobClaimEmail JobKind = "claim-email"
	// JobRecoverySMS sends a recovery passcode to a registered phone
	// (RecoverBySMS).
	JobRecoverySMS JobKind = "recovery-sms"
)

// AddressClaim is the input of Service.ClaimAddress.
type AddressClaim struct {
	User  string      `json:"user"` // a REF: the account that claims the address
	Kind  AddressKind `json:"kind"`
	Value string      `json:"value"`
}

// AddressCode is the input of Service.ConfirmAddress: the passcode sent to
// a claimed phone.
type AddressCode struct {
	User  string      `json:"user"` // a REF
	Kind  AddressKind `json:"kind"`
	Value string      `json:"value"`
	Code  string      `json:"code"`
}

// IdentifierCheck is the input of Service.CheckIdentifiers: the
// identifiers to look up; at least one.
type IdentifierCheck struct {
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Username string `json:"username,omitempty"`
}

// IdentifierCheckResult names the fields of an IdentifierCheck whose
// value is taken (held by an account, as a primary or an extra address,
// or looking like one that is) and those that are free, in the order
// email, phone, username.
type IdentifierCheckResult struct {
	Taken []string `json:"taken"`
	Free  []string `json:"free"`
}

// claimEmailJob is the payload of a JobClaimEmail.
type claimEmailJob struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"` // in normal form
}

// recoverySMSJob is the payload of a JobRecoverySMS.
type recoverySMSJob struct {
	Phone string `json:"phone"` // in normal form
}

// ClaimAddress starts adding an address to an account on the user's own
// word. An email address is added unverified and mailed the link that
// verifies it (Activate), by a job committed before the answer: when
// another account has it (or one like it), the job makes and sends
// nothing. A phone gets a verify-phone passcode, and is added, verified,
// only by ConfirmAddress. The account's own verified address is a
// conflict; a phone's sends are limited as SendOTP's are.
func (l *Local) ClaimAddress(ctx context.Context, in AddressClaim) error {
	if err := l.permit(ctx, "ClaimAddress"); err != nil {
		return err
	}
	value, err := l.normalizeAddress(in.Kind, in.Value)
	if err != nil {
		return err
	}
	if in.Kind == AddressEmail {
		err = l.activationReady()
	} else {
		err = l.deliveryReady(ChannelSMS)
	}
	if err != nil {
		return err
	}
	if err := l.secretReady(ctx); err != nil {
		return err
	}
	var rec *UserRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.User); err != nil {
			return err
		}
		return l.mayClaim(ctx, tx, rec, in.Kind, value)
	})
	if err != nil {
		return l.fail(ctx, ActionAddressAdd, idOf(rec), wrap(err, "claim address"))
	}
	if in.Kind == AddressEmail {
		return l.submit(ctx, JobClaimEmail, claimEmailJob{UserID: rec.ID, Email: value})
	}
	_, err = l.issueOTP(ctx, rec.ID, PurposeVerifyPhone, value)
	return err
}

// mayClaim refuses a claim of value that the account cannot take, by what
// the account itself holds: its state, its own verified address, or as
// many addresses of the kind as an account may have.
func (l *Local) mayClaim(ctx context.Context, tx Tx, rec *UserRecord, kind AddressKind, value string) error {
	if err := writable(rec); err != nil {
		return err
	}
	verified, err := l.addressVerified(ctx, tx, rec, kind, value)
	if err != nil {
		return err
	}
	if verified {
		return &Error{Code: CodeConflict, Field: string(kind), Message: fmt.Sprintf("this %s of user %d is already verified", kindNoun(kind), rec.ID)}
	}
	have, err := tx.ListAddresses(ctx, rec.ID, kind)
	if err != nil {
		return err
	}
	own := false
	for _, a := range have {
		own = own || a.Value == value
	}
	if !own && len(have) >= MaxAddresses {
		return &Error{Code: CodeRefused, Field: string(kind), Message: fmt.Sprintf(
			"user %d has %d %ss, the most an account may have: remove one first", rec.ID, len(have), kindNoun(kind))}
	}
	return nil
}

// runClaimEmail is the work of a JobClaimEmail: add the address and mail
// its link; when the account has it already, unverified, mail the link
// again; when another account has it, or the account can no longer take
// it, nothing (AddAddress has put the refusal in the trail).
func (l *Local) runClaimEmail(ctx context.Context, payload []byte) error {
	var p claimEmailJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return Internal(err, "decode claim-email job")
	}
	id := strconv.FormatInt(p.UserID, 10)
	_, err := l.AddAddress(ctx, NewAddress{User: id, Kind: AddressEmail, Value: p.Email, Send: true})
	switch {
	case err == nil:
		return nil
	case IsCode(err, CodeConflict) && ErrorField(err) == "email":
		var a *AddressRecord
		err = l.store.View(ctx, func(tx Tx) (err error) {
			a, err = tx.GetAddress(ctx, AddressEmail, p.Email)
			return err
		})
		switch {
		case IsCode(err, CodeNotFound):
			return nil // only looks like an address in use
		case err != nil:
			return wrap(err, "claim address")
		case a.UserID != p.UserID:
			return nil // another account's: nobody is told
		}
		_, err = l.SendActivation(ctx, p.Email)
	}
	switch ErrorCode(err) {
	case CodeNotFound, CodeConflict, CodeRefused, CodeInvalid:
		return nil // gone, verified meanwhile, held, full: nothing to send
	}
	return err
}

// ConfirmAddress uses the passcode sent to a phone that ClaimAddress
// claimed: the phone is added to the account, verified (its primary when
// it had none), or, when the account has it already, verified. Only now,
// to whoever holds the passcode, is a number in use by another account a
// conflict. A wrong passcode counts as VerifyOTP's does. An email address
// is confirmed by its link (Activate).
func (l *Local) ConfirmAddress(ctx context.Context, in AddressCode) (*User, error) {
	if err := l.permit(ctx, "ConfirmAddress"); err != nil {
		return nil, err
	}
	if in.Kind == AddressEmail {
		return nil, FieldError("kind", "an email address is confirmed by the link mailed to it (activate)")
	}
	value, err := l.normalizeAddress(in.Kind, in.Value)
	if err != nil {
		return nil, err
	}
	code, err := canonicalOTP(in.Code)
	if err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	rec, err := l.checkOTPTo(ctx, in.User, value, PurposeVerifyPhone, code, func(tx Tx, cur *UserRecord, c *CodeRecord, now time.Time) (string, error) {
		if err := writable(cur); err != nil {
			return "", err
		}
		a, err := tx.GetAddress(ctx, AddressPhone, value)
		switch {
		case err == nil && a.UserID == cur.ID:
			return "phone verified", l.verifyAddress(ctx, tx, cur, AddressPhone, value, now)
		case err == nil:
			return "", &Error{Code: CodeConflict, Field: "phone", Message: "phone already in use"}
		case !IsCode(err, CodeNotFound):
			return "", err
		}
		if err := l.mayClaim(ctx, tx, cur, AddressPhone, value); err != nil {
			return "", err
		}
		primary := cur.Phone == ""
		na := &AddressRecord{Address: Address{UserID: cur.ID, Kind: AddressPhone, Value: value, Primary: primary,
			Verified: true, VerifiedAt: &now, CreatedAt: now}}
		if err := l.claimAddress(ctx, tx, cur, na, fmt.Sprintf("user %d already has this phone number", cur.ID)); err != nil {
			return "", err
		}
		detail := "phone, verified by a passcode"
		if primary {
			setPrimary(cur, AddressPhone, value, true) // checkOTP stores cur
			detail += ", primary (the account had no phone number)"
		}
		if err := tx.InsertEvent(ctx, l.event(ctx, ActionAddressAdd, cur.ID, detail)); err != nil {
			return "", err
		}
		return "phone added", nil
	})
	if err != nil {
		return nil, err
	}
	return &rec.User, nil
}

// issueOTP makes a passcode of purpose for the account userID, sent by
// SMS to the phone to, which the account need not have (a claimed one):
// SendOTP's rules of state, cooldown and per-number limit, voiding the
// older code of the purpose, audited.
func (l *Local) issueOTP(ctx context.Context, userID int64, purpose, to string) (*OTPSent, error) {
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
		if rec, err = l.get(ctx, tx, strconv.FormatInt(userID, 10)); err != nil {
			return err
		}
		if err := l.otpAllowed(rec, purpose); err != nil {
			return err
		}
		c, err = l.putOTP(ctx, tx, rec, purpose, ChannelSMS, to, id, code, "by sms to a phone the user claims")
		return err
	})
	if err != nil {
		return nil, l.fail(ctx, ActionOTPSend, idOf(rec), wrap(err, "send passcode"))
	}
	return l.deliverOTP(ctx, rec, c, code)
}

// RecoverBySMS queues a recovery passcode for a phone (a JobRecoverySMS):
// the job sends it if the number is an account's primary phone, or a
// verified extra one, of an account that may reset its password; the
// passcode goes with a new password to ResetPassword. The answer comes
// once the job is committed, after the same work whether or not the
// number is an account's.
func (l *Local) RecoverBySMS(ctx context.Context, phone string) error {
	if err := l.permit(ctx, "RecoverBySMS"); err != nil {
		return err
	}
	p, err := NormalizePhone(phone, l.opt.PhoneRegion)
	if err != nil {
		return err
	}
	if p == "" {
		return FieldError("phone", "required")
	}
	if err := l.deliveryReady(ChannelSMS); err != nil {
		return err
	}
	if err := l.secretReady(ctx); err != nil {
		return err
	}
	return l.submit(ctx, JobRecoverySMS, recoverySMSJob{Phone: p})
}

// runRecoverySMS is the work of a JobRecoverySMS: SendOTP's recovery
// passcode to the number. A number that is nobody's, or one that may not
// have a passcode (unverified, locked, held, within the cooldown), gets
// nothing, and the job is done (SendOTP put a refusal in the trail); a
// failed delivery is tried again.
func (l *Local) runRecoverySMS(ctx context.Context, payload []byte) error {
	var p recoverySMSJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return Internal(err, "decode recovery-sms job")
	}
	_, err := l.SendOTP(ctx, OTPRequest{Ref: p.Phone, Purpose: PurposeRecovery, Channel: ChannelSMS})
	switch ErrorCode(err) {
	case CodeNotFound, CodeConflict, CodeRefused, CodeInvalid:
		return nil
	}
	return err
}

// ownPassword checks the password of the account named by ref as a login
// does (the same work for every name, a wrong one charged to the limit
// and counted towards the lockout, audited as action).
func (l *Local) ownPassword(ctx context.Context, ref, password, action string) error {
	key, _, err := l.loginKey(Login{Ref: ref, Password: password})
	if err != nil {
		return err
	}
	l2 := *l
	l2.noRehash = true // changes nothing but the failure count
	_, err = l2.attempt(ctx, key, ref, password, false, action, nil)
	return wrap(err, "check password")
}

// CheckIdentifiers tells which of an email address, a phone number and a
// username are taken: held by an account (an email or phone as its
// primary or an extra address, verified or not), or, for an email or a
// username, looking like one that is (a registration would be a
// conflict). An invalid value is CodeInvalid naming its field. For
// operators and app back ends with a key (support keys may): on the
// public API it would tell who has an account.
func (l *Local) CheckIdentifiers(ctx context.Context, in IdentifierCheck) (*IdentifierCheckResult, error) {
	if err := l.permit(ctx, "CheckIdentifiers"); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	phone, err := NormalizePhone(in.Phone, l.opt.PhoneRegion)
	if err != nil {
		return nil, err
	}
	username, err := NormalizeUsername(in.Username)
	if err != nil {
		return nil, err
	}
	type field struct {
		name string
		keys []UserKey
	}
	var fields []field
	if email != "" {
		fields = append(fields, field{"email", []UserKey{{Field: KeyEmail, Value: email}, {Field: KeyEmailSkeleton, Value: Skeleton(email)}}})
	}
	if phone != "" {
		fields = append(fields, field{"phone", []UserKey{{Field: KeyPhone, Value: phone}}})
	}
	if username != "" {
		fields = append(fields, field{"username", []UserKey{{Field: KeyUsername, Value: username}, {Field: KeyUsernameSkeleton, Value: Skeleton(username)}}})
	}
	if len(fields) == 0 {
		return nil, FieldError("email", "name at least one of email, phone, username")
	}
	var keys []UserKey
	for _, f := range fields {
		keys = append(keys, f.keys...)
	}
	var owners []KeyOwner
	err = l.store.View(ctx, func(tx Tx) error {
		bt, err := bulk(tx)
		if err != nil {
			return err
		}
		owners, err = bt.FindKeys(ctx, keys)
		return err
	})
	if err != nil {
		return nil, wrap(err, "check identifiers")
	}
	held := map[UserKey]bool{}
	for _, o := range owners {
		held[o.Key] = true
	}
	res := &IdentifierCheckResult{Taken: []string{}, Free: []string{}}
	for _, f := range fields {
		taken := false
		for _, k := range f.keys {
			taken = taken || held[k]
		}
		if taken {
			res.Taken = append(res.Taken, f.name)
		} else {
			res.Free = append(res.Free, f.name)
		}
	}
	return res, nil
}

// checkInvite refuses an invite code that no account may give: unknown,
// or an account's on deletion hold (prepareReferral's rules).
func (l *Local) checkInvite(ctx context.Context, invite string) error {
	if invite == "" {
		return nil
	}
	return l.store.View(ctx, func(tx Tx) error {
		referrer, err := tx.GetUser(ctx, UserKey{Field: KeyReferralCode, Value: invite})
		switch {
		case IsCode(err, CodeNotFound) || err == nil && referrer.Status == StatusDeleted:
			return &Error{Code: CodeNotFound, Field: "invite", Message: fmt.Sprintf("no referral code %q", invite)}
		case err != nil:
			return wrap(err, "check invite")
		case referrer.Status == StatusHeld:
			return &Error{Code: CodeRefused, Field: "invite",
				Message: fmt.Sprintf("referral code %q belongs to an account on deletion hold", invite)}
		}
		return nil
	})
}
