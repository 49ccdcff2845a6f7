package acct

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	// pquerna/otp does the RFC 4226/6238 arithmetic (HMAC, dynamic
	// truncation) and builds the otpauth:// URI: the common choice of Go
	// projects (Gitea, Vault's plugins, Teleport), MIT, a stable API with a
	// release in Dec 2024 (v1.5.0) and no dependencies beyond a barcode
	// package it needs only for images. What a code is accepted for (the
	// skew, one use per step, the attempt limits) is acct's rule, below:
	// the library's own Validate knows no replay.
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// b32 is the base32 of TOTP secrets (RFC 4648, no padding), as
// authenticator apps read them.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpCode is the code of secret for the time step counter.
func totpCode(secret []byte, counter uint64, digits int) (string, error) {
	return hotp.GenerateCodeCustom(b32.EncodeToString(secret), counter, hotp.ValidateOpts{
		Digits: otp.Digits(digits), Algorithm: otp.AlgorithmSHA1})
}

// totpStep is the time step of t for a period of period seconds.
func totpStep(t time.Time, period int) int64 { return t.Unix() / int64(period) }

// mfaSealLabel is what the key that seals TOTP secrets is the HMAC of.
const mfaSealLabel = "acctl totp secret sealing key v1"

// mfaAEAD is AES-256-GCM under a key derived from the installation
// secret (HMAC-SHA256 of a fixed label: a PRF, as HKDF-Expand's one
// block), so that a copy of the store alone does not give the secrets.
func (l *Local) mfaAEAD() (cipher.AEAD, error) {
	if len(l.opt.Secret) < MinSecretLength {
		return nil, Errorf(CodeInternal, "no installation secret: second factors cannot be enrolled or checked (set secret_file)")
	}
	if err := l.secretChecked(); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, l.opt.Secret)
	m.Write([]byte(mfaSealLabel))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, Internal(err, "make the sealing cipher")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, Internal(err, "make the sealing cipher")
	}
	return aead, nil
}

// mfaAAD is the additional data of a sealed secret: what it is. It does
// not name the account: an export (with --with-hashes) and an import
// carry a sealed secret to an account of another id, as they carry
// password hashes. Whoever may write the store could move a factor to
// another row as well as delete it; the key keeps the secret itself.
func mfaAAD(int64) []byte { return []byte("acctl totp secret v1") }

// sealSecret encrypts a TOTP secret: nonce, then ciphertext and tag.
func (l *Local) sealSecret(userID int64, secret []byte) ([]byte, error) {
	aead, err := l.mfaAEAD()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(l.opt.Rand, nonce); err != nil {
		return nil, Internal(err, "make nonce")
	}
	return aead.Seal(nonce, nonce, secret, mfaAAD(userID)), nil
}

// openSecret decrypts a sealed TOTP secret.
func (l *Local) openSecret(userID int64, sealed []byte) ([]byte, error) {
	aead, err := l.mfaAEAD()
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, Errorf(CodeInternal, "the second factor secret of user %d is damaged", userID)
	}
	secret, err := aead.Open(nil, sealed[:n], sealed[n:], mfaAAD(userID))
	if err != nil {
		return nil, Errorf(CodeInternal, "the second factor secret of user %d does not open with this installation secret", userID)
	}
	return secret, nil
}

// recoveryMAC is the keyed hash of a recovery code (canonical form, see
// canonicalCode) of an account.
func (l *Local) recoveryMAC(userID int64, canonical string) ([]byte, error) {
	if len(l.opt.Secret) < MinSecretLength {
		return nil, Errorf(CodeInternal, "no installation secret: codes cannot be issued or checked (set secret_file)")
	}
	if err := l.secretChecked(); err != nil {
		return nil, err
	}
	// Not bound to the account's id, for the same reason as mfaAAD: an
	// import gives the account another id. The table's key is (account,
	// MAC): a code is good for its account only all the same.
	m := hmac.New(sha256.New, l.opt.Secret)
	m.Write([]byte("acctl recovery v1\x00"))
	m.Write([]byte(canonical))
	return m.Sum(nil), nil
}

