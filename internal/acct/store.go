package acct

import (
	"context"
	"time"
)

// Store keeps the data. It holds no business rules: Local decides, the
// Store persists. Each call of Update or View is one transaction.
type Store interface {
	// Update runs fn in one write transaction: committed when fn returns
	// nil, rolled back otherwise. Unique-constraint violations surface as
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
	// GetUser finds one account by a unique key.
	GetUser(ctx context.Context, key UserKey) (*UserRecord, error)
	// ListUsers returns accounts with ID > q.AfterID in id order.
	ListUsers(ctx context.Context, q UserFilter) ([]UserRecord, error)
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
	// account has no password.
	PasswordHash string
	// DeletedAt is set on a tombstone.
	DeletedAt *time.Time
}

// KeyField names a unique key of an account.
type KeyField string

// The unique keys of an account. Values are in normal form (see Normalize*).
const (
	KeyID       KeyField = "id"
	KeyUsername KeyField = "username"
	KeyEmail    KeyField = "email"
	KeyPhone    KeyField = "phone"
)

// UserKey finds one account: by id (ID) or by a normalised unique value.
type UserKey struct {
	Field KeyField
	ID    int64
	Value string
}

// UserFilter selects accounts for Tx.ListUsers.
type UserFilter struct {
	Statuses   []Status   // any of these states; empty for all
	Search     string     // case-insensitive substring of username, email, phone, first or last name
	AfterID    int64      // only ids greater than this
	HoldBefore *time.Time // only held accounts whose hold ends at or before this time
	Limit      int        // at most this many; must be > 0
}

// EventFilter selects audit events for Tx.ListEvents.
type EventFilter struct {
	UserID       *int64
	Action       string // exact match, unless ActionPrefix
	ActionPrefix bool   // Action is a prefix
	Since        time.Time
	Limit        int
}
