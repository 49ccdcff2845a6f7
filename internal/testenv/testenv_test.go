package testenv_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestIsolated: after TestMain, no ACCTL_* variable but the suite's own
// knobs is left, and HOME and the XDG folders are fresh temporary ones.
func TestIsolated(t *testing.T) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ACCTL_") && !testenv.Knob(name) {
			t.Errorf("%s is still set", name)
		}
	}
	for _, name := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"} {
		dir := os.Getenv(name)
		if !strings.Contains(dir, "acctl-testenv-") {
			t.Errorf("%s=%q, want a folder of the test's own", name, dir)
			continue
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("%s=%q: %v, %v; want an empty folder", name, dir, entries, err)
		}
	}
}

func TestIsolateKeepsKnobs(t *testing.T) {
	t.Setenv("ACCTL_STORE", "/somewhere/acct.db")
	t.Setenv("ACCTL_TOKEN", "acctl_key_x")
	t.Setenv("ACCTL_TEST_POSTGRES", "postgres://127.0.0.1/x")
	t.Setenv("ACCTL_SQLITE_TEST_DB", "/tmp/x.db")
	t.Setenv("ACCTL_BENCH_ROWS", "10")
	t.Setenv("HOME", "/home/someone")
	cleanup := testenv.Isolate()
	home := os.Getenv("HOME")
	for name, want := range map[string]string{
		"ACCTL_STORE": "", "ACCTL_TOKEN": "",
		"ACCTL_TEST_POSTGRES": "postgres://127.0.0.1/x", "ACCTL_SQLITE_TEST_DB": "/tmp/x.db", "ACCTL_BENCH_ROWS": "10",
	} {
		if got := os.Getenv(name); got != want {
			t.Errorf("%s=%q, want %q", name, got, want)
		}
	}
	if home == "/home/someone" || home == "" {
		t.Errorf("HOME=%q", home)
	}
	cleanup()
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("after cleanup, %s: %v", home, err)
	}
}

// testMainCalls are the calls that isolate a test binary: testenv's own,
// or pgtest.Main, which makes them.
var testMainCalls = [][]byte{[]byte("testenv.Main("), []byte("testenv.Run("), []byte("testenv.Isolate("), []byte("pgtest.Main(")}

// TestEveryPackageIsolated fails when a package of the module has tests
// but no TestMain that isolates them: its tests could read the ACCTL_*
// variables and the config file of whoever runs them, and write into
// their store.
func TestEveryPackageIsolated(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	type pkg struct{ tests, isolated bool }
	pkgs := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		p := pkgs[dir]
		if p == nil {
			p = &pkg{}
			pkgs[dir] = p
		}
		p.tests = true
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(src, []byte("func TestMain(")) {
			for _, call := range testMainCalls {
				p.isolated = p.isolated || bytes.Contains(src, call)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages with tests under %s: the walk is broken", len(pkgs), root)
	}
	for dir, p := range pkgs {
		if p.tests && !p.isolated {
			t.Errorf("%s has tests but no TestMain that calls testenv.Main (or testenv.Run, testenv.Isolate, pgtest.Main): "+
				"add testmain_test.go with func TestMain(m *testing.M) { testenv.Main(m) }", dir)
		}
	}
}
