package acct

import (
	"context"
	"time"
)

// Store keeps the data. It holds no business rules: Local decides, the
// Store persists. Each call of Update or View is one transaction.
type Store interface {
	// Update runs fn in one write transaction: committed when fn returns
	// nil, rolled back otherwise. A store may run fn again after a
	// transient conflict (a serialization failure), so fn must start from
	// scratch each time: no state carried over from an earlier run.
	// Unique-constraint violations surface as
	// CodeConflict errors naming the field; transient failures (busy,
	// connection lost) as CodeUnavailable.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in one read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Close releases the store.
	Close() error
}

// Tx is the work a Store can do inside one transaction. Lookups that find
// nothing return an error with CodeNotFound.
type Tx interface {
	// InsertUser stores a new account and sets rec.ID.
	InsertUser(ctx context.Context, rec *UserRecord) error
	// UpdateUser overwrites the stored account rec.ID with rec.
	UpdateUser(ctx context.Context, rec *UserRecord) error
	// GetUser finds one account by a unique key. Inside Update the row
	// must stay current until the transaction ends (SQLite's IMMEDIATE
	// transactions give that; a server database locks the row).
	GetUser(ctx context.Context, key UserKey) (*UserRecord, error)
	// ListUsers returns accounts with ID > q.AfterID in id order.
	ListUsers(ctx context.Context, q UserFilter) ([]UserRecord, error)
	// ListPasswordHashes returns the id and stored password hash ("" for
	// none) of at most limit accounts with id > afterID, purged ones
	// aside, in id order. limit must be positive.
	ListPasswordHashes(ctx context.Context, afterID int64, limit int) ([]UserHash, error)
	// AddLoginFailure adds one to the account's failed-login count in a
	// single guarded statement, so that concurrent failures all count,
	// and returns the new count.
	AddLoginFailure(ctx context.Context, userID int64) (int, error)
	// AttemptsUntil returns when the attempt bucket key (see
	// Options.LoginLimit) is full again: the time at which the attempts
	// charged to it are paid off. The zero time when it has none.
	AttemptsUntil(ctx context.Context, key string) (time.Time, error)
	// ChargeAttempt charges cost to the attempt bucket key in one guarded
	// statement: its until becomes max(until, now)+cost, unless that is
	// after now+window (or cost > window), in which case nothing changes
	// and ok is false. It returns the bucket's until, the new one or, when
	// refused, the current one. Concurrent charges all count.
	ChargeAttempt(ctx context.Context, key string, cost, window time.Duration, now time.Time) (until time.Time, ok bool, err error)
	// DeleteAttempts deletes at most limit attempt buckets that are full
	// again at now (until at or before now), and returns how many.
	DeleteAttempts(ctx context.Context, now time.Time, limit int) (int64, error)

	// InsertAddress stores an address of rec.UserID and sets rec.Seq. An
	// address of that kind that any account has already, as its primary or
	// as an extra one, is a CodeConflict whose Field is the kind ("email"
	// or "phone"): the store's unique constraint decides races.
	InsertAddress(ctx context.Context, rec *AddressRecord) error
	// GetAddress finds the address of kind with value, whichever account
	// has it.
	GetAddress(ctx context.Context, kind AddressKind, value string) (*AddressRecord, error)
	// ListAddresses returns the user's addresses of kind ("" for all):
	// emails before phones, the primary first within a kind, then in Seq
	// order. An empty list is not an error.
	ListAddresses(ctx context.Context, userID int64, kind AddressKind) ([]AddressRecord, error)
	// DeleteAddress deletes one address of the user; CodeNotFound when the
	// user has no such address.
	DeleteAddress(ctx context.Context, userID int64, kind AddressKind, value string) error
	// DeleteAddresses deletes every address of the user (an erased account
	// keeps none).
	DeleteAddresses(ctx context.Context, userID int64) error
	// SetPrimaryAddress marks the user's address value the primary of its
	// kind and the former primary of that kind, if any, an extra address.
	// It changes the address table only: Local stores the account's Email
	// or Phone with UpdateUser in the same transaction. CodeNotFound when
	// the user has no such address.
	SetPrimaryAddress(ctx context.Context, userID int64, kind AddressKind, value string) error
	// SetAddressVerified marks the user's address verified at at (a zero
	// at: at an unknown time), keeping the time of an earlier
	// verification. It changes the address table only: for a primary
	// address Local sets the account's EmailVerified or PhoneVerified (see
	// Local.verifyAddress). CodeNotFound when the user has no such address.
	SetAddressVerified(ctx context.Context, userID int64, kind AddressKind, value string, at time.Time) error

	// InsertSession stores a new session and sets rec.Seq.
	InsertSession(ctx context.Context, rec *SessionRecord) error
	// GetSession finds one session by public id or by token hash; the
	// record carries its user's username and email.
	GetSession(ctx context.Context, key SessionKey) (*SessionRecord, error)
	// ListSessions returns sessions that match q, newest first, with
	// their users' usernames and emails.
	ListSessions(ctx context.Context, q SessionFilter) ([]SessionRecord, error)
	// TouchSession sets a session's last-seen time and idle deadline,
	// unless it was ended; it reports whether it changed the session.
	TouchSession(ctx context.Context, seq int64, lastSeen, expires time.Time) (bool, error)
	// EndSessions marks the user's active sessions as ended at q.At (all
	// of them, only those in q.IDs, or all but q.Except) in one guarded
	// statement and returns the public ids it ended.
	EndSessions(ctx context.Context, q SessionEnd) ([]string, error)
	// DeleteSessions deletes at most limit sessions that expired or ended
	// at or before cutoff, and returns how many it deleted.
	DeleteSessions(ctx context.Context, cutoff time.Time, limit int) (int64, error)

	// InsertCode stores a new one-time code and sets rec.Seq.
	InsertCode(ctx context.Context, rec *CodeRecord) error
	// GetCode finds one code by public id or by MAC.
	GetCode(ctx context.Context, key CodeKey) (*CodeRecord, error)
	// ListCodes returns the codes that match q, newest first.
	ListCodes(ctx context.Context, q CodeFilter) ([]CodeRecord, error)
	// UseCode marks a code used at now in a single guarded statement: only
	// if it is unused, not voided and not expired at now. It reports
	// whether it did, so that of many concurrent uses exactly one wins.
	UseCode(ctx context.Context, seq int64, now time.Time) (bool, error)
	// FailCodeAttempt counts a wrong guess of an outstanding code in one
	// guarded statement, voiding the code at now when the count reaches
	// max. It returns the new count, or 0 when the code was no longer
	// outstanding at now (used, voided or expired).
	FailCodeAttempt(ctx context.Context, seq int64, max int, now time.Time) (int, error)
	// VoidCodes voids the user's outstanding codes (unused, not voided, not
	// expired at q.At) that match q in one guarded statement and returns
	// the public ids it voided.
	VoidCodes(ctx context.Context, q CodeVoid) ([]string, error)

	// AddPoints adds delta (negative to take points away) to the account's
	// points in one guarded statement that never takes the balance below
	// 0, so that concurrent changes all count, and returns the new
	// balance. When the change would go below 0 it changes nothing and
	// returns the current balance with ok false.
	AddPoints(ctx context.Context, userID, delta int64) (balance int64, ok bool, err error)
	// InsertPointsEntry appends a row to the points ledger and sets e.ID.
	InsertPointsEntry(ctx context.Context, e *PointsEntry) error
	// ListPointsEntries returns the ledger rows that match q, newest first.
	ListPointsEntries(ctx context.Context, q PointsFilter) ([]PointsEntry, error)
	// InsertPreregistration puts p.Email on the waiting list and sets p.ID;
	// an address already on it is a CodeConflict naming "email", which
	// leaves the transaction usable (Preregister audits the refusal in it).
	InsertPreregistration(ctx context.Context, p *Preregistration) error
	// ListPreregistrations returns waiting-list entries in id order.
	ListPreregistrations(ctx context.Context, q PreregFilter) ([]Preregistration, error)
	// DeletePreregistration takes email off the waiting list and returns
	// its entry, nil when it was not on it. A server database waits for a
	// concurrent InsertPreregistration of the same address to end first,
	// so that the two cannot miss each other.
	DeletePreregistration(ctx context.Context, email string) (*Preregistration, error)

	// InsertAPIKey stores a new API key and sets rec.ID. A name that any
	// key has already, a revoked one too, is a CodeConflict naming "name":
	// the store's unique constraint decides races.
	InsertAPIKey(ctx context.Context, rec *APIKeyRecord) error
	// GetAPIKey finds one API key, revoked or not, by name or by token
	// hash.
	GetAPIKey(ctx context.Context, key APIKeyKey) (*APIKeyRecord, error)
	// ListAPIKeys returns every API key, revoked ones included, in name
	// order. An empty list is not an error.
	ListAPIKeys(ctx context.Context) ([]APIKeyRecord, error)
	// RevokeAPIKey marks key id revoked at at in one guarded statement
	// (only while it is not revoked) and reports whether it did.
	RevokeAPIKey(ctx context.Context, id int64, at time.Time) (bool, error)
	// TouchAPIKey sets the last-used time of key id to at in one guarded
	// statement: only while the key is not revoked and was never used or
	// last used before before. It reports whether it did, so that of
	// concurrent uses at most one writes.
	TouchAPIKey(ctx context.Context, id int64, at, before time.Time) (bool, error)

	// ClaimSetting stores value under the store setting name, created at
	// at, unless name has a value already, and returns the value that name
	// holds afterwards: value, or the earlier one. Settings are written
	// once: of two transactions that race to claim a name, one wins and
	// the other gets the winner's value (the store's primary key decides).
	ClaimSetting(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error)
	// JobTx is the durable queue of work that answers promise (jobs.go).
	JobTx
	// MFATx keeps second factors (mfa_types.go).
	MFATx
	// ScramTx keeps the SCRAM verifiers and the login challenges
	// (challenge.go).
	ScramTx

	// InsertEvent appends an audit event and sets ev.ID.
	InsertEvent(ctx context.Context, ev *Event) error
	// ListEvents returns audit events, newest first.
	ListEvents(ctx context.Context, q EventFilter) ([]Event, error)
}

