package acct

// Reason is a stable refinement of an error's Code, shown as "reason" in
// JSON errors (CLI -o json, admin API, auth API) beside "code". It is set
// only where telling it gives nothing away: the state of a session whose
// token the caller holds, and what stops a login after the password (or
// SCRAM proof) was proven; and why a code or link that the caller holds
// cannot be used (unknown, used or voided, expired), which the pages
// behind mailed links show. Before the password is proven every failure is
// one indistinguishable unauthenticated error without a reason.
type Reason string

// The reasons. Their string values are part of the stable interface
// (docs/exit-codes.md lists them).
const (
	// ReasonExpired: the session ran past its idle or absolute limit; a
	// code or link ran past its lifetime.
	ReasonExpired Reason = "expired"
	// ReasonEnded: the session was ended (logout, session end, revocation);
	// a code or link was used, or voided (by a newer one, a password
	// change, a removed address).
	ReasonEnded Reason = "ended"
	// ReasonInvalid: no session has this token; no code or link is this
	// one (or it is not the shape of one).
	ReasonInvalid Reason = "invalid"
	// ReasonUnverified: the password is right but the account is not
	// activated yet (ez_api's LoginWait / Unverified_user).
	ReasonUnverified Reason = "unverified"
	// ReasonLocked: the password is right but the account is locked.
	ReasonLocked Reason = "locked"
	// ReasonHeld: the password is right but the account is on a hold that
	// a login does not lift.
	ReasonHeld Reason = "held"
	// ReasonMFARequired: the password is right and the account has an
	// active second factor: the login continues with a code.
	ReasonMFARequired Reason = "mfa_required"
	// ReasonChallengeExpired: a login challenge is unknown, used or past
	// its lifetime.
	ReasonChallengeExpired Reason = "challenge_expired"
)

// WithReason returns a copy of e with its Reason set.
func (e *Error) WithReason(r Reason) *Error {
	c := *e
	c.Reason = r
	return &c
}
