// Package acct is the core of acctl: the domain types, the errors, the
// Service and Store interfaces, and Local, the only implementation of the
// business rules. It imports nothing from the rest of the project;
// technologies (SQL, HTTP, the command line) live in their own packages and
// speak in this package's types.
package acct

import "context"

// Service is what every front end talks to. Local implements it over a
// Store; the remote client implements it over HTTP. A user is named by a
// REF: an id, a username, an email address or a phone number.
type Service interface {
	// Register creates an account.
	Register(ctx context.Context, in NewUser) (*User, error)
	// User finds one account by REF.
	User(ctx context.Context, ref string) (*User, error)
	// LookupUsers finds many accounts, each with its addresses, in one
	// call (at most MaxBatch REFs), answering in their order; a REF that
	// names nobody gets its error in its answer (batch.go).
	LookupUsers(ctx context.Context, refs []string) ([]UserLookup, error)
	// ListUsers returns one page of accounts, ordered by id.
	ListUsers(ctx context.Context, q UserQuery) (*UserPage, error)
	// UpdateUser changes an account's fields.
	UpdateUser(ctx context.Context, ref string, in UserUpdate) (*User, error)
	// Unregister puts an account on deletion hold, or erases it at once.
	Unregister(ctx context.Context, ref string, opt UnregisterOptions) (*User, error)
	// Restore lifts a deletion hold.
	Restore(ctx context.Context, ref string) (*User, error)
	// PurgeHeld erases every account whose deletion hold has run out.
	PurgeHeld(ctx context.Context, opt PurgeOptions) (*PurgeResult, error)

	// AddAddress gives an account another email address or phone number,
	// unverified unless the operator vouches for it; an account without
	// an address of its kind gets it as its primary.
	AddAddress(ctx context.Context, in NewAddress) (*Address, error)
	// ListAddresses returns an account's addresses of a kind ("" for
	// both), the primary ones included.
	ListAddresses(ctx context.Context, ref string, kind AddressKind) ([]Address, error)
	// RemoveAddress removes an address that is not the primary.
	RemoveAddress(ctx context.Context, in AddressRef) (*Address, error)
	// SetPrimaryAddress makes a verified address the account's primary of
	// its kind; the former primary stays as an extra address.
	SetPrimaryAddress(ctx context.Context, in AddressRef) (*User, error)
	// Login checks a password (or vouches for a foreign identity) and opens
	// a session; the answer carries the secret token, shown this once.
	Login(ctx context.Context, in Login) (*Session, error)
	// ChallengeBegin starts a SCRAM-SHA-256 challenge login: the
	// client-first-message in, a challenge id and the
	// server-first-message out (challenge.go).
	ChallengeBegin(ctx context.Context, in ChallengeStart) (*Challenge, error)
	// ChallengeFinish checks the client-final-message's proof as Login
	// checks a password and opens a session (or, VerifyOnly, none); the
	// answer carries the server-final-message.
	ChallengeFinish(ctx context.Context, in ChallengeAnswer) (*ChallengeResult, error)
	// ValidateSession finds the active session of a token and its user.
	ValidateSession(ctx context.Context, token string) (*SessionInfo, error)
	// ValidateSessions checks many tokens in one call (at most MaxBatch),
	// answering in their order; a token that is not valid gets its error
	// in its answer (batch.go).
	ValidateSessions(ctx context.Context, tokens []string) ([]SessionCheck, error)
	// ListSessions returns sessions, newest first; never a token.
	ListSessions(ctx context.Context, q SessionQuery) ([]Session, error)
	// FreshenSession moves a session's idle deadline forward, never past
	// its absolute deadline.
	FreshenSession(ctx context.Context, ref SessionRef) (*Session, error)
	// EndSessions logs sessions out.
	EndSessions(ctx context.Context, in EndSessions) (*EndResult, error)
	// PurgeSessions deletes expired and ended sessions.
	PurgeSessions(ctx context.Context, opt SessionPurgeOptions) (*SessionPurgeResult, error)

	// SetPassword sets an account's password (an operator's act); the
	// user's sessions end.
	SetPassword(ctx context.Context, ref, password string) (*User, error)
	// ChangePassword checks the current password and sets a new one; the
	// user's other sessions end.
	ChangePassword(ctx context.Context, in PasswordChange) (*User, error)
	// VerifyPassword checks a password without logging in. A wrong one
	// counts towards the lockout.
	VerifyPassword(ctx context.Context, ref, password string) error
	// PasswordHashes counts the accounts per password hash scheme and
	// parameters (and those without a password).
	PasswordHashes(ctx context.Context) ([]HashCount, error)
	// LockUser disables an account and ends its sessions.
	LockUser(ctx context.Context, ref string, opt LockOptions) (*User, error)
	// UnlockUser lifts an operator's lock or a lockout.
	UnlockUser(ctx context.Context, ref string) (*User, error)

	// IssueResetCode issues a password reset code and hands it over or
	// sends it.
	IssueResetCode(ctx context.Context, in ResetCodeRequest) (*ResetCode, error)
	// ResetPassword uses a reset code to set a new password.
	ResetPassword(ctx context.Context, in PasswordReset) (*User, error)
	// ListCodes returns a user's outstanding codes, never the codes.
	ListCodes(ctx context.Context, ref string) ([]CodeInfo, error)
	// RevokeCodes voids one code or all of a user's.
	RevokeCodes(ctx context.Context, in RevokeCodes) (*RevokeResult, error)
	// ForgotPassword queues a reset link for an email address, sent if
	// the address belongs to an account; the answer and the work before
	// it are the same either way.
	ForgotPassword(ctx context.Context, email string) error
	// SignUp queues a self-service sign-up: a pending account and its
	// activation link; the answer and the work before it are the same
	// whether or not the address is taken.
	SignUp(ctx context.Context, in SignUpRequest) error
	// RunJobs runs the queued jobs that are due (jobs.go).
	RunJobs(ctx context.Context, in JobRun) (*JobRunResult, error)
	// ListJobs returns the queue's jobs, newest first, never a payload.
	ListJobs(ctx context.Context, q JobQuery) ([]Job, error)

	// SendOTP sends a one-time passcode for a purpose.
	SendOTP(ctx context.Context, in OTPRequest) (*OTPSent, error)
	// VerifyOTP checks a passcode and does what its purpose proves.
	VerifyOTP(ctx context.Context, in OTPCheck) (*User, error)
	// SendActivation sends a pending account its activation link again.
	SendActivation(ctx context.Context, ref string) (*ActivationSent, error)
	// Activate uses an activation key: the account is active and its
	// address verified.
	Activate(ctx context.Context, key string) (*User, error)
	// CheckLink tells whether a mailed link (a reset or an activation
	// link) can be used now, without using it or counting an attempt.
	CheckLink(ctx context.Context, in LinkCheck) (*LinkStatus, error)

	// Preregister puts an email address on the waiting list.
	Preregister(ctx context.Context, email string) (*Preregistration, error)
	// ListPreregistrations returns a page of the waiting list.
	ListPreregistrations(ctx context.Context, q PreregQuery) (*PreregPage, error)
	// RemovePreregistration takes an email address off the waiting list.
	RemovePreregistration(ctx context.Context, email string) (*Preregistration, error)
	// Points returns an account's points balance and referral details.
	Points(ctx context.Context, ref string) (*PointsBalance, error)
	// AddPoints changes an account's points balance (never below 0) and
	// returns the ledger row.
	AddPoints(ctx context.Context, in PointsChange) (*PointsEntry, error)
	// PointsHistory returns a page of an account's points ledger, newest
	// first.
	PointsHistory(ctx context.Context, q PointsQuery) (*PointsPage, error)

	// ImportUsers imports a batch of accounts in one transaction: rows
	// that fail a check or conflict (as OnConflict says) are reported, the
	// others written (import.go).
	ImportUsers(ctx context.Context, in ImportBatch) (*ImportResult, error)
	// ExportUsers returns a page of accounts to export, in id order,
	// without password hashes (export.go).
	ExportUsers(ctx context.Context, q ExportQuery) (*ExportPage, error)
	// ExportUsersWithHashes is ExportUsers with the password hashes; every
	// page is recorded in the audit trail.
	ExportUsersWithHashes(ctx context.Context, q ExportQuery) (*ExportPage, error)

	// ClaimAddress starts adding an address on the user's own word: an
	// email address gets its link by a job, a phone a passcode; the same
	// answer whether or not another account has it (selfservice.go).
	ClaimAddress(ctx context.Context, in AddressClaim) error
	// ConfirmAddress uses the passcode sent to a claimed phone: the phone
	// is added to the account, verified.
	ConfirmAddress(ctx context.Context, in AddressCode) (*User, error)
	// RecoverBySMS queues a recovery passcode for a phone, sent if the
	// number is an account's; the answer is the same either way.
	RecoverBySMS(ctx context.Context, phone string) error
	// CheckIdentifiers tells which of an email, a phone and a username are
	// taken.
	CheckIdentifiers(ctx context.Context, in IdentifierCheck) (*IdentifierCheckResult, error)

	// ListEvents returns audit events, newest first.
	ListEvents(ctx context.Context, q EventQuery) ([]Event, error)

	// MFAService manages second factors and completes the logins that
	// wait for one.
	MFAService

	// Close releases the resources behind the service.
	Close() error
}

type actorKey struct{}

// WithActor returns a context that names who acts (an OS user, an API key
// name); Local writes it into the audit trail.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor named by WithActor, or "".
func ActorFrom(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}
