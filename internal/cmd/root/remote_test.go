package root_test

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/httpapi"
	"github.com/acctl/acctl/internal/sqlite"
)

// remoteKeys accepts two API keys: an admin key named ops and a support
// key named helpdesk.
type remoteKeys struct{}

const (
	adminToken   = "acctl_test_admin_token_0123456789"
	supportToken = "acctl_test_support_token_0123456789"
)

func (remoteKeys) AuthenticateAPIKey(_ context.Context, token string) (*acct.APIKey, error) {
	switch token {
	case adminToken:
		return &acct.APIKey{Name: "ops", Role: acct.RoleAdmin}, nil
	case supportToken:
		return &acct.APIKey{Name: "helpdesk", Role: acct.RoleSupport}, nil
	}
	return nil, acct.Errorf(acct.CodeUnauthenticated, "unknown API key")
}

// remoteServer serves the env's store over the admin API on loopback.
func remoteServer(t *testing.T, e *cmdtest.Env) string {
	t.Helper()
	store, err := sqlite.Open(context.Background(), e.Store)
	if err != nil {
		t.Fatal(err)
	}
	local, err := acct.NewLocal(store, acct.Options{Now: e.Clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Secret: accttest.Secret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(local, remoteKeys{}, nil))
	t.Cleanup(func() { srv.Close(); local.Close() })
	return srv.URL
}

func TestRemoteStore(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	url := remoteServer(t, e)
	admin := cmdtest.Run{Env: map[string]string{"ACCTL_TOKEN": adminToken}}

	in := admin
	in.Stdin = cmdtest.Password + "\n"
	e.MustRunWith(in, "--store", url, "user", "register", "--username", "alice", "--email", "alice@example.com", "--password-stdin")

	// The same answer as on the local store behind the server.
	remote := e.MustRunWith(admin, "--store", url, "user", "get", "alice", "-o", "json")
	if local := e.MustRun("user", "get", "alice", "-o", "json"); remote != local || !strings.Contains(remote, "alice@example.com") {
		t.Errorf("remote %s\nlocal %s", remote, local)
	}
	// The audit names the key.
	if out := e.MustRun("audit", "list", "-o", "json"); !strings.Contains(out, `"ops"`) {
		t.Errorf("audit: %s", out)
	}

	// The key from a file.
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := e.MustRun("--store", url, "--token-file", file, "user", "list"); !strings.Contains(out, "alice") {
		t.Errorf("--token-file: %q", out)
	}
	// --token-file on the command line wins over ACCTL_TOKEN (flag > env).
	wrongEnv := cmdtest.Run{Env: map[string]string{"ACCTL_TOKEN": "acctl_wrong_key_42"}}
	if out := e.MustRunWith(wrongEnv, "--store", url, "--token-file", file, "user", "list"); !strings.Contains(out, "alice") {
		t.Errorf("--token-file with ACCTL_TOKEN set: %q", out)
	}
	for name, f := range map[string]string{"missing": file + ".nope", "empty": filepath.Join(t.TempDir(), "empty")} {
		if name == "empty" {
			os.WriteFile(f, []byte("\n"), 0o600)
		}
		if res := e.Run("--store", url, "--token-file", f, "user", "list"); res.Code != 2 || !strings.Contains(res.Err, "token file") {
			t.Errorf("%s token file: %+v", name, res)
		}
	}

	// Errors keep their exit codes.
	if res := e.RunWith(admin, "--store", url, "user", "get", "nobody"); res.Code != 3 {
		t.Errorf("not found: %+v", res)
	}
	wrong := cmdtest.Run{Env: map[string]string{"ACCTL_TOKEN": "acctl_wrong_key_42"}}
	if res := e.RunWith(wrong, "--store", url, "user", "list", "-o", "json"); res.Code != 5 ||
		!strings.Contains(res.Err, `"code":"unauthenticated"`) || strings.Contains(res.Err, "acctl_wrong_key_42") {
		t.Errorf("a wrong key: %+v", res)
	}
	support := cmdtest.Run{Env: map[string]string{"ACCTL_TOKEN": supportToken}}
	if res := e.RunWith(support, "--store", url, "user", "lock", "alice"); res.Code != 6 || !strings.Contains(res.Err, "helpdesk") {
		t.Errorf("outside the role: %+v", res)
	}
	if out := e.MustRunWith(support, "--store", url, "user", "get", "alice"); !strings.Contains(out, "alice") {
		t.Errorf("within the role: %q", out)
	}
}

func TestRemoteStoreUnavailable(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	run := cmdtest.Run{Env: map[string]string{"ACCTL_TOKEN": adminToken}}
	if res := e.RunWith(run, "--store", "http://"+addr, "user", "list", "-o", "json"); res.Code != 7 ||
		!strings.Contains(res.Err, `"code":"unavailable"`) || strings.Contains(res.Err, adminToken) {
		t.Errorf("unreachable: %+v", res)
	}
	if res := e.RunWith(run, "--store", "http://acctl.example.com", "user", "list"); res.Code != 2 || !strings.Contains(res.Err, "loopback") {
		t.Errorf("plain http elsewhere: %+v", res)
	}
	if res := e.Run("--store", "http://"+addr, "user", "list"); res.Code != 2 || !strings.Contains(res.Err, "--token-file") {
		t.Errorf("no key: %+v", res)
	}
}
