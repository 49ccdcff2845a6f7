package acct

import (
	"context"
	"encoding/json"
	"strconv"
)

// SignUpRequest is a self-service sign-up (the auth API's /auth/signin):
// a pending account, activated by a link sent to its email address.
type SignUpRequest struct {
	Email string `json:"email,omitempty"`
	// Phone, without Email, makes a sign-up by phone: the pending account
	// is activated by a signup passcode sent to it by SMS (VerifyOTP);
	// beside Email it is stored unverified.
	Phone    string `json:"phone,omitempty"`
	Username string `json:"username,omitempty"`
	// Invite is a referral code: both accounts get their points, as with
	// NewUser.Invite.
	Invite    string `json:"invite,omitempty"`
	Password  string `json:"password"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Language  string `json:"language,omitempty"`
}

// signUpJob is the payload of a JobSignUp: the fields in normal form and
// the password's hash, never the password.
type signUpJob struct {
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Username     string `json:"username,omitempty"`
	Invite       string `json:"invite,omitempty"`
	FirstName    string `json:"first_name,omitempty"`
	LastName     string `json:"last_name,omitempty"`
	Language     string `json:"language,omitempty"`
	PasswordHash string `json:"password_hash"`
	// ScramVerifier is the password's SCRAM-SHA-256 verifier (scram.go);
	// "" in a job queued before verifiers were kept.
	ScramVerifier string `json:"scram_verifier,omitempty"`
}

// SignUp checks a self-service sign-up, hashes its password and queues a
// JobSignUp in one transaction; the job registers the pending account and
// sends its activation link. The answer (nil, or the fault of a field or
// of the configuration) and the work done before it are the same whether
// or not the address belongs to an account: the job finds out. When it
// does, the job makes nothing, unless the account is pending at this very
// address: then its activation link goes again (the first may have been
// lost).
func (l *Local) SignUp(ctx context.Context, in SignUpRequest) error {
	if err := l.permit(ctx, "SignUp"); err != nil {
		return err
	}
	if in.Email == "" && in.Phone == "" {
		return FieldError("email", "required (or a phone)")
	}
	rec, err := l.newRecord(NewUser{Email: in.Email, Phone: in.Phone, Username: in.Username,
		FirstName: in.FirstName, LastName: in.LastName, Language: in.Language})
	if err != nil {
		return err
	}
	invite, err := normalizeInvite(in.Invite)
	if err != nil {
		return err
	}
	if in.Password == "" {
		return FieldError("password", "required")
	}
	if _, err := l.signupVerification(NewUser{Pending: true}, rec); err != nil {
		return err
	}
	// The job will make a link: a secret that is not the store's is
	// refused now, before anything is promised.
	if err := l.secretReady(ctx); err != nil {
		return err
	}
	if err := CheckPassword(in.Password, l.opt.PasswordMinLength, rec.Username, rec.Email); err != nil {
		return err
	}
	// selfservice.go: an invite code is checked now (it names no
	// account's address, so telling it is wrong discovers nobody).
	if err := l.checkInvite(ctx, invite); err != nil {
		return err
	}
	hash, scram, err := l.hashPassword(ctx, in.Password) // in the hashing pool
	if err != nil {
		return err
	}
	return l.submit(ctx, JobSignUp, signUpJob{Email: rec.Email, Phone: rec.Phone, Username: rec.Username, Invite: invite,
		FirstName: rec.FirstName, LastName: rec.LastName, Language: rec.Language, PasswordHash: hash, ScramVerifier: scram})
}

// runSignUp is the work of a JobSignUp: register the pending account and
// send its activation link (or, signed up by phone alone, its signup
// passcode); for an address in use, send the link (passcode) again only
// to an account pending at this very address; for a username in use,
// nothing. A failed delivery is its error: the next attempt finds the
// account pending at the address and sends a fresh link.
func (l *Local) runSignUp(ctx context.Context, payload []byte) error {
	var p signUpJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return Internal(err, "decode sign-up job")
	}
	in := NewUser{Email: p.Email, Phone: p.Phone, Username: p.Username, FirstName: p.FirstName, LastName: p.LastName,
		Language: p.Language, Pending: true}
	rec, err := l.newRecord(in)
	if err != nil {
		return err
	}
	rec.PasswordHash, rec.HasPassword = p.PasswordHash, true
	verify, err := l.signupVerification(in, rec)
	if err != nil {
		return err
	}
	err = l.insertAccount(ctx, rec, p.Invite, verify, p.ScramVerifier)
	if ErrorField(err) == "invite" && (IsCode(err, CodeNotFound) || IsCode(err, CodeRefused)) {
		// The referrer went (purged or held) since the sign-up was
		// checked: the account is made without the referral.
		err = l.insertAccount(ctx, rec, "", verify, p.ScramVerifier)
	}
	if err == nil {
		return l.sendSignup(ctx, rec, verify)
	}
	if !IsCode(err, CodeConflict) {
		return err
	}
	// A username, or an address that only looks like one in use, is
	// taken: nobody is told (the answer was given, and must not tell), and
	// the trail has the refusal (insertAccount's fail).
	taken := rec.Email
	if rec.Email == "" {
		taken = rec.Phone
	}
	if f := ErrorField(err); f != "email" && (f != "phone" || rec.Email != "") {
		return nil
	}
	var cur *UserRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		cur, err = l.get(ctx, tx, taken)
		return err
	})
	if IsCode(err, CodeNotFound) {
		return nil // gone since (a purge): nobody to tell
	}
	if err != nil {
		return wrap(err, "sign up")
	}
	if cur.Status != StatusPending || cur.Email != rec.Email || cur.Phone != rec.Phone && rec.Email == "" {
		return nil
	}
	if rec.Email == "" { // a sign-up by phone: its passcode again
		_, err = l.SendOTP(ctx, OTPRequest{Ref: rec.Phone, Purpose: PurposeSignup, Channel: ChannelSMS})
		if IsCode(err, CodeRefused) {
			return nil // a cooldown or the per-number limit: the last one still holds
		}
		return err
	}
	_, err = l.SendActivation(ctx, strconv.FormatInt(cur.ID, 10))
	return err
}
