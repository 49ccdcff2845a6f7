package acct

import "time"

// Status is the state of an account.
type Status string

// The account states.
const (
	StatusActive  Status = "active"  // may log in
	StatusPending Status = "pending" // registered, waiting for verification
	StatusLocked  Status = "locked"  // disabled by an operator or by repeated failed logins
	StatusHeld    Status = "held"    // unregistered, on deletion hold until HoldUntil
	StatusDeleted Status = "deleted" // purged: a tombstone without personal data
)

// Valid reports whether s is one of the known states.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusPending, StatusLocked, StatusHeld, StatusDeleted:
		return true
	}
	return false
}

// User is an account as every front end shows it. It never carries a
// password hash or any other secret.
type User struct {
	ID            int64      `json:"id"`
	Username      string     `json:"username"`
	Email         string     `json:"email"`
	EmailVerified bool       `json:"email_verified"`
	Phone         string     `json:"phone"`
	PhoneVerified bool       `json:"phone_verified"`
	FirstName     string     `json:"first_name"`
	LastName      string     `json:"last_name"`
	Language      string     `json:"language"`
	Admin         bool       `json:"admin"`
	Status        Status     `json:"status"`
	HoldUntil     *time.Time `json:"hold_until,omitempty"`
	// HoldExpired is true when HoldUntil has passed: the account can no
	// longer be restored or log in, and waits for a purge. It is computed
	// from the clock, never stored.
	HoldExpired bool `json:"hold_expired,omitempty"`
	// Foreign is the outside identity ("github:12345") linked to the account.
	Foreign string `json:"foreign,omitempty"`
	// HasPassword is false for an account that can log in only through its
	// foreign identity, or after a reset.
	HasPassword bool `json:"has_password"`
	// FailedLogins counts consecutive failed logins; a success resets it.
	FailedLogins int `json:"failed_logins"`
	// LockedUntil is when a lock ends by itself; nil with status locked
	// means until an operator unlocks.
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	LockReason  string     `json:"lock_reason,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// ReferralCode is the account's own invite code, to share (see
	// NewUser.Invite); "" only on a tombstone.
	ReferralCode string `json:"referral_code,omitempty"`
	// ReferredBy is the id of the account whose code this one registered
	// with.
	ReferredBy *int64 `json:"referred_by,omitempty"`
	// Points is the account's points balance, never below 0; it changes
	// only with a row in the points ledger.
	Points int64 `json:"points"`
}

// NewUser is the input of Service.Register.
type NewUser struct {
	Username  string `json:"username,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Language  string `json:"language,omitempty"`
	Admin     bool   `json:"admin,omitempty"`
	// Password is the plain password. It is hashed by the core and never
	// stored or logged as is.
	Password string `json:"password,omitempty"`
	// NoPassword creates an account without a password; it can only get
	// one through a reset later. Password must then be empty.
	NoPassword bool `json:"no_password,omitempty"`
	// Foreign links an outside identity, "ORIGIN:SUBJECT" (say
	// "github:12345"). Such an account needs no password, email or phone.
	Foreign string `json:"foreign,omitempty"`
	// Pending creates the account pending: it is activated by the link or
	// the code that Options.SignupVerify sends (email by default).
	Pending bool `json:"pending,omitempty"`
	// Invite is the referral code of the account that invited the new
	// one: it is recorded in ReferredBy, and both accounts get points
	// (Options.ReferrerPoints, Options.NewUserPoints).
	Invite string `json:"invite,omitempty"`
}

// UserUpdate is the input of Service.UpdateUser: nil fields are left as
// they are, a pointer to "" clears an optional field.
type UserUpdate struct {
	Username  *string `json:"username,omitempty"`
	Email     *string `json:"email,omitempty"`
	Phone     *string `json:"phone,omitempty"`
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	Language  *string `json:"language,omitempty"`
	Admin     *bool   `json:"admin,omitempty"`
}

// Empty reports whether the update changes nothing.
func (u UserUpdate) Empty() bool {
	return u.Username == nil && u.Email == nil && u.Phone == nil && u.FirstName == nil &&
		u.LastName == nil && u.Language == nil && u.Admin == nil
}

// UserQuery selects a page of users for Service.ListUsers.
type UserQuery struct {
	Status Status `json:"status,omitempty"` // only users in this state; "" for all but deleted
	Search string `json:"search,omitempty"` // case-insensitive substring of username, email, phone or name
	// Prefix makes Search match the start of the username, email or phone
	// only (not the names): the REFs that begin so, for shell completion.
	Prefix bool   `json:"prefix,omitempty"`
	Limit  int    `json:"limit,omitempty"`  // page size; 0 means DefaultPageSize
	Cursor string `json:"cursor,omitempty"` // from the previous page's UserPage.Next
	// MFA keeps only accounts with ("with") or without ("without") an
	// active second factor; "" for all.
	MFA MFAFilter `json:"mfa,omitempty"`
}

// DefaultPageSize and MaxPageSize bound a page of users or events.
const (
	DefaultPageSize = 100
	MaxPageSize     = 10000
)

// UserPage is a page of users; Next is the cursor of the following page, ""
// on the last page.
type UserPage struct {
	Users []User `json:"users"`
	Next  string `json:"next,omitempty"`
}

// UnregisterOptions tune Service.Unregister.
type UnregisterOptions struct {
	// Hold is how long the account stays restorable; it must be positive
	// (to erase an account at once, use Purge). Ignored with Purge.
	Hold time.Duration `json:"hold"`
	// Purge erases the account now instead of holding it.
	Purge bool `json:"purge,omitempty"`
	// Password, when given, is the account's own password, checked first
	// as a login checks it (a wrong one counts towards the lockout): the
	// auth API's self-service deletion sends it.
	Password string `json:"password,omitempty"`
}

// PurgeOptions tune Service.PurgeHeld.
type PurgeOptions struct {
	DryRun bool `json:"dry_run,omitempty"` // report what would be erased, erase nothing
}

// PurgeResult lists the accounts that PurgeHeld erased (or would erase).
type PurgeResult struct {
	DryRun bool    `json:"dry_run"`
	Purged []int64 `json:"purged"`
}
