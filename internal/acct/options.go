package acct

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// Options configure Local. The zero value of each field means its default.
type Options struct {
	// Now returns the current time; default time.Now. Tests inject a fixed clock.
	Now func() time.Time
	// Rand is the source of randomness for salts, tokens and codes; default
	// crypto/rand. Tests may inject a seeded source.
	Rand io.Reader
	// Actor names who acts when the context carries no actor (see WithActor).
	Actor string
	// Argon2 sets the cost of new password hashes; default DefaultArgon2.
	Argon2 Argon2Params
	// HashPool bounds the password hashing in flight: every hash and
	// verification of Local runs in it. A process shares one among all
	// that hash (the Service, the auth API); nil means a pool of Local's
	// own, NewHashPool(0, -1).
	HashPool *HashPool
	// ScramIterations is the PBKDF2 iteration count of new SCRAM-SHA-256
	// verifiers (scram.go); default DefaultScramIterations, at least
	// MinScramIterations.
	ScramIterations int
	// FirebaseScrypt are the parameters of imported firebase-scrypt
	// password hashes (config import.firebase_scrypt); zero when none.
	FirebaseScrypt FirebaseScrypt
	// PasswordMinLength is the shortest password accepted, in Unicode code
	// points; default 15 (NIST SP 800-63B-4 for single-factor passwords).
	PasswordMinLength int
	// PhoneRegion is the ISO 3166 region (e.g. "GB") for phone numbers
	// written without a country code; "" requires the +country form.
	PhoneRegion string
	// SessionIdle ends a session not freshened for this long; default 1h.
	SessionIdle time.Duration
	// SessionAbsolute ends a session this long after login, however
	// fresh; default 24h.
	SessionAbsolute time.Duration
	// SessionPersistent is the lifetime of a keep-me-logged-in session,
	// both idle and absolute; default 720h.
	SessionPersistent time.Duration
	// LockoutThreshold is how many consecutive failed logins lock an
	// account; default 10.
	LockoutThreshold int
	// LockoutDuration is how long such a lockout lasts; default 15m.
	LockoutDuration time.Duration
	// LoginLimit bounds the failed password checks (logins, password
	// verifications and changes) of one account, in the store so that
	// every server sharing it counts them: DefaultLoginLimit when zero,
	// Unlimited for none. Every spelling of an account (id, username,
	// email, phone) shares its bucket; a name that is no account's has a
	// bucket of its normalised form. See Local.Login.
	LoginLimit Rate
	// Secret is the installation secret under which codes are stored
	// (HMAC-SHA256); at least MinSecretLength bytes. Without it no code
	// can be issued or checked.
	Secret []byte
	// SecretFile names where Secret came from (a file path), for the
	// message that refuses a secret the store does not know; optional.
	SecretFile string
	// Notifier delivers messages; nil means codes can only be handed over.
	Notifier Notifier
	// PublicURL is the address of the reset page for forgot-password
	// links: "{code}" in it is replaced by the code, else the code is
	// added as the query parameter "token".
	PublicURL string
	// OTPTTL is the life of a one-time passcode; default 10m.
	OTPTTL time.Duration
	// OTPAttempts is how many checks an OTP allows before it is void;
	// default 5.
	OTPAttempts int
	// OTPCooldown is how long before another OTP of the same purpose may be
	// sent to an account; default 60s.
	OTPCooldown time.Duration
	// SignupVerify is how a new account proves its address: "none" (the
	// default: accounts are active at once), "email" (pending, with an
	// activation link) or "phone" (pending, with a signup OTP by SMS).
	SignupVerify string
	// RequireVerified refuses the login of a pending account. The
	// configuration key login.require_verified sets it, true unless an
	// operator turns it off; a program that builds Options itself must
	// set it too.
	RequireVerified bool
	// ActivationTTL is the life of an activation link; default 24h.
	ActivationTTL time.Duration
	// ReferrerPoints and NewUserPoints are the points awarded when an
	// account registers with an invite code: to the account whose code it
	// is, and to the new account. nil means the default
	// (DefaultReferrerPoints, DefaultNewUserPoints); new(int64(0)) awards
	// none.
	ReferrerPoints *int64
	NewUserPoints  *int64
	// JobAttempts is how many times a queued job is tried before it is
	// given up (jobs.go); default DefaultJobAttempts.
	JobAttempts int
	// JobBackoff is the wait after a job's first failed attempt, doubled
	// after each further one up to DefaultJobBackoffMax; default
	// DefaultJobBackoff.
	JobBackoff time.Duration
	// JobLease is how long a claimed job is its runner's before another
	// may claim it (its runner died); default DefaultJobLease.
	JobLease time.Duration
	// JobQueued, when set, is called after a job was committed, to wake
	// this process's runner.
	JobQueued func()
}

