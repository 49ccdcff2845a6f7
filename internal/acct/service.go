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
	// ListEvents returns audit events, newest first.
	ListEvents(ctx context.Context, q EventQuery) ([]Event, error)
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
