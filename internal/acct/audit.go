package acct

import "time"

// Outcome says whether an audited action took effect.
type Outcome string

// The outcomes of an audited action.
const (
	OutcomeOK      Outcome = "ok"      // the change was made
	OutcomeFailure Outcome = "failure" // the action was attempted and refused
)

// Event is one entry of the audit trail. It never holds a secret.
type Event struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`             // OS user for local use, API key name for remote
	Action  string    `json:"action"`            // e.g. "user.register"
	UserID  *int64    `json:"user_id,omitempty"` // the account acted on, if any
	Outcome Outcome   `json:"outcome"`
	Detail  string    `json:"detail,omitempty"` // a short human-readable note, never a secret
}

// The audited actions.
const (
	ActionUserRegister   = "user.register"
	ActionUserUpdate     = "user.update"
	ActionUserUnregister = "user.unregister"
	ActionUserRestore    = "user.restore"
	ActionUserPurge      = "user.purge"
	ActionUserLock       = "user.lock"
	ActionUserUnlock     = "user.unlock"
	ActionSessionLogin   = "session.login"
	ActionSessionEnd     = "session.end"
	// ActionSessionFreshen is recorded only when a freshen is refused (a
	// freshen that works is too frequent and too slight to record).
	ActionSessionFreshen = "session.freshen"
	ActionSessionPurge   = "session.purge"
	ActionPasswordSet    = "password.set"
	ActionPasswordChange = "password.change"
	ActionPasswordVerify = "password.verify"
	ActionPasswordReset  = "password.reset"
	ActionResetCodeIssue = "code.issue"
	ActionCodeDeliver    = "code.deliver"
	ActionCodeRevoke     = "code.revoke"
	ActionOTPSend        = "otp.send"
	ActionOTPVerify      = "otp.verify"
	ActionUserActivate   = "user.activate"
	ActionActivationSend = "activation.send"
	ActionJobFail        = "job.fail"
	ActionJobGiveUp      = "job.giveup"
	// The second factor (mfa.go): enrolment, confirmation, a login that
	// waits for a code, a code's use (or failure), a regeneration of the
	// recovery codes, a reset.
	ActionMFAEnroll    = "mfa.enroll"
	ActionMFAConfirm   = "mfa.confirm"
	ActionMFAChallenge = "mfa.challenge"
	ActionMFAVerify    = "mfa.verify"
	ActionMFARecovery  = "mfa.recovery_codes"
	ActionMFAReset     = "mfa.reset"
)

// EventQuery selects audit events for Service.ListEvents, newest first.
type EventQuery struct {
	User   string    `json:"user,omitempty"`   // a user REF; "" for all
	Action string    `json:"action,omitempty"` // exact action, or a prefix ending in "." (e.g. "user.")
	Since  time.Time `json:"since,omitempty"`  // only events at or after this time
	Limit  int       `json:"limit,omitempty"`  // 0 means DefaultPageSize
}
