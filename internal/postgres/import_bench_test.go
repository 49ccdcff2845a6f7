package postgres

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/pgtest"
)

// openBench opens a store on a new, empty database for a benchmark.
func openBench(b *testing.B) acct.Store {
	b.Helper()
	s, err := Open(context.Background(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkImport imports 100,000 pre-hashed accounts into an empty
// store: go test ./internal/postgres -run '^$' -bench Import -benchtime 1x
func BenchmarkImport(b *testing.B) { accttest.BenchmarkImport(b, openBench) }

// BenchmarkExport exports 100,000 accounts with their hashes as JSON lines.
func BenchmarkExport(b *testing.B) { accttest.BenchmarkExport(b, openBench) }