// Rate is how many attempts a limit allows: a token bucket that holds
// Events tokens and gains Events tokens every Per, so a burst of Events,
// then one every Per/Events. Events < 0 means no limit; the zero Rate
// means the default of its use.
type Rate struct {
	Events int
	Per    time.Duration
}

// Unlimited is the Rate that never refuses.
var Unlimited = Rate{Events: -1}

// DefaultLoginLimit is the default of Options.LoginLimit: 10 failed
// password checks per account, then one every 90 seconds.
var DefaultLoginLimit = Rate{Events: 10, Per: 15 * time.Minute}

// Password policy bounds.
const (
	DefaultPasswordMinLength = 15
	PasswordMaxLength        = 128
)

// Session and lockout defaults.
const (
	DefaultSessionIdle       = time.Hour
	DefaultSessionAbsolute   = 24 * time.Hour
	DefaultSessionPersistent = 720 * time.Hour
	DefaultLockoutThreshold  = 10
	DefaultLockoutDuration   = 15 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Actor == "" {
		o.Actor = "unknown"
	}
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	if o.ScramIterations == 0 {
		o.ScramIterations = DefaultScramIterations
	}
	if o.HashPool == nil {
		o.HashPool = NewHashPool(0, -1)
	}
	if o.PasswordMinLength <= 0 {
		o.PasswordMinLength = DefaultPasswordMinLength
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = DefaultSessionIdle
	}
	if o.SessionAbsolute <= 0 {
		o.SessionAbsolute = DefaultSessionAbsolute
	}
	if o.SessionPersistent <= 0 {
		o.SessionPersistent = DefaultSessionPersistent
	}
	if o.LockoutThreshold <= 0 {
		o.LockoutThreshold = DefaultLockoutThreshold
	}
	if o.LockoutDuration <= 0 {
		o.LockoutDuration = DefaultLockoutDuration
	}
	if o.LoginLimit == (Rate{}) {
		o.LoginLimit = DefaultLoginLimit
	}
	if o.OTPTTL <= 0 {
		o.OTPTTL = DefaultOTPTTL
	}
	if o.OTPAttempts <= 0 {
		o.OTPAttempts = DefaultOTPAttempts
	}
	if o.OTPCooldown <= 0 {
		o.OTPCooldown = DefaultOTPCooldown
	}
	if o.SignupVerify == "" {
		o.SignupVerify = SignupVerifyNone
	}
	if o.ActivationTTL <= 0 {
		o.ActivationTTL = DefaultActivationTTL
	}
	if o.ReferrerPoints == nil {
		o.ReferrerPoints = new(int64(DefaultReferrerPoints))
	}
	if o.JobAttempts <= 0 {
		o.JobAttempts = DefaultJobAttempts
	}
	if o.JobBackoff <= 0 {
		o.JobBackoff = DefaultJobBackoff
	}
	if o.JobLease <= 0 {
		o.JobLease = DefaultJobLease
	}
	if o.NewUserPoints == nil {
		o.NewUserPoints = new(int64(DefaultNewUserPoints))
	}
	return o
}

// validate checks that the options make sense together.
func (o Options) validate() error {
	if len(o.Secret) > 0 && len(o.Secret) < MinSecretLength {
		return fmt.Errorf("the installation secret is %d bytes, want at least %d", len(o.Secret), MinSecretLength)
	}
	switch o.SignupVerify {
	case SignupVerifyNone, SignupVerifyEmail, SignupVerifyPhone:
	default:
		return fmt.Errorf("signup.verify %q is not one of none, email, phone", o.SignupVerify)
	}
	for _, p := range []struct {
		key string
		n   int64
	}{{"referral.referrer_points", *o.ReferrerPoints}, {"referral.new_user_points", *o.NewUserPoints}} {
		if p.n < 0 || p.n > MaxPointsDelta {
			return fmt.Errorf("%s is %d, want 0 to %d", p.key, p.n, MaxPointsDelta)
		}
	}
	if o.SessionIdle > o.SessionAbsolute {
		return fmt.Errorf("session.idle (%s) is longer than session.absolute (%s)", o.SessionIdle, o.SessionAbsolute)
	}
	if r := o.LoginLimit; r.Events >= 0 && (r.Events == 0 || r.Per < time.Duration(r.Events)*time.Millisecond) {
		return fmt.Errorf("auth.rate.account (the login limit) %d/%s must allow at least one attempt, and at most one a millisecond", r.Events, r.Per)
	}
	if o.ScramIterations < MinScramIterations || o.ScramIterations > maxScramIterations {
		return fmt.Errorf("scram.iterations is %d, want %d to %d", o.ScramIterations, MinScramIterations, maxScramIterations)
	}
	if !o.FirebaseScrypt.IsZero() {
		if err := o.FirebaseScrypt.Validate(); err != nil {
			return fmt.Errorf("import.firebase_scrypt: %w", err)
		}
	}
	return o.Argon2.Validate()
}