// UserRecord is an account as stored: the public User plus what only the
// core may see.
type UserRecord struct {
	User
	// PasswordHash is a PHC string (or an imported legacy hash); "" when the
	// account has no password. A Store sets User.HasPassword from it when
	// it reads a record.
	PasswordHash string
	// DeletedAt is set on a tombstone.
	DeletedAt *time.Time
	// HeldFrom is, while Status is StatusHeld, the status the account had
	// when it was put on hold (active, pending or locked): a restore
	// returns it there. "" (NULL) reads as active, as a hold made before
	// the field existed did; it is "" whenever Status is not held.
	HeldFrom Status
	// UsernameSkeleton is the Skeleton of Username, under the store's
	// unique constraint (a username that looks like one in use is a
	// conflict naming "username"). Local sets it whenever it sets
	// Username; "" (NULL) for none, and for an account whose username
	// looked like an older account's before skeletons were kept
	// (migration 0009_skeletons): it keeps its username, as before.
	UsernameSkeleton string
}

// SessionRecord is a session as stored: the public Session (without its
// token or status) plus what only the core may see.
type SessionRecord struct {
	Session
	// Seq is the store's own key of the session.
	Seq int64
	// TokenHash is the SHA-256 of the token; the token itself is never stored.
	TokenHash []byte
}

