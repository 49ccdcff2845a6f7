package acct

import (
	"context"
	"time"
)

// The second factor (issue 17): a TOTP factor per account (RFC 6238:
// SHA-1, 6 digits, 30 s steps, what authenticator apps support), with
// single-use recovery codes, required by every login of an account
// whose factor is active (see Local.passwordProven in login.go).

// MFAStatus is the state of an account's second factor.
type MFAStatus string

// The states of a second factor.
const (
	MFANone    MFAStatus = "none"    // no factor
	MFAPending MFAStatus = "pending" // enrolled, waiting for a code to confirm it
	MFAActive  MFAStatus = "active"  // confirmed: every login asks for a code
)

// MFAKindTOTP is the only kind of factor today.
const MFAKindTOTP = "totp"

// The TOTP parameters every factor is made with.
const (
	TOTPAlgorithm = "SHA1"
	TOTPDigits    = 6
	TOTPPeriod    = 30 * time.Second
	// TOTPSecretBytes is the size of a shared secret: 160 bits, RFC
	// 4226's recommendation (and the size of a SHA-1 block's key).
	TOTPSecretBytes = 20
	// TOTPSkew is how many steps before and after the current one a code
	// may be from (a clock a little off, a code typed at a step's end).
	TOTPSkew = 1
	// RecoveryCodeCount is how many recovery codes a confirmation or a
	// regeneration gives.
	RecoveryCodeCount = 10
	// MFATokenTTL is the lifetime of the mfa_token of a login that waits
	// for its second factor.
	MFATokenTTL = 5 * time.Minute
	// TOTPIssuer names the installation in an authenticator app.
	TOTPIssuer = "acctl"
)

// MFAEnrollment is a new pending factor: its secret shown this once, as
// base32 text and as an otpauth:// URI (what a QR code carries).
type MFAEnrollment struct {
	UserID    int64     `json:"user_id"`
	Kind      string    `json:"kind"`
	Status    MFAStatus `json:"status"`
	Secret    string    `json:"secret"`
	URI       string    `json:"uri"`
	Algorithm string    `json:"algorithm"`
	Digits    int       `json:"digits"`
	Period    int       `json:"period"` // seconds
	CreatedAt time.Time `json:"created_at"`
}

// MFACodeRequest names an account and carries a code from its
// authenticator: the input of Service.ConfirmMFA.
type MFACodeRequest struct {
	Ref  string `json:"ref"`
	Code string `json:"code"`
}

// RecoveryCodes are fresh recovery codes, shown this once: the store
// keeps only their keyed hashes.
type RecoveryCodes struct {
	UserID int64     `json:"user_id"`
	Codes  []string  `json:"codes"`
	Status MFAStatus `json:"status"`
}

