package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
)

// openBench opens a new store in a temporary directory for a benchmark.
func openBench(b *testing.B) acct.Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkImport imports 100,000 pre-hashed accounts into an empty
// store: go test ./internal/sqlite -run '^$' -bench Import -benchtime 1x
func BenchmarkImport(b *testing.B) { accttest.BenchmarkImport(b, openBench) }

// BenchmarkImportWriter: ImportUsers alone, of 100,000 accounts with phone
// numbers, with and without the rows prepared ahead (acct.ImportPreparer):
// go test ./internal/sqlite -run '^$' -bench ImportWriter -benchtime 1x
func BenchmarkImportWriter(b *testing.B) { accttest.BenchmarkImportWriter(b, openBench) }

// BenchmarkExport exports 100,000 accounts with their hashes as JSON lines.
func BenchmarkExport(b *testing.B) { accttest.BenchmarkExport(b, openBench) }
