package acct

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strconv"
	"time"
)

// A challenge login runs SCRAM-SHA-256 (RFC 5802, RFC 7677; scram.go) in
// two calls, so that the password never reaches the server:
//
//  1. ChallengeBegin takes the client-first-message ("n,,n=alice,r=…"),
//     stores a challenge (any server sharing the store can finish it) and
//     answers the server-first-message ("r=…,s=<salt>,i=<iterations>").
//     A name that is no account's, and an account without a verifier, get
//     the same answer with a salt derived from the name under the
//     installation secret (stable across calls) and the current
//     iterations, after the same work: one read, one write.
//  2. ChallengeFinish takes the client-final-message ("c=biws,r=…,p=…"),
//     consumes the challenge (one guarded UPDATE: of concurrent finishes
//     one gets it; an unknown, used or expired one is unauthenticated with
//     ReasonChallengeExpired), then checks the proof as a password login
//     checks a password (login.go): the same attempt bucket, the same
//     lockout, the same refusals, the same one write. A right proof opens
//     a session (or, VerifyOnly, opens none) and answers the
//     server-final-message ("v=<signature>").
//
// The salt of an account with a verifier is the same by every name of
// the account; a derived one differs per name. Someone who already knows
// two names of one account (its username and its email) can so tell that
// it exists and has a verifier.

// ChallengeStart is the input of ChallengeBegin.
type ChallengeStart struct {
	// ClientFirst is the client-first-message, verbatim.
	ClientFirst string `json:"client_first"`
}

