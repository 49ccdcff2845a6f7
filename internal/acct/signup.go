package acct

import (
	"context"
	"encoding/json"
	"strconv"
)

// SignUpRequest is a self-service sign-up (the auth API's /auth/signin):
// a pending account, activated by a link sent to its email address.
type SignUpRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Language  string `json:"language,omitempty"`
}

// signUpJob is the payload of a JobSignUp: the fields in normal form and
// the password's hash, never the password.
type signUpJob struct {
	Email        string `json:"email"`
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
	if in.Email == "" {
		return FieldError("email", "required")
	}
	rec, err := l.newRecord(NewUser{Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Language: in.Language})
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
	if err := CheckPassword(in.Password, l.opt.PasswordMinLength, "", rec.Email); err != nil {
		return err
	}
	hash, scram, err := l.hashPassword(ctx, in.Password) // in the hashing pool
	if err != nil {
		return err
	}
	return l.submit(ctx, JobSignUp, signUpJob{Email: rec.Email, FirstName: rec.FirstName, LastName: rec.LastName,
		Language: rec.Language, PasswordHash: hash, ScramVerifier: scram})
}

// runSignUp is the work of a JobSignUp: register the pending account and
// send its activation link; for an address in use, send the link again
// only to an account pending at this very address. A failed delivery is
// its error: the next attempt finds the account pending at the address
// and sends a fresh link.
func (l *Local) runSignUp(ctx context.Context, payload []byte) error {
	var p signUpJob
	if err := json.Unmarshal(payload, &p); err != nil {
		return Internal(err, "decode sign-up job")
	}
	in := NewUser{Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, Language: p.Language, Pending: true}
	rec, err := l.newRecord(in)
	if err != nil {
		return err
	}
	rec.PasswordHash, rec.HasPassword = p.PasswordHash, true
	verify, err := l.signupVerification(in, rec)
	if err != nil {
		return err
	}
	err = l.insertAccount(ctx, rec, "", verify, p.ScramVerifier)
	if err == nil {
		return l.sendSignup(ctx, rec, verify)
	}
	if !IsCode(err, CodeConflict) || ErrorField(err) != "email" {
		return err
	}
	var cur *UserRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		cur, err = l.get(ctx, tx, rec.Email)
		return err
	})
	if IsCode(err, CodeNotFound) {
		return nil // gone since (a purge): nobody to tell
	}
	if err != nil {
		return wrap(err, "sign up")
	}
	if cur.Status != StatusPending || cur.Email != rec.Email {
		return nil
	}
	_, err = l.SendActivation(ctx, strconv.FormatInt(cur.ID, 10))
	return err
}