// newRecoveryCodes makes RecoveryCodeCount codes of 80 bits (as reset
// codes: Crockford base32 in groups of four) and their MACs.
func (l *Local) newRecoveryCodes(userID int64) ([]string, [][]byte, error) {
	codes := make([]string, RecoveryCodeCount)
	macs := make([][]byte, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, resetCodeBytes)
		if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
			return nil, nil, Internal(err, "make recovery code")
		}
		c := crockford.EncodeToString(b)
		mac, err := l.recoveryMAC(userID, c)
		if err != nil {
			return nil, nil, err
		}
		codes[i], macs[i] = groupCode(c), mac
	}
	return codes, macs, nil
}

// mfaBucket is the attempt bucket of an account's second factor: wrong
// codes draw on it (at the login limit's rate), apart from the password's.
func mfaBucket(userID int64) string { return "mfa:" + strconv.FormatInt(userID, 10) }

// mfaTokenPrefix starts every mfa_token.
const mfaTokenPrefix = "acctl_mfa_"

// newMFAToken returns a fresh mfa_token and its SHA-256.
func (l *Local) newMFAToken() (string, []byte, error) {
	b := make([]byte, tokenBytes)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", nil, Internal(err, "make mfa token")
	}
	token := mfaTokenPrefix + tokenEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:], nil
}

// challengeGone is the answer to an mfa_token that is unknown, used or
// past its lifetime: log in with the password again.
func challengeGone() error {
	return Errorf(CodeUnauthenticated, "the mfa_token is unknown, used or expired: log in with the password again").
		WithReason(ReasonChallengeExpired)
}

// totpMatch finds the step of code for f's secret within the skew
// around now. It reports found false when no step's code is code; found
// true with fresh false when it is the code of a step at or before the
// last one accepted (a replay).
func totpMatch(f *MFAFactorRecord, secret []byte, code string, now time.Time) (step int64, found, fresh bool, err error) {
	cur := totpStep(now, f.Period)
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := totpCode(secret, uint64(s), f.Digits)
		if err != nil {
			return 0, false, false, Internal(err, "compute the code")
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true, s > f.LastStep, nil
		}
	}
	return 0, false, false, nil
}

// canonicalTOTP takes spaces and hyphens out of a typed TOTP code.
func canonicalTOTP(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s)
	if len(s) != TOTPDigits || !isDigits(s) {
		return "", FieldError("code", "a code from the authenticator is %d digits", TOTPDigits)
	}
	return s, nil
}

// accountName is how an authenticator app lists the account.
func accountName(rec *UserRecord) string {
	switch {
	case rec.Username != "":
		return rec.Username
	case rec.Email != "":
		return rec.Email
	case rec.Phone != "":
		return rec.Phone
	}
	return "user " + strconv.FormatInt(rec.ID, 10)
}

