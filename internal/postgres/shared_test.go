package postgres

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestShared runs the conformance cases of Locals sharing one database,
// as servers do: among them, runners on one queue send each message once.
func TestShared(t *testing.T) {
	accttest.RunSharedQueue(t, func(t *testing.T) func() (acct.Store, error) {
		url := pgtest.URL(t)
		return func() (acct.Store, error) { return Open(context.Background(), url) }
	})
}
