// Package storetest is the acct.Store/Tx contract every store must pass:
// the cases that hold the same for SQLite and PostgreSQL. It uses only the
// acct.Store and acct.Tx interfaces (no SQL, no unexported store
// internals), so what a store checks with raw SQL, query plans, pragmas,
// migrations or driver error codes stays in that store's own tests.
package storetest

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// Run runs every case of the contract as a subtest, each on a fresh, empty
// store from open (which closes it at the end of the test).
func Run(t *testing.T, open func(t *testing.T) acct.Store) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// cases are the contract's cases, in the order they run.
var cases = []struct {
	name string
	fn   func(t *testing.T, s acct.Store)
}{
	{"APIKeyInsertGet", testAPIKeyInsertGet},
	{"APIKeyConflicts", testAPIKeyConflicts},
	{"ListAPIKeys", testListAPIKeys},
	{"RevokeAPIKey", testRevokeAPIKey},
	{"TouchAPIKey", testTouchAPIKey},
}

// update runs fn in one write transaction of s.
func update(t *testing.T, s acct.Store, fn func(context.Context, acct.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	return s.Update(ctx, func(tx acct.Tx) error { return fn(ctx, tx) })
}
