package postgres

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/storetest"
	"github.com/acctl/acctl/internal/pgtest"
)

// TestRaces runs the store contract's races with stores on one database,
// as several processes or servers would have them.
func TestRaces(t *testing.T) {
	storetest.RunRaces(t, func(t *testing.T) func() (acct.Store, error) {
		url := pgtest.URL(t)
		return func() (acct.Store, error) { return Open(context.Background(), url) }
	})
}
