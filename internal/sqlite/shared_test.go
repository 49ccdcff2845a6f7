package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
)

// TestShared runs the conformance cases of Locals sharing one file, as a
// server and a cron job, or two processes, would.
func TestShared(t *testing.T) {
	accttest.RunSharedQueue(t, func(t *testing.T) func() (acct.Store, error) {
		path := filepath.Join(t.TempDir(), "acctl.db")
		return func() (acct.Store, error) { return Open(context.Background(), path) }
	})
}
