package postgres_test

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/postgres"
)

// TestKeyConformance runs the conformance cases of API keys on Local over
// PostgreSQL, each case on a new, empty schema.
func TestKeyConformance(t *testing.T) {
	accttest.RunKeys(t, func(t *testing.T, opt acct.Options) acct.KeyManager {
		store, err := postgres.Open(context.Background(), pgtest.URL(t))
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
