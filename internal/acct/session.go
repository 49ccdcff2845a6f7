package acct

import "time"

// SessionStatus is the state of a login session. It follows from the clock
// and from whether the session was ended; it is never stored.
type SessionStatus string

// The session states.
const (
	SessionActive  SessionStatus = "active"  // may be used
	SessionExpired SessionStatus = "expired" // its idle or absolute deadline has passed
	SessionEnded   SessionStatus = "ended"   // logged out, or ended by a password change, a lock or a deletion
	SessionAll     SessionStatus = "all"     // in a SessionQuery: any state
)

// Valid reports whether s is a state a SessionQuery may ask for.
func (s SessionStatus) Valid() bool {
	switch s {
	case SessionActive, SessionExpired, SessionEnded, SessionAll:
		return true
	}
	return false
}

// Session is a login session as every front end shows it. Token is set
// only in the answer of Service.Login: it is stored as its SHA-256 and can
// never be shown again.
type Session struct {
	ID                string        `json:"id"` // short public id, e.g. "ses_4k7q2mx9d1tf"
	Token             string        `json:"token,omitempty"`
	UserID            int64         `json:"user_id"`
	Username          string        `json:"username,omitempty"`
	Email             string        `json:"email,omitempty"`
	CreatedAt         time.Time     `json:"created_at"`
	LastSeenAt        time.Time     `json:"last_seen_at"`
	ExpiresAt         time.Time     `json:"expires_at"`          // the idle deadline
	AbsoluteExpiresAt time.Time     `json:"absolute_expires_at"` // no freshening goes past it
	Persistent        bool          `json:"persistent"`          // keep-me-logged-in
	Label             string        `json:"label"`
	Status            SessionStatus `json:"status,omitempty"`
	EndedAt           *time.Time    `json:"ended_at,omitempty"`
}

// SessionInfo is a validated session and the account it belongs to.
type SessionInfo struct {
	Session Session `json:"session"`
	User    User    `json:"user"`
}

// Login is the input of Service.Login: a REF and a password, or a foreign
// identity that the caller vouches for.
type Login struct {
	Ref      string `json:"ref,omitempty"`
	Password string `json:"password,omitempty"`
	// Foreign ("github:12345") logs in the account linked to that outside
	// identity without a password. Ref and Password must then be empty.
	Foreign string `json:"foreign,omitempty"`
	Keep    bool   `json:"keep,omitempty"`  // a keep-me-logged-in session
	Label   string `json:"label,omitempty"` // e.g. the device
}

// SessionQuery selects sessions for Service.ListSessions, newest first.
type SessionQuery struct {
	User   string        `json:"user,omitempty"`   // a user REF; "" for all users
	Status SessionStatus `json:"status,omitempty"` // "" means active
	Limit  int           `json:"limit,omitempty"`  // 0 means DefaultPageSize
}

// SessionRef names one session: by public id, or by its secret token (an
// app freshening its own session).
type SessionRef struct {
	ID    string `json:"id,omitempty"`
	Token string `json:"token,omitempty"`
}

// EndSessions is the input of Service.EndSessions: either IDs, or every
// session of User except the one named by Except, or the one session of
// Token (an app logging its own session out: it holds the token, not the
// public id).
type EndSessions struct {
	IDs    []string `json:"ids,omitempty"`
	User   string   `json:"user,omitempty"`
	Except string   `json:"except,omitempty"`
	Token  string   `json:"token,omitempty"`
}

// EndResult lists the sessions that EndSessions ended; sessions that were
// already ended or expired are left out.
type EndResult struct {
	Ended []string `json:"ended"`
}

// SessionPurgeOptions tune Service.PurgeSessions.
type SessionPurgeOptions struct {
	// OlderThan keeps sessions that expired or ended less than this long ago.
	OlderThan time.Duration `json:"older_than"`
}

// SessionPurgeResult says how many sessions PurgeSessions deleted.
type SessionPurgeResult struct {
	Deleted int64 `json:"deleted"`
}

// PasswordChange is the input of Service.ChangePassword.
type PasswordChange struct {
	Ref     string `json:"ref"`
	Current string `json:"current"`
	New     string `json:"new"`
	// Confirmation, when given, is New typed again: it must match.
	Confirmation string `json:"confirmation,omitempty"`
	// KeepSession is the public id of the session the change was made
	// from; it stays open while every other session of the user ends.
	KeepSession string `json:"keep_session,omitempty"`
}

// LockOptions tune Service.LockUser.
type LockOptions struct {
	Until  *time.Time `json:"until,omitempty"` // nil: until an operator unlocks
	Reason string     `json:"reason,omitempty"`
}