// EnrollMFA gives an account a pending TOTP factor, replacing a pending
// one (an active one must be reset first). The secret is shown this once;
// the store keeps it sealed.
func (l *Local) EnrollMFA(ctx context.Context, ref string) (*MFAEnrollment, error) {
	if err := l.permit(ctx, "EnrollMFA"); err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	secret := make([]byte, TOTPSecretBytes)
	if _, err := io.ReadFull(l.opt.Rand, secret); err != nil {
		return nil, Internal(err, "make the second factor secret")
	}
	var rec *UserRecord
	var f *MFAFactorRecord
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		if err := l.mayChange(ctx, rec, "enrol a second factor of"); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		switch old, err := tx.GetMFAFactor(ctx, rec.ID); {
		case IsCode(err, CodeNotFound):
		case err != nil:
			return err
		case old.Status == MFAActive:
			return Errorf(CodeConflict, "user %d has an active second factor: reset it first (acctl mfa reset)", rec.ID)
		}
		now := l.now()
		f = &MFAFactorRecord{UserID: rec.ID, Kind: MFAKindTOTP, Status: MFAPending, Algorithm: TOTPAlgorithm,
			Digits: TOTPDigits, Period: int(TOTPPeriod / time.Second), CreatedAt: now}
		if f.Secret, err = l.sealSecret(rec.ID, secret); err != nil {
			return err
		}
		if err := tx.PutMFAFactor(ctx, f); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, rec.ID, nil, now); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionMFAEnroll, rec.ID, "pending TOTP factor (SHA1, 6 digits, 30s)"))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionMFAEnroll, idOf(rec), wrap(err, "enrol second factor"))
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: accountName(rec), Secret: secret,
		Period: uint(f.Period), Digits: otp.Digits(f.Digits), Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, Internal(err, "make the otpauth URI")
	}
	return &MFAEnrollment{UserID: rec.ID, Kind: f.Kind, Status: f.Status, Secret: key.Secret(), URI: key.URL(),
		Algorithm: f.Algorithm, Digits: f.Digits, Period: f.Period, CreatedAt: f.CreatedAt}, nil
}

// checkCode is the outcome of a code checked against a factor.
type checkCode struct {
	ok      bool   // accepted: the step advanced (or the recovery code used)
	failure string // why not, for the caller and the audit trail
}

// useTOTP checks code against f inside tx and, when it is the code of a
// step after the last accepted one, advances the step with a
// compare-and-set (activating a pending factor when activate): of a
// replay or of concurrent uses of one code exactly one is accepted.
func (l *Local) useTOTP(ctx context.Context, tx Tx, f *MFAFactorRecord, code string, activate bool, now time.Time) (checkCode, error) {
	secret, err := l.openSecret(f.UserID, f.Secret)
	if err != nil {
		return checkCode{}, err
	}
	step, found, fresh, err := totpMatch(f, secret, code, now)
	switch {
	case err != nil:
		return checkCode{}, err
	case !found:
		return checkCode{failure: "wrong code"}, nil
	case !fresh:
		return checkCode{failure: "code already used"}, nil
	}
	ok, err := tx.AdvanceMFAStep(ctx, f.UserID, step, activate, now)
	if err != nil {
		return checkCode{}, err
	}
	if !ok { // a concurrent use of the same code won
		return checkCode{failure: "code already used"}, nil
	}
	return checkCode{ok: true}, nil
}

// chargeFactor charges a wrong code to the factor's attempt bucket. It
// reports false when the bucket was empty already (the caller answers
// with limited).
func (l *Local) chargeFactor(ctx context.Context, tx Tx, userID int64, now time.Time) (time.Time, bool, error) {
	cost, window := l.limitCost()
	return tx.ChargeAttempt(ctx, mfaBucket(userID), cost, window, now)
}

