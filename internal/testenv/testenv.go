// Package testenv keeps the tests away from the environment of the person
// who runs them. A user of acctl naturally exports ACCTL_STORE, ACCTL_TOKEN
// or ACCTL_OUTBOX and keeps a config file under $XDG_CONFIG_HOME; a test
// that ran a command with them would write test users, audit events and
// API keys into that real store (or a real server), and messages into that
// outbox. Every package with tests calls Main (or Isolate, or pgtest.Main,
// which calls it) from its TestMain; a test of this package fails when one
// does not.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// knobPrefixes name the ACCTL_* variables that are the test suite's own
// settings, never acctl's configuration: ACCTL_TEST_POSTGRES (a server for
// the PostgreSQL tests), ACCTL_TEST_NOW and the other ACCTL_TEST_* of the
// stories, the sqlite package's helper processes (ACCTL_SQLITE_TEST_*) and
// the benchmarks' sizes (ACCTL_BENCH_*). Isolate keeps them.
var knobPrefixes = []string{"ACCTL_TEST_", "ACCTL_SQLITE_TEST_", "ACCTL_BENCH_"}

// Knob reports whether the variable name is one of the test suite's own
// settings, which Isolate keeps.
func Knob(name string) bool {
	for _, p := range knobPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// homeVars are pointed at a fresh folder by Isolate: the default store,
// the default config file and the secret all live under them.
var homeVars = []string{"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"}

// Isolate unsets every ACCTL_* variable of the process but the test
// suite's own knobs, and points HOME and the XDG base folders at folders
// in a new temporary folder, so that no default path, config file or
// setting of the person running the tests is read. It returns a function
// that removes the folder. It must run before any test (from TestMain):
// it changes the process's environment.
func Isolate() (cleanup func()) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ACCTL_") && !Knob(name) {
			os.Unsetenv(name)
		}
	}
	dir, err := os.MkdirTemp("", "acctl-testenv-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		os.Exit(2)
	}
	for _, name := range homeVars {
		sub := filepath.Join(dir, strings.ToLower(name))
		if err := os.Mkdir(sub, 0o700); err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			os.Exit(2)
		}
		os.Setenv(name, sub)
	}
	return func() { os.RemoveAll(dir) }
}

// Main isolates the environment (see Isolate), runs the tests of m and
// exits with their code. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run isolates the environment, runs m and returns its exit code, for a
// TestMain that does more before exiting.
func Run(m interface{ Run() int }) int {
	cleanup := Isolate()
	defer cleanup()
	return m.Run()
}
