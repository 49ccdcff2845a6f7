package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/sqlite"
)

// TestConformance runs the acct conformance suite on Local over SQLite.
func TestConformance(t *testing.T) {
	accttest.Run(t, func(t *testing.T, opt acct.Options) acct.Service {
		store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acctl.db"))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := acct.NewLocal(store, opt)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	})
}