// ConfirmMFA activates a pending factor with a valid code and returns
// ten recovery codes, shown this once. A wrong code draws on the factor's
// attempt bucket and is audited.
func (l *Local) ConfirmMFA(ctx context.Context, in MFACodeRequest) (*RecoveryCodes, error) {
	if err := l.permit(ctx, "ConfirmMFA"); err != nil {
		return nil, err
	}
	code, err := canonicalTOTP(in.Code)
	if err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	var rec *UserRecord
	var codes []string
	var failure error
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		codes, failure = nil, nil
		if rec, err = l.get(ctx, tx, in.Ref); err != nil {
			return err
		}
		if err := l.mayChange(ctx, rec, "confirm a second factor of"); err != nil {
			return err
		}
		if err := writable(rec); err != nil {
			return err
		}
		f, err := tx.GetMFAFactor(ctx, rec.ID)
		switch {
		case IsCode(err, CodeNotFound):
			return &Error{Code: CodeNotFound, Field: "mfa", Message: fmt.Sprintf("user %d has no second factor to confirm: enrol one first (acctl mfa enroll)", rec.ID)}
		case err != nil:
			return err
		case f.Status == MFAActive:
			return Errorf(CodeConflict, "the second factor of user %d is already active", rec.ID)
		}
		now := l.now()
		until, err := tx.AttemptsUntil(ctx, mfaBucket(rec.ID))
		if err != nil {
			return err
		}
		if failure = l.limited(until, now); failure != nil {
			return nil
		}
		c, err := l.useTOTP(ctx, tx, f, code, true, now)
		if err != nil {
			return err
		}
		if !c.ok {
			if _, _, err := l.chargeFactor(ctx, tx, rec.ID, now); err != nil {
				return err
			}
			failure = Errorf(CodeUnauthenticated, "%s for the second factor of user %d: the factor stays pending", c.failure, rec.ID)
			ev := l.event(ctx, ActionMFAConfirm, rec.ID, c.failure)
			ev.Outcome = OutcomeFailure
			return tx.InsertEvent(ctx, ev)
		}
		var macs [][]byte
		if codes, macs, err = l.newRecoveryCodes(rec.ID); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, rec.ID, macs, now); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionMFAConfirm, rec.ID,
			fmt.Sprintf("TOTP factor active; %d recovery codes", len(codes))))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionMFAConfirm, idOf(rec), wrap(err, "confirm second factor"))
	}
	if failure != nil {
		return nil, failure
	}
	return &RecoveryCodes{UserID: rec.ID, Codes: codes, Status: MFAActive}, nil
}

// RegenerateRecoveryCodes replaces the recovery codes of an active
// factor: the old ones stop working.
func (l *Local) RegenerateRecoveryCodes(ctx context.Context, ref string) (*RecoveryCodes, error) {
	if err := l.permit(ctx, "RegenerateRecoveryCodes"); err != nil {
		return nil, err
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	var rec *UserRecord
	var codes []string
	err := l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, ref); err != nil {
			return err
		}
		if err := l.mayChange(ctx, rec, "regenerate the recovery codes of"); err != nil {
			return err
		}
		f, err := tx.GetMFAFactor(ctx, rec.ID)
		switch {
		case IsCode(err, CodeNotFound) || (err == nil && f.Status != MFAActive):
			return &Error{Code: CodeNotFound, Field: "mfa", Message: fmt.Sprintf("user %d has no active second factor", rec.ID)}
		case err != nil:
			return err
		}
		var macs [][]byte
		if codes, macs, err = l.newRecoveryCodes(rec.ID); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, rec.ID, macs, l.now()); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionMFARecovery, rec.ID,
			fmt.Sprintf("%d new recovery codes; the old ones are void", len(codes))))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionMFARecovery, idOf(rec), wrap(err, "regenerate recovery codes"))
	}
	return &RecoveryCodes{UserID: rec.ID, Codes: codes, Status: MFAActive}, nil
}

// mfaInfo reads the second factor state of rec inside tx.
func mfaInfo(ctx context.Context, tx Tx, rec *UserRecord) (*MFAInfo, error) {
	info := &MFAInfo{UserID: rec.ID, Status: MFANone}
	f, err := tx.GetMFAFactor(ctx, rec.ID)
	if IsCode(err, CodeNotFound) {
		return info, nil
	}
	if err != nil {
		return nil, err
	}
	created := f.CreatedAt
	info.Status, info.Kind, info.CreatedAt, info.ConfirmedAt, info.LastUsedAt = f.Status, f.Kind, &created, f.ConfirmedAt, f.LastUsedAt
	codes, err := tx.ListRecoveryCodes(ctx, rec.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		if c.UsedAt == nil {
			info.RecoveryCodes++
		}
	}
	return info, nil
}

