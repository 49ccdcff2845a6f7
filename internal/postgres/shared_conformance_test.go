package postgres_test

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/postgres"
)

// TestSharedConformance runs the conformance cases of several services on
// one store: Locals over one PostgreSQL schema, as several servers would.
func TestSharedConformance(t *testing.T) {
	accttest.RunShared(t, func(t *testing.T) func(acct.Options) acct.Service {
		url := pgtest.URL(t)
		return func(opt acct.Options) acct.Service {
			store, err := postgres.Open(context.Background(), url)
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
