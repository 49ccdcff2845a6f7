package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/sqlite"
)

// TestKeyConformance runs the conformance cases of API keys on Local over
// SQLite.
func TestKeyConformance(t *testing.T) {
	accttest.RunKeys(t, func(t *testing.T, opt acct.Options) acct.KeyManager {
		store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acctl.db"))
		if err != nil {
			t.Fatal(err)
		}
		l, err := acct.NewLocal(store, opt)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}