// MFAStatus tells an account's second factor state: none, pending or
// active, when, and how many recovery codes are left. Never the secret.
func (l *Local) MFAStatus(ctx context.Context, ref string) (*MFAInfo, error) {
	if err := l.permit(ctx, "MFAStatus"); err != nil {
		return nil, err
	}
	var info *MFAInfo
	err := l.store.View(ctx, func(tx Tx) error {
		rec, err := l.get(ctx, tx, ref)
		if err != nil {
			return err
		}
		info, err = mfaInfo(ctx, tx, rec)
		return err
	})
	if err != nil {
		return nil, wrap(err, "read second factor")
	}
	return info, nil
}

// ResetMFA removes an account's factor (pending or active), its recovery
// codes and its waiting logins, and ends its sessions: what support does
// for a user who lost the authenticator. The reason is required and
// audited. A support key may reset non-admin accounts only.
func (l *Local) ResetMFA(ctx context.Context, in MFAReset) (*MFAInfo, error) {
	if err := l.permit(ctx, "ResetMFA"); err != nil {
		return nil, err
	}
	reason, err := normalizeNote("reason", in.Reason)
	if err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, FieldError("reason", "required: say why the second factor is reset (for the audit trail)")
	}
	var rec *UserRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		if rec, err = l.get(ctx, tx, in.Ref); err != nil {
			return err
		}
		if err := l.mayChange(ctx, rec, "reset the second factor of"); err != nil {
			return err
		}
		had, err := tx.DeleteMFA(ctx, rec.ID)
		if err != nil {
			return err
		}
		if !had {
			return &Error{Code: CodeNotFound, Field: "mfa", Message: fmt.Sprintf("user %d has no second factor", rec.ID)}
		}
		now := l.now()
		ended, err := tx.EndSessions(ctx, SessionEnd{UserID: rec.ID, At: now})
		if err != nil {
			return err
		}
		return tx.InsertEvent(ctx, l.event(ctx, ActionMFAReset, rec.ID,
			fmt.Sprintf("second factor and recovery codes removed, %s ended: %s", plural(len(ended), "session"), reason)))
	})
	if err != nil {
		return nil, l.fail(ctx, ActionMFAReset, idOf(rec), wrap(err, "reset second factor"))
	}
	return &MFAInfo{UserID: rec.ID, Status: MFANone}, nil
}

