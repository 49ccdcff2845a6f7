package storecopy_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/acctl/acctl/internal/postgres"
)

// sqliteDB opens the SQLite file at path beside its store, for changes
// that the store does not make (tables of a later migration).
func sqliteDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// pgExec runs statements on the store's own connection pool.
func pgExec(t *testing.T, s *postgres.Store, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.Pool().Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
