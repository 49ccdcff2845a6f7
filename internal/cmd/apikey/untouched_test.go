package apikey_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

// childEnv marks the run of this test binary that TestRealStoreUntouched
// starts; an ACCTL_TEST_* variable, so the test environment keeps it.
const childEnv = "ACCTL_TEST_UNTOUCHED_CHILD"

// TestRealStoreUntouched runs this package's tests as a user of acctl
// would, with ACCTL_STORE, ACCTL_OUTBOX, ACCTL_SECRET_FILE and a config
// file of their own in the environment, and checks that none of them is
// touched: the commands a test runs (a registration, an admin API key
// "ci-deploy", a reset code by email) go to the test's own store or fail.
func TestRealStoreUntouched(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		e := cmdtest.New(t)
		e.MustRun("user", "register", "--email", "alice@example.com", "--no-password")
		e.MustRun("apikey", "create", "ci-deploy", "--role", "admin")
		e.Run("password", "reset-code", "alice@example.com", "--send", "email")
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	real := t.TempDir()
	config := filepath.Join(real, "config", "acctl")
	if err := os.MkdirAll(config, 0o700); err != nil {
		t.Fatal(err)
	}
	configFile := filepath.Join(config, "config.yaml")
	yaml := "store: " + filepath.Join(real, "config.db") + "\noutbox: " + filepath.Join(real, "config-outbox.jsonl") + "\n"
	if err := os.WriteFile(configFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRealStoreUntouched$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"ACCTL_STORE="+filepath.Join(real, "acct.db"),
		"ACCTL_OUTBOX="+filepath.Join(real, "outbox.jsonl"),
		"ACCTL_SECRET_FILE="+filepath.Join(real, "secret"),
		"ACCTL_PUBLIC_URL=https://accounts.example.com/reset",
		"XDG_CONFIG_HOME="+filepath.Join(real, "config"),
		"XDG_DATA_HOME="+filepath.Join(real, "data"),
		"HOME="+real)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests with a user's environment: %v\n%s", err, out)
	}
	var found []string
	err = filepath.WalkDir(real, func(path string, d os.DirEntry, err error) error {
		if err == nil && path != real && path != config && path != configFile && path != filepath.Dir(config) {
			found = append(found, strings.TrimPrefix(path, real))
		}
		return err
	})
	if err != nil || len(found) > 0 {
		t.Fatalf("the tests wrote into the user's store, outbox or folders: %v, %v\n%s", found, err, out)
	}
}
