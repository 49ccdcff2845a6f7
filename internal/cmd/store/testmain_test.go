package store_test

import (
	"testing"

	"github.com/acctl/acctl/internal/pgtest"
)

// TestMain keeps the tests away from the ACCTL_* variables, config file and
// home folder of whoever runs them, and stops the throw-away PostgreSQL
// server of the migration tests, if one was started.
func TestMain(m *testing.M) { pgtest.Main(m) }