// CodeRecord is a one-time code as stored: never the code, only its MAC
// under the installation secret.
type CodeRecord struct {
	Seq         int64 // the store's own key
	ID          string
	UserID      int64
	Kind        CodeKind
	Purpose     string // for OTPs
	MAC         []byte
	Channel     Channel
	Destination string // the address it was sent to, "" when handed over
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
	VoidedAt    *time.Time
	Attempts    int // failed checks, for codes that cap them
	IssuedBy    string
	Reason      string
}

// CodeKey finds one code: by public id, or by MAC.
type CodeKey struct {
	ID  string
	MAC []byte
}

// CodeFilter selects codes for Tx.ListCodes.
type CodeFilter struct {
	UserID      int64      // 0 for any user
	Kinds       []CodeKind // any of these; empty for all
	Purpose     string     // "" for any
	Destination string     // "" for any
	Since       time.Time  // only codes created at or after this; zero for any
	Outstanding bool       // only unused, not voided and not expired at Now (Now is required then)
	Now         time.Time
	Limit       int // 0 for no limit
}

// CodeVoid selects the codes that Tx.VoidCodes voids: the outstanding
// codes of UserID, only of Kinds and only IDs when those are not empty.
type CodeVoid struct {
	UserID  int64
	Kinds   []CodeKind
	Purpose string // "" for any
	IDs     []string
	At      time.Time
}

// SessionKey finds one session: by public id, or by token hash.
type SessionKey struct {
	ID        string
	TokenHash []byte
}

