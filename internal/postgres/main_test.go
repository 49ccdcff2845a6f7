package postgres

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/pgtest"
)

// TestMain stops the throw-away PostgreSQL server at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }

// openTest opens a store on a new, empty schema and closes it at the end of
// the test. It skips the test when no PostgreSQL is at hand.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}
