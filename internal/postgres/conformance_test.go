package postgres_test

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
	"github.com/acctl/acctl/internal/postgres"
)

// TestConformance runs the acct conformance suite on Local over
// PostgreSQL, each case on a new, empty schema.
func TestConformance(t *testing.T) {
	t.Log(pgtest.Describe())
	accttest.Run(t, func(t *testing.T, opt acct.Options) acct.Service {
		store, err := postgres.Open(context.Background(), pgtest.URL(t))
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
