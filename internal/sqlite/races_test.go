package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
)

// TestRaces runs the store contract's races with stores on one file, as
// processes would have them; the file then passes SQLite's integrity
// check.
func TestRaces(t *testing.T) {
	storetest.RunRaces(t, func(t *testing.T) func() (acct.Store, error) {
		path := filepath.Join(t.TempDir(), "acctl.db")
		t.Cleanup(func() {
			s := openAt(t, path)
			defer s.Close()
			integrityCheck(t, s.w)
		})
		return func() (acct.Store, error) { return Open(context.Background(), path) }
	})
}