// Challenge is the answer of ChallengeBegin.
type Challenge struct {
	ID          string    `json:"challenge_id"`
	ServerFirst string    `json:"server_first"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// ChallengeAnswer is the input of ChallengeFinish.
type ChallengeAnswer struct {
	ID string `json:"challenge_id"`
	// ClientFinal is the client-final-message, verbatim.
	ClientFinal string `json:"client_final"`
	Keep        bool   `json:"keep,omitempty"`  // a keep-me-logged-in session
	Label       string `json:"label,omitempty"` // e.g. the device
	// VerifyOnly checks the proof without opening a session (password
	// verify): nothing changes but the failure count.
	VerifyOnly bool `json:"verify_only,omitempty"`
}

// ChallengeResult is the answer of ChallengeFinish: the session (none
// for VerifyOnly), with its token, and the server-final-message.
type ChallengeResult struct {
	Session     *Session `json:"session,omitempty"`
	ServerFinal string   `json:"server_final"`
}

// ChallengeRecord is a login challenge as stored, between the two
// messages of an exchange.
type ChallengeRecord struct {
	ID          string
	UserID      int64  // 0 for a name that is no account's
	Name        string // the user name of the client-first-message
	ClientFirst string // verbatim
	ServerFirst string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
}

// ScramTx keeps SCRAM verifiers and login challenges.
type ScramTx interface {
	// GetScramVerifier returns the verifier of an account; CodeNotFound
	// when it has none.
	GetScramVerifier(ctx context.Context, userID int64) (*ScramRecord, error)
	// PutScramVerifier stores rec as its account's verifier, replacing
	// any it had.
	PutScramVerifier(ctx context.Context, rec *ScramRecord) error
	// DeleteScramVerifier deletes an account's verifier, if any.
	DeleteScramVerifier(ctx context.Context, userID int64) error
	// ListScramVerifiers returns the verifiers of the accounts with ids
	// from fromID to toID (both included), in id order.
	ListScramVerifiers(ctx context.Context, fromID, toID int64) ([]ScramRecord, error)
	// InsertChallenge stores a new challenge.
	InsertChallenge(ctx context.Context, rec *ChallengeRecord) error
	// ConsumeChallenge marks challenge id used at now in one guarded
	// statement, only while it is unused and not expired at now, and
	// returns it: of concurrent consumers exactly one gets it; the others,
	// and any caller of an unknown id, get CodeNotFound.
	ConsumeChallenge(ctx context.Context, id string, now time.Time) (*ChallengeRecord, error)
	// DeleteChallenges deletes at most limit challenges that expired at
	// or before now and returns how many.
	DeleteChallenges(ctx context.Context, now time.Time, limit int) (int64, error)
}

// putVerifier stores scram (text form) as the verifier of rec's current
// hash; "" deletes rec's verifier.
func putVerifier(ctx context.Context, tx Tx, rec *UserRecord, scram string) error {
	if scram == "" || rec.PasswordHash == "" {
		return tx.DeleteScramVerifier(ctx, rec.ID)
	}
	return tx.PutScramVerifier(ctx, &ScramRecord{UserID: rec.ID, Verifier: scram, HashTag: HashTag(rec.PasswordHash)})
}

// wantsVerifier reports whether a right password should leave a new
// verifier: the account has none, or one of other iterations than the
// configured ones.
func (l *Local) wantsVerifier(r *ScramRecord) bool {
	if r == nil {
		return true
	}
	v, err := ParseScramVerifier(r.Verifier)
	return err != nil || v.Iterations != l.opt.ScramIterations
}

// noVerifierField is the Field of the refusal of a proof for an account
// that has a password but no verifier yet: a remote client (acctl with an
// https store) tells it apart to say how to get one. The auth API answers
// it as every failed login.
const noVerifierField = "scram_verifier"

// NoVerifierField is noVerifierField, for the clients that look for it.
const NoVerifierField = noVerifierField

// checkProof is authenticate's check of a SCRAM proof: against the
// verifier of the account whose stored hash is hash, or, when hash is ""
// (a refusal or an unknown name, already in a) or the account has no
// verifier, against none, at the same cost.
func (l *Local) checkProof(a *authAttempt, c *scramCheck, hash string) *authAttempt {
	var v ScramVerifier
	if hash != "" {
		if a.verifier == nil {
			a.refusal = &Error{Code: CodeUnauthenticated, Field: noVerifierField, Message: "user " +
				strconv.FormatInt(a.rec.ID, 10) + " has no SCRAM verifier yet: one password login, or a new password, makes one"}
		} else if pv, err := ParseScramVerifier(a.verifier.Verifier); err == nil {
			v = pv
		}
	}
	a.ok, a.serverSig = c.verify(v)
	return a
}

// challengeID makes the public id of a challenge: 128 random bits.
func (l *Local) challengeID() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", Internal(err, "make challenge id")
	}
	return "chl_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// scramNonce makes the server's part of a nonce: 144 random bits.
func (l *Local) scramNonce() (string, error) {
	b := make([]byte, 18)
	if _, err := io.ReadFull(l.opt.Rand, b); err != nil {
		return "", Internal(err, "make scram nonce")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// derivedSalt is the salt shown for a name without a verifier: an HMAC of
// the name's bucket key (its normal form) under the installation secret,
// the same at every call and unknown to whoever lacks the secret.
func (l *Local) derivedSalt(key UserKey) []byte {
	m := hmac.New(sha256.New, l.opt.Secret)
	m.Write([]byte("acctl scram salt v1\x00" + nameBucket(key)))
	return m.Sum(nil)[:scramSaltLen]
}

// ChallengeBegin starts a challenge login: see the comment at the top of
// challenge.go.
func (l *Local) ChallengeBegin(ctx context.Context, in ChallengeStart) (*Challenge, error) {
	if err := l.permit(ctx, "ChallengeBegin"); err != nil {
		return nil, err
	}
	cf, err := parseScramClientFirst(in.ClientFirst)
	if err != nil {
		return nil, err
	}
	key, err := refKey(cf.user, l.opt.PhoneRegion)
	if err != nil {
		return nil, FieldError("client_first", "the user name (n=): %v", err)
	}
	if len(l.opt.Secret) < MinSecretLength {
		return nil, FieldError(SecretFileField, "a challenge login needs the installation secret (secret_file)")
	}
	if err := l.secretReady(ctx); err != nil {
		return nil, err
	}
	id, err := l.challengeID()
	if err != nil {
		return nil, err
	}
	snonce, err := l.scramNonce()
	if err != nil {
		return nil, err
	}
	var rec *UserRecord
	var ver *ScramRecord
	err = l.store.View(ctx, func(tx Tx) (err error) {
		rec, ver = nil, nil
		r, err := tx.GetUser(ctx, key)
		var id int64 // an unknown name's verifier is read too (of id 0: none): the same reads
		switch {
		case IsCode(err, CodeNotFound):
		case err != nil:
			return err
		default:
			rec, id = r, r.ID
		}
		v, err := tx.GetScramVerifier(ctx, id)
		switch {
		case IsCode(err, CodeNotFound):
		case err != nil:
			return err
		case rec != nil && v.validFor(rec.PasswordHash):
			ver = v
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err, "begin challenge")
	}
	salt, iterations := l.derivedSalt(key), l.opt.ScramIterations
	if ver != nil {
		if v, err := ParseScramVerifier(ver.Verifier); err == nil {
			salt, iterations = v.Salt, v.Iterations
		}
	}
	now := l.now()
	c := &ChallengeRecord{ID: id, Name: cf.user, ClientFirst: in.ClientFirst,
		ServerFirst: scramServerFirst(cf.cnonce, snonce, salt, iterations), CreatedAt: now, ExpiresAt: now.Add(ChallengeTTL)}
	if rec != nil {
		c.UserID = rec.ID
	}
	err = l.store.Update(ctx, func(tx Tx) error { return tx.InsertChallenge(ctx, c) })
	if err != nil {
		return nil, wrap(err, "begin challenge")
	}
	return &Challenge{ID: c.ID, ServerFirst: c.ServerFirst, ExpiresAt: c.ExpiresAt}, nil
}

// errChallenge is the answer for a challenge that is unknown, used or
// expired.
func errChallenge() error {
	return (&Error{Code: CodeUnauthenticated, Field: "challenge_id",
		Message: "no such challenge, or it was used or expired: begin again"}).WithReason(ReasonChallengeExpired)
}

// ChallengeFinish ends a challenge login: see the comment at the top of
// challenge.go.
func (l *Local) ChallengeFinish(ctx context.Context, in ChallengeAnswer) (*ChallengeResult, error) {
	if err := l.permit(ctx, "ChallengeFinish"); err != nil {
		return nil, err
	}
	if in.ID == "" {
		return nil, FieldError("challenge_id", "required")
	}
	if len(in.ID) > 64 {
		return nil, errChallenge()
	}
	cl, err := parseScramClientFinal(in.ClientFinal)
	if err != nil {
		return nil, err
	}
	label, err := normalizeNote("label", in.Label)
	if err != nil {
		return nil, err
	}
	if in.VerifyOnly && (in.Keep || label != "") {
		return nil, FieldError("verify_only", "a check opens no session: give no keep or label")
	}
	var c *ChallengeRecord
	err = l.store.Update(ctx, func(tx Tx) (err error) {
		c, err = tx.ConsumeChallenge(ctx, in.ID, l.now())
		return err
	})
	switch {
	case IsCode(err, CodeNotFound):
		return nil, errChallenge()
	case err != nil:
		return nil, wrap(err, "finish challenge")
	}
	cf, err := parseScramClientFirst(c.ClientFirst)
	if err != nil {
		return nil, Internal(err, "read stored challenge")
	}
	nonce, _, _ := cutPrefix(c.ServerFirst, "r=")
	check := &scramCheck{
		authMessage: cf.bare + "," + c.ServerFirst + "," + cl.withoutProof,
		proof:       cl.proof,
		match:       cl.nonce == nonce && cl.cbind == base64.StdEncoding.EncodeToString([]byte(cf.gs2)),
	}
	key, err := refKey(c.Name, l.opt.PhoneRegion)
	if err != nil {
		return nil, Internal(err, "read stored challenge")
	}
	if c.UserID != 0 {
		key = UserKey{Field: KeyID, ID: c.UserID} // the account the salt was of
	}
	out := &ChallengeResult{}
	var onOK func(Tx, *UserRecord) error
	var sess *Session
	var mfa error
	action := ActionPasswordVerify
	l2 := *l
	l2.noRehash = true // a proof carries no password to rehash
	if !in.VerifyOnly {
		action = ActionSessionLogin
		token, hash, id, err := l.newSessionKeys()
		if err != nil {
			return nil, err
		}
		// The proof is proven where a password would be: the same place
		// of the second-factor rule (passwordProven) opens the session or
		// answers mfa_required.
		onOK = func(tx Tx, cur *UserRecord) (err error) {
			detail := " by challenge"
			if in.Keep {
				detail += ", persistent"
			}
			sess, mfa, err = l.passwordProven(ctx, tx, cur, provenLogin{ID: id, Token: token, Hash: hash, Keep: in.Keep, Label: label, Detail: detail})
			return err
		}
	}
	_, a, err := l2.attemptWith(ctx, key, c.Name, credential{proof: check}, false, action, onOK)
	if err != nil {
		return nil, wrap(err, "finish challenge")
	}
	if mfa != nil {
		return nil, mfa
	}
	out.ServerFinal = scramFinal(a.serverSig)
	out.Session = sess
	return out, nil
}

// cutPrefix returns the first attribute of a SCRAM message after prefix
// ("r=" → the nonce), up to the next comma.
func cutPrefix(msg, prefix string) (string, string, bool) {
	if len(msg) < len(prefix) || msg[:len(prefix)] != prefix {
		return "", msg, false
	}
	rest := msg[len(prefix):]
	for i := 0; i < len(rest); i++ {
		if rest[i] == ',' {
			return rest[:i], rest[i+1:], true
		}
	}
	return rest, "", true
}