// activeFactor reports whether the account has an active second factor.
func activeFactor(ctx context.Context, tx Tx, userID int64) (bool, error) {
	f, err := tx.GetMFAFactor(ctx, userID)
	if IsCode(err, CodeNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return f.Status == MFAActive, nil
}

// VerifyMFA completes a login that answered mfa_required: with a valid
// code of a step after the last accepted one, or an unused recovery code,
// the waiting login is used (once) and the session opens, as Login's
// would. A wrong code (or a replay) counts towards the lockout and draws
// on the factor's attempt bucket, and the mfa_token stays good for
// another try until it expires.
func (l *Local) VerifyMFA(ctx context.Context, in MFAVerify) (*MFASession, error) {
	if err := l.permit(ctx, "VerifyMFA"); err != nil {
		return nil, err
	}
	tok := strings.TrimSpace(in.Token)
	if tok == "" {
		return nil, FieldError("mfa_token", "required")
	}
	var code, recovery string
	switch {
	case in.Code != "" && in.RecoveryCode != "":
		return nil, FieldError("code", "give a code or a recovery code, not both")
	case in.Code != "":
		var err error
		if code, err = canonicalTOTP(in.Code); err != nil {
			return nil, err
		}
	case in.RecoveryCode != "":
		c, ok := canonicalCode(in.RecoveryCode)
		if !ok || len(c) != crockford.EncodedLen(resetCodeBytes) {
			return nil, FieldError("recovery_code", "not a recovery code: 16 letters and digits, in groups of four")
		}
		recovery = c
	default:
		return nil, FieldError("code", "required (or a recovery_code)")
	}
	if !strings.HasPrefix(tok, mfaTokenPrefix) {
		return nil, challengeGone()
	}
	sum := sha256.Sum256([]byte(tok))
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	token, hash, id, err := l.newSessionKeys()
	if err != nil {
		return nil, err
	}
	var s *SessionRecord
	var left *int
	var failure error
	var uid int64
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		s, left, failure, uid = nil, nil, nil, 0
		now := l.now()
		w, err := tx.GetMFAToken(ctx, sum[:])
		if IsCode(err, CodeNotFound) {
			return challengeGone()
		}
		if err != nil {
			return err
		}
		if w.UsedAt != nil || !now.Before(w.ExpiresAt) {
			return challengeGone()
		}
		uid = w.UserID
		cur, err := tx.GetUser(ctx, UserKey{Field: KeyID, ID: w.UserID})
		if err != nil {
			return err
		}
		l.settle(cur, now)
		if err := l.loginAllowed(cur, now); err != nil {
			return err // locked meanwhile (by wrong codes, or an operator)
		}
		f, err := tx.GetMFAFactor(ctx, cur.ID)
		if IsCode(err, CodeNotFound) || (err == nil && f.Status != MFAActive) {
			return challengeGone() // reset since the password was proven
		}
		if err != nil {
			return err
		}
		until, err := tx.AttemptsUntil(ctx, mfaBucket(cur.ID))
		if err != nil {
			return err
		}
		if failure = l.limited(until, now); failure != nil {
			return nil
		}
		var c checkCode
		what := "code"
		if code != "" {
			if c, err = l.useTOTP(ctx, tx, f, code, false, now); err != nil {
				return err
			}
		} else {
			what = "recovery code"
			mac, err := l.recoveryMAC(cur.ID, recovery)
			if err != nil {
				return err
			}
			used, err := tx.UseRecoveryCode(ctx, cur.ID, mac, now)
			if err != nil {
				return err
			}
			c = checkCode{ok: used, failure: "wrong or used recovery code"}
		}
		if !c.ok {
			if _, charged, err := l.chargeFactor(ctx, tx, cur.ID, now); err != nil {
				return err
			} else if !charged {
				until, err := tx.AttemptsUntil(ctx, mfaBucket(cur.ID))
				if err != nil {
					return err
				}
				failure = l.limited(until, now)
				return nil
			}
			msg, err := l.countFailure(ctx, tx, cur, ActionMFAVerify, now, c.failure)
			failure = Errorf(CodeUnauthenticated, "%s", msg)
			return err
		}
		used, err := tx.UseMFAToken(ctx, sum[:], now)
		if err != nil {
			return err
		}
		if !used { // a concurrent verification of the same login won
			return challengeGone()
		}
		if recovery != "" {
			codes, err := tx.ListRecoveryCodes(ctx, cur.ID)
			if err != nil {
				return err
			}
			n := 0
			for _, rc := range codes {
				if rc.UsedAt == nil {
					n++
				}
			}
			left = &n
		}
		detail := "second factor: " + what
		if left != nil {
			detail += fmt.Sprintf(" (%d left)", *left)
		}
		if err := tx.InsertEvent(ctx, l.event(ctx, ActionMFAVerify, cur.ID, detail)); err != nil {
			return err
		}
		if cur.FailedLogins != 0 {
			cur.FailedLogins, cur.UpdatedAt = 0, now
			if err := tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
		}
		s, err = l.openSession(ctx, tx, cur, id, hash, w.Keep, w.Label, w.Detail, now)
		return err
	})
	if err != nil {
		return nil, l.fail(ctx, ActionMFAVerify, uid, wrap(err, "verify second factor"))
	}
	if failure != nil {
		return nil, failure
	}
	out := MFASession{Session: s.Session, RecoveryCodesLeft: left}
	out.Token, out.Status = token, SessionActive
	return &out, nil
}