// MFAInfo is what an operator or an auditor sees of an account's second
// factor: never its secret.
type MFAInfo struct {
	UserID        int64      `json:"user_id"`
	Status        MFAStatus  `json:"status"`
	Kind          string     `json:"kind,omitempty"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	RecoveryCodes int        `json:"recovery_codes"` // unused ones left
}

// MFAReset is the input of Service.ResetMFA.
type MFAReset struct {
	Ref    string `json:"ref"`
	Reason string `json:"reason"` // required: why, for the audit trail
}

// MFAVerify is the input of Service.VerifyMFA: the mfa_token of a login
// that answered mfa_required, and a code from the authenticator or a
// recovery code (one of the two).
type MFAVerify struct {
	Token        string `json:"mfa_token"`
	Code         string `json:"code,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

// MFASession is the answer of Service.VerifyMFA: the session the login
// opens, and, when a recovery code opened it, how many are left.
type MFASession struct {
	Session
	RecoveryCodesLeft *int `json:"recovery_codes_left,omitempty"`
}

// MFAService is the part of Service about second factors.
type MFAService interface {
	// EnrollMFA gives an account a pending TOTP factor (replacing a
	// pending one); its secret is shown this once.
	EnrollMFA(ctx context.Context, ref string) (*MFAEnrollment, error)
	// ConfirmMFA activates a pending factor with a valid code and
	// returns the recovery codes, shown this once.
	ConfirmMFA(ctx context.Context, in MFACodeRequest) (*RecoveryCodes, error)
	// RegenerateRecoveryCodes replaces the recovery codes of an active
	// factor.
	RegenerateRecoveryCodes(ctx context.Context, ref string) (*RecoveryCodes, error)
	// MFAStatus tells an account's second factor state.
	MFAStatus(ctx context.Context, ref string) (*MFAInfo, error)
	// ResetMFA removes an account's factor and recovery codes and ends its
	// sessions.
	ResetMFA(ctx context.Context, in MFAReset) (*MFAInfo, error)
	// VerifyMFA completes a login that answered mfa_required: a valid
	// code (or recovery code) opens the session.
	VerifyMFA(ctx context.Context, in MFAVerify) (*MFASession, error)
}

// MFAFactorRecord is a factor as stored: its secret sealed (AES-GCM
// under a key derived from the installation secret).
type MFAFactorRecord struct {
	UserID      int64
	Kind        string
	Status      MFAStatus
	Secret      []byte // sealed
	Algorithm   string
	Digits      int
	Period      int // seconds
	LastStep    int64
	CreatedAt   time.Time
	ConfirmedAt *time.Time
	LastUsedAt  *time.Time
}

// MFATokenRecord is a login waiting for its second factor, as stored:
// the SHA-256 of its token, never the token.
type MFATokenRecord struct {
	TokenHash []byte
	UserID    int64
	Keep      bool
	Label     string
	Detail    string // the login's audit detail ("session via github:1")
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// MFATx is the work on second factors a Store does inside a transaction.
type MFATx interface {
	// PutMFAFactor stores rec as the account's factor, replacing any.
	PutMFAFactor(ctx context.Context, rec *MFAFactorRecord) error
	// GetMFAFactor returns the account's factor; CodeNotFound for none.
	GetMFAFactor(ctx context.Context, userID int64) (*MFAFactorRecord, error)
	// ListMFAUsers returns, in id order, the ids from fromID to toID of
	// the accounts that have a factor (pending or active): an export
	// reads the factors of those only.
	ListMFAUsers(ctx context.Context, fromID, toID int64) ([]int64, error)
	// AdvanceMFAStep sets the factor's last accepted step to step (and
	// its status to active when activate) in one guarded statement: only
	// while its last step is before step (compare-and-set). It reports
	// whether it did, so that of a replay or of concurrent uses of one
	// code exactly one wins.
	AdvanceMFAStep(ctx context.Context, userID, step int64, activate bool, at time.Time) (bool, error)
	// DeleteMFA deletes the account's factor, recovery codes and waiting
	// logins, and reports whether there was a factor.
	DeleteMFA(ctx context.Context, userID int64) (bool, error)
	// ReplaceRecoveryCodes deletes the account's recovery codes and
	// stores macs instead.
	ReplaceRecoveryCodes(ctx context.Context, userID int64, macs [][]byte, at time.Time) error
	// UseRecoveryCode marks the account's unused recovery code mac used
	// at at in one guarded statement and reports whether it did.
	UseRecoveryCode(ctx context.Context, userID int64, mac []byte, at time.Time) (bool, error)
	// ListRecoveryCodes returns the MACs of the account's recovery codes
	// and their use (nil when unused).
	ListRecoveryCodes(ctx context.Context, userID int64) ([]RecoveryCodeRecord, error)
	// InsertMFAToken stores a waiting login.
	InsertMFAToken(ctx context.Context, rec *MFATokenRecord) error
	// GetMFAToken finds a waiting login by token hash; CodeNotFound for
	// none.
	GetMFAToken(ctx context.Context, tokenHash []byte) (*MFATokenRecord, error)
	// UseMFAToken marks a waiting login used at now in one guarded
	// statement, only while unused and not expired at now, and reports
	// whether it did.
	UseMFAToken(ctx context.Context, tokenHash []byte, now time.Time) (bool, error)
	// DeleteMFATokens deletes at most limit waiting logins that expired
	// at or before cutoff, and returns how many.
	DeleteMFATokens(ctx context.Context, cutoff time.Time, limit int) (int64, error)
}

// RecoveryCodeRecord is a recovery code as stored: its MAC.
type RecoveryCodeRecord struct {
	MAC       []byte
	CreatedAt time.Time
	UsedAt    *time.Time
}
