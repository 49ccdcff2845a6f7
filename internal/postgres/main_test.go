package postgres

import (
	"context"
	"net/url"
	"testing"

	"github.com/acctl/acctl/internal/pgtest"
)

// TestMain stops the throw-away PostgreSQL server at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }

// openTest opens a store on a new, empty schema and closes it at the end of
// the test. It skips the test when no PostgreSQL is at hand.
func openTest(t *testing.T) *Store {
	t.Helper()
	return openURL(t, pgtest.URL(t))
}

// openURL opens a store on url and closes it at the end of the test.
func openURL(t *testing.T, url string) *Store {
	t.Helper()
	return kit.OpenAt(t, url).(*Store)
}

func countUsers(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// withParam sets the query parameter key of the connection URL u.
func withParam(t *testing.T, u, key, value string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Skipf("not a URL (%v): %s", err, key)
	}
	q := p.Query()
	q.Set(key, value)
	p.RawQuery = q.Encode()
	return p.String()
}