// ExportMFA is an account's second factor in an export with hashes (and
// an import): the secret sealed as the store keeps it (base64; it opens
// only with the same installation secret), the parameters, the last
// accepted step and the MACs of the recovery codes left.
type ExportMFA struct {
	Kind          string     `json:"kind"`
	Status        MFAStatus  `json:"status"`
	Secret        []byte     `json:"sealed_secret"`
	Algorithm     string     `json:"algorithm"`
	Digits        int        `json:"digits"`
	Period        int        `json:"period"`
	LastStep      int64      `json:"last_step,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	RecoveryCodes [][]byte   `json:"recovery_code_macs,omitempty"`
}

// exportMFA reads the factor of an account for an export with hashes;
// nil when it has none.
func exportMFA(ctx context.Context, tx Tx, userID int64) (*ExportMFA, error) {
	f, err := tx.GetMFAFactor(ctx, userID)
	if IsCode(err, CodeNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	codes, err := tx.ListRecoveryCodes(ctx, userID)
	if err != nil {
		return nil, err
	}
	e := &ExportMFA{Kind: f.Kind, Status: f.Status, Secret: f.Secret, Algorithm: f.Algorithm, Digits: f.Digits,
		Period: f.Period, LastStep: f.LastStep, CreatedAt: f.CreatedAt, ConfirmedAt: f.ConfirmedAt, LastUsedAt: f.LastUsedAt}
	for _, c := range codes {
		if c.UsedAt == nil {
			e.RecoveryCodes = append(e.RecoveryCodes, c.MAC)
		}
	}
	return e, nil
}

// checkImportMFA checks the factor of an import row: its parameters are
// the ones acct makes, and its secret opens with this installation
// secret (else no code would ever be accepted).
func (l *Local) checkImportMFA(m *ExportMFA) error {
	switch {
	case m.Kind != MFAKindTOTP:
		return FieldError("mfa", "kind %q is not totp", m.Kind)
	case m.Status != MFAPending && m.Status != MFAActive:
		return FieldError("mfa", "status %q is not one of pending, active", m.Status)
	case m.Algorithm != TOTPAlgorithm || m.Digits != TOTPDigits || m.Period != int(TOTPPeriod/time.Second):
		return FieldError("mfa", "only TOTP with SHA1, 6 digits and 30 s steps is supported")
	case m.LastStep < 0 || m.CreatedAt.IsZero():
		return FieldError("mfa", "last_step and created_at are required")
	case len(m.RecoveryCodes) > 2*RecoveryCodeCount:
		return FieldError("mfa", "more than %d recovery codes", 2*RecoveryCodeCount)
	}
	for _, mac := range m.RecoveryCodes {
		if len(mac) != sha256.Size {
			return FieldError("mfa", "a recovery code MAC is %d bytes", sha256.Size)
		}
	}
	if _, err := l.openSecret(0, m.Secret); err != nil {
		return FieldError("mfa", "the sealed secret does not open with this installation secret: import with the secret file of the exporting store")
	}
	return nil
}

// importMFA stores the factor of an imported account, replacing any.
func importMFA(ctx context.Context, tx Tx, userID int64, m *ExportMFA, now time.Time) error {
	created := m.CreatedAt.UTC().Truncate(time.Millisecond)
	f := &MFAFactorRecord{UserID: userID, Kind: m.Kind, Status: m.Status, Secret: m.Secret, Algorithm: m.Algorithm,
		Digits: m.Digits, Period: m.Period, LastStep: m.LastStep, CreatedAt: created, ConfirmedAt: m.ConfirmedAt, LastUsedAt: m.LastUsedAt}
	if _, err := tx.DeleteMFA(ctx, userID); err != nil {
		return err
	}
	if err := tx.PutMFAFactor(ctx, f); err != nil {
		return err
	}
	return tx.ReplaceRecoveryCodes(ctx, userID, m.RecoveryCodes, now)
}
