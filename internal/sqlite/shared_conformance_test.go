package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/sqlite"
)

// TestSharedConformance runs the conformance cases of several services on
// one store: Locals over one SQLite file, as several processes would.
func TestSharedConformance(t *testing.T) {
	accttest.RunShared(t, func(t *testing.T) func(acct.Options) acct.Service {
		path := filepath.Join(t.TempDir(), "acctl.db")
		return func(opt acct.Options) acct.Service {
			store, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := acct.NewLocal(store, opt)
			if err != nil {
				t.Fatal(err)
			}
			return svc
		}
	})
}
