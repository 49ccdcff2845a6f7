package acct

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// SettingSecretFingerprint is the store setting that holds the
// fingerprint of the installation secret (see SecretFingerprint).
const SettingSecretFingerprint = "secret_fingerprint"

// secretFingerprintLabel is what the fingerprint is the HMAC of. It is
// fixed, and no code is ever this text, so the fingerprint tells nothing
// about any code.
const secretFingerprintLabel = "acctl installation secret fingerprint v1"

// SecretFingerprint is HMAC-SHA256 under secret of a fixed label: the same
// for the same secret, and of no help to find the secret or forge a code.
// The store keeps it, so that a process with another secret is refused
// rather than calling every valid code "no such code".
func SecretFingerprint(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(secretFingerprintLabel))
	return m.Sum(nil)
}

// secretReady checks, before any code is made or checked, that the
// installation secret is the store's: the first secret that opens a store
// for a code has its fingerprint recorded (a racing process with another
// secret loses and is refused); a secret whose fingerprint differs is
// refused, for every code operation, with CodeInvalid naming secret_file.
// A success is remembered for the life of l, so the check costs one
// transaction per process. Without a secret it does nothing: codeMAC
// refuses then.
//
// It runs its own write transaction: call it outside any other.
func (l *Local) secretReady(ctx context.Context) error {
	if len(l.opt.Secret) < MinSecretLength || l.secretOK.Load() {
		return nil
	}
	fp := SecretFingerprint(l.opt.Secret)
	var stored []byte
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		stored, err = tx.ClaimSetting(ctx, SettingSecretFingerprint, fp, l.now())
		return err
	})
	if err != nil {
		return wrap(err, "check the installation secret")
	}
	if !hmac.Equal(stored, fp) {
		return l.secretMismatch()
	}
	l.secretOK.Store(true)
	return nil
}

// secretMismatch is the error of a secret that is not the store's.
func (l *Local) secretMismatch() error {
	file := ""
	if l.opt.SecretFile != "" {
		file = " (" + l.opt.SecretFile + ")"
	}
	return &Error{Code: CodeInvalid, Field: SecretFileField, Message: fmt.Sprintf(
		"secret_file%s holds another installation secret than the one this store's codes are made with: "+
			"no code can be issued or checked; use the same secret file as the other operators of this store "+
			"(copy theirs, or point secret_file or ACCTL_SECRET_FILE at it)", file)}
}

// secretChecked is what codeMAC and otpMAC require: that secretReady ran.
func (l *Local) secretChecked() error {
	if !l.secretOK.Load() {
		return Errorf(CodeInternal, "the installation secret was not checked against the store before a code operation")
	}
	return nil
}

// CheckSecret checks now what every code operation checks first: that
// the installation secret is the store's (recording it on a store that has
// none). `acctl serve` calls it at start, to warn at once of a secret that
// no code would work with. Without a secret it does nothing.
func (l *Local) CheckSecret(ctx context.Context) error { return l.secretReady(ctx) }
