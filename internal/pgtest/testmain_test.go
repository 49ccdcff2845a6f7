package pgtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/acctl/acctl/internal/testenv"
)

// TestMain keeps the tests away from the ACCTL_* variables (but
// ACCTL_TEST_POSTGRES), config file and home folder of whoever runs them,
// and stops the throw-away server: Main, spelled out.
func TestMain(m *testing.M) {
	code := testenv.Run(m)
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		code = max(code, 1)
	}
	os.Exit(code)
}
