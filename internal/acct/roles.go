package acct

import (
	"context"
	"time"
)

// Role is what an API key may do through `acctl serve`, for least
// privilege: support staff get what the help desk needs, auditors read.
//
// The role matrix, enforced by Local (not by the HTTP layer) for a caller
// whose context carries a role (WithRole, which the server sets from the
// API key of each call):
//
//	caller            operations                         accounts
//	local operator    all (no role in the context)       all
//	admin key         all                                all
//	support key       User, LookupUsers, ListUsers,      reads: all; changes
//	                  ListAddresses, ListSessions,       (IssueResetCode,
//	                  CheckIdentifiers (reads);
//	                  IssueResetCode, SendOTP,           SendOTP, VerifyOTP,
//	                  VerifyOTP, EndSessions,            EndSessions,
//	                  UnlockUser, ResetMFA (changes);    UnlockUser, ResetMFA):
//	                  MFAStatus (read)                   only accounts
//	                                                     without admin: true
//	auditor key       reads: User, LookupUsers,          all (reads only)
//	                  ListUsers, ExportUsers (no
//	                  hashes), ListAddresses,
//	                  ValidateSession(s), MFAStatus,
//	                  ListSessions, ListCodes,
//	                  ListPreregistrations, Points,
//	                  PointsHistory, ListEvents,
//	                  PasswordHashes, MFAStatus
//
// A support key may not act on an admin account, as a service desk may
// not in the best identity servers: no reset code (and so no reset), no
// second factor reset, no unlock, no passcode, no session ended or freshened. Every change that
// an account's admin flag makes refused is answered CodeRefused (HTTP 403
// refused, exit 6) and written to the audit trail with the outcome
// failure. An operation outside the role is CodeRefused too, before
// anything is read. The public endpoints (authapi) act with no role: what
// they may do is in their own rules (a code, a password, a session).
type Role string

// The roles of API keys.
const (
	RoleAdmin   Role = "admin"   // everything
	RoleSupport Role = "support" // look users up; reset codes, passcodes, sessions, unlock of non-admin accounts
	RoleAuditor Role = "auditor" // read only, the audit trail included
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleSupport || r == RoleAuditor }

// Operations are named after the Service methods ("User", "ListUsers",
// "IssueResetCode", …); Local checks Permitted before it runs one for a
// caller with a role.
var (
	// An auditor may export accounts, as it may list them, but never
	// their password hashes (ExportUsersWithHashes is admin's alone).
	auditorOps = set("User", "LookupUsers", "ListUsers", "ExportUsers", "ListAddresses", "ValidateSession", "ValidateSessions", "ListSessions", "ListCodes",
		"ListPreregistrations", "Points", "PointsHistory", "ListEvents",
		"PasswordHashes", "ListJobs", "MFAStatus")
	// Of these, the ones that change an account (IssueResetCode, SendOTP,
	// VerifyOTP, EndSessions, UnlockUser) refuse admin accounts: see
	// mayChange.
	supportOps = set("User", "LookupUsers", "ListUsers", "ListAddresses", "IssueResetCode", "SendOTP", "VerifyOTP",
		"ListSessions", "EndSessions", "UnlockUser", "CheckIdentifiers", "MFAStatus", "ResetMFA")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Permitted reports whether a key of role may call the Service method op
// at all; for a support key, mayChange further refuses admin accounts.
func Permitted(role Role, op string) bool {
	switch role {
	case RoleAdmin:
		return true
	case RoleSupport:
		return supportOps[op]
	case RoleAuditor:
		return auditorOps[op]
	}
	return false
}

type roleKey struct{}

// WithRole returns a context in which the caller acts with role: the role
// of the API key of a call to `acctl serve`, set by the server beside the
// key's name (WithActor). A context without a role is a local operator's,
// who may do everything; a context with a role that is not Valid may do
// nothing.
func WithRole(ctx context.Context, role Role) context.Context {
	return context.WithValue(ctx, roleKey{}, role)
}

// RoleFrom returns the role set by WithRole and true, or "" and false for
// a local operator.
func RoleFrom(ctx context.Context) (Role, bool) {
	r, ok := ctx.Value(roleKey{}).(Role)
	return r, ok
}

// permit refuses the Service method op to a caller whose role does not
// allow it (a local operator, with no role, may do everything).
func (l *Local) permit(ctx context.Context, op string) error {
	role, ok := RoleFrom(ctx)
	if !ok || Permitted(role, op) {
		return nil
	}
	return Errorf(CodeRefused, "API key %q (role %s) may not call %s", l.actor(ctx), role, op)
}

// mayChange refuses a change of an admin account to a caller whose role is
// not admin: support keys act on non-admin accounts only. Local operators
// and admin keys may change every account. The caller records the refusal
// in the audit trail (Local.fail).
func (l *Local) mayChange(ctx context.Context, rec *UserRecord, what string) error {
	role, ok := RoleFrom(ctx)
	if !ok || role == RoleAdmin || !rec.Admin {
		return nil
	}
	return Errorf(CodeRefused, "API key %q (role %s) may not %s user %d: an admin account, for admin keys and local operators only",
		l.actor(ctx), role, what, rec.ID)
}

// APIKey is an API key as listed: never its secret.
type APIKey struct {
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Prefix     string     `json:"prefix"` // the first characters of the token, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewAPIKey is the input of KeyManager.CreateAPIKey.
type NewAPIKey struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// CreatedAPIKey is a new API key with its secret token, shown this once:
// the store keeps only its SHA-256.
type CreatedAPIKey struct {
	APIKey
	Token string `json:"token"`
}

// KeyManager manages the API keys of `acctl serve`. Only Local implements
// it: keys are created on the machine that holds the store, never through
// the server they open.
type KeyManager interface {
	CreateAPIKey(ctx context.Context, in NewAPIKey) (*CreatedAPIKey, error)
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	RevokeAPIKey(ctx context.Context, name string) (*APIKey, error)
	// AuthenticateAPIKey finds the active key of a token (CodeUnauthenticated
	// otherwise) and records its use.
	AuthenticateAPIKey(ctx context.Context, token string) (*APIKey, error)
}

// mayChangeSession is mayChange for the user of session s. It reads the
// user only for a caller with a role other than admin.
func (l *Local) mayChangeSession(ctx context.Context, tx Tx, s *SessionRecord) error {
	if role, ok := RoleFrom(ctx); !ok || role == RoleAdmin {
		return nil
	}
	u, err := tx.GetUser(ctx, UserKey{Field: KeyID, ID: s.UserID})
	if err != nil {
		return err
	}
	return l.mayChange(ctx, u, "end or freshen the sessions of")
}