// SessionFilter selects sessions for Tx.ListSessions. A session is expired
// when Now is at or after its ExpiresAt (which is never after its
// AbsoluteExpiresAt) and it was not ended.
type SessionFilter struct {
	UserID *int64
	Status SessionStatus // SessionAll, or one state
	Now    time.Time
	Limit  int // must be > 0
}

// SessionEnd selects the sessions that Tx.EndSessions ends: the active
// (not ended, not expired at At) sessions of UserID, only those in IDs
// when IDs is not empty, never Except.
type SessionEnd struct {
	UserID int64
	IDs    []string
	Except string
	At     time.Time
}

// KeyField names a unique key of an account.
type KeyField string

// The unique keys of an account. Values are in normal form (see Normalize*).
const (
	KeyID       KeyField = "id"
	KeyUsername KeyField = "username"
	KeyEmail    KeyField = "email"
	KeyPhone    KeyField = "phone"
	KeyForeign  KeyField = "foreign"
	// KeyReferralCode finds the account whose referral code is Value.
	KeyReferralCode KeyField = "referral_code"
	// KeyUsernameSkeleton and KeyEmailSkeleton find, with
	// BulkTx.FindKeys only, the account whose username, or one of whose
	// email addresses, has the Skeleton Value (identifiers.go).
	KeyUsernameSkeleton KeyField = "username_skeleton"
	KeyEmailSkeleton    KeyField = "email_skeleton"
)

// UserKey finds one account: by id (ID) or by a normalised unique value.
type UserKey struct {
	Field KeyField
	ID    int64
	Value string
}

// UserFilter selects accounts for Tx.ListUsers.
type UserFilter struct {
	Statuses []Status // any of these states; empty for all
	Search   string   // case-insensitive substring of username, email, phone, first or last name
	// SearchPrefix makes Search a case-insensitive prefix of the username,
	// email or phone (the names are not searched).
	SearchPrefix bool
	AfterID      int64      // only ids greater than this
	HoldBefore   *time.Time // only held accounts whose hold ends at or before this time
	// Now decides locks: a locked account whose LockedUntil is at or before
	// Now counts as active for Statuses. Zero means locks never lapse.
	Now   time.Time
	Limit int // at most this many; must be > 0
	// MFA, when set, keeps only accounts with (MFAWith) or without
	// (MFAWithout) an active second factor.
	MFA MFAFilter
}

// MFAFilter selects accounts by their second factor.
type MFAFilter string

// The MFA filters of a user listing.
const (
	MFAAny     MFAFilter = ""
	MFAWith    MFAFilter = "with"
	MFAWithout MFAFilter = "without"
)

// EventFilter selects audit events for Tx.ListEvents.
type EventFilter struct {
	UserID       *int64
	Action       string // exact match, unless ActionPrefix
	ActionPrefix bool   // Action is a prefix
	Since        time.Time
	Limit        int
}

// SessionUserTx is a Tx that also finds the session of a token hash with
// its user in one query. Validating a session, the hottest read of
// `acctl serve`, uses it when the store's Tx has it (the SQLite store:
// a query costs the pure-Go driver about as much again as the row it
// reads); otherwise GetSession and then GetUser.
type SessionUserTx interface {
	// GetSessionUser finds the session of tokenHash and its user;
	// CodeNotFound when no session has it.
	GetSessionUser(ctx context.Context, tokenHash []byte) (*SessionRecord, *UserRecord, error)
}

// SessionUserReader is a Store that reads a session and its user, as
// SessionUserTx.GetSessionUser does, in one statement run outside an
// explicit transaction. ValidateSession uses it when the store has it: a
// read of one statement needs no BEGIN and COMMIT around it (on SQLite
// each is a statement of its own to run, on PostgreSQL a round trip).
//
// One statement reads one snapshot of the database (SQLite in WAL mode
// holds a read snapshot for the length of a statement; PostgreSQL takes a
// statement's snapshot at its start, at any isolation level), and the
// session and its user come from one join, so the pair read is as
// consistent as in a read transaction: a session is never paired with a
// state of its account older or newer than itself.
type SessionUserReader interface {
	// ReadSessionUser finds the session of tokenHash and its user;
	// CodeNotFound when no session has it.
	ReadSessionUser(ctx context.Context, tokenHash []byte) (*SessionRecord, *UserRecord, error)
}
