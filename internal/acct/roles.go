package acct

import (
	"context"
	"time"
)

// Role is what an API key may do through `acctl serve`, for least
// privilege: support staff get what the help desk needs, auditors read.
type Role string

// The roles of API keys.
const (
	RoleAdmin   Role = "admin"   // everything
	RoleSupport Role = "support" // look users up, reset codes, passcodes, sessions, unlock
	RoleAuditor Role = "auditor" // read only, the audit trail included
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleSupport || r == RoleAuditor }

// Operations are named after the Service methods ("User", "ListUsers",
// "IssueResetCode", …); a front end checks Permitted before it calls one
// on behalf of an API key.
var (
	// An auditor may export accounts, as it may list them, but never
	// their password hashes (ExportUsersWithHashes is admin's alone).
	auditorOps = set("User", "ListUsers", "ExportUsers", "ListAddresses", "ValidateSession", "ListSessions", "ListCodes",
		"ListPreregistrations", "Points", "PointsHistory", "ListEvents",
		"PasswordHashes", "ListJobs")
	supportOps = set("User", "ListUsers", "ListAddresses", "IssueResetCode", "SendOTP", "VerifyOTP",
		"ListSessions", "EndSessions", "UnlockUser")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Permitted reports whether a key of role may call the Service method op.
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
