package root_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/httpapi"
	"github.com/acctl/acctl/internal/sqlite"
)

// TestRemoteLoginSendsNoPassword: `session create` and `password verify`
// against an acctl server prove the password by a SCRAM challenge: no
// request body carries it (the server fails any that does). An account
// without a verifier is refused with a hint (exit 5), unless
// --allow-plain, whose login sends it once and leaves a verifier.
func TestRemoteLoginSendsNoPassword(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	store, err := sqlite.Open(context.Background(), e.Store)
	if err != nil {
		t.Fatal(err)
	}
	local, err := acct.NewLocal(store, acct.Options{Now: e.Clock.Now, Argon2: accttest.FastArgon2,
		ScramIterations: acct.MinScramIterations, Secret: accttest.Secret})
	if err != nil {
		t.Fatal(err)
	}
	var plainAllowed, leaked, calls atomic.Int64
	api := httpapi.New(local, remoteKeys{}, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls.Add(1)
		if bytes.Contains(body, []byte(cmdtest.Password)) && plainAllowed.Load() == 0 {
			leaked.Add(1)
			t.Errorf("%s: the password crossed the wire: %s", r.URL.Path, body)
			http.Error(w, `{"error":{"code":"internal","message":"password sent"}}`, http.StatusInternalServerError)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); local.Close() })
	ctx := context.Background()
	if _, err := local.Register(ctx, acct.NewUser{Username: "alice", Email: "alice@example.com", Password: cmdtest.Password}); err != nil {
		t.Fatal(err)
	}
	hash, err := acct.HashPassword(cmdtest.Password, accttest.FastArgon2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := local.ImportUsers(ctx, acct.ImportBatch{Rows: []acct.ImportRow{
		{Line: 1, Username: new("bare"), Email: new("bare@example.com"), PasswordHash: hash}}}); err != nil || res.Created != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	run := cmdtest.Run{Env: map[string]string{"ACCTL_TOKEN": adminToken}, Stdin: cmdtest.Password + "\n"}

	out := e.MustRunWith(run, "--store", srv.URL, "session", "create", "alice", "--password-stdin", "--label", "remote", "-o", "json")
	var s acct.Session
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Token == "" || s.Label != "remote" {
		t.Fatalf("session create: %s (%v)", out, err)
	}
	if info, err := local.ValidateSession(ctx, s.Token); err != nil || info.User.Username != "alice" {
		t.Fatalf("the session: %+v, %v", info, err)
	}
	if out := e.MustRunWith(run, "--store", srv.URL, "password", "verify", "alice", "--password-stdin"); !strings.Contains(out, "password is correct") {
		t.Errorf("password verify: %q", out)
	}
	wrong := run
	wrong.Stdin = "not the password at all, sorry\n"
	if res := e.RunWith(wrong, "--store", srv.URL, "password", "verify", "alice", "--password-stdin"); res.Code != 5 {
		t.Errorf("wrong password: %+v", res)
	}

	// No verifier: refused with the hint, the password kept.
	for _, args := range [][]string{{"session", "create", "bare"}, {"password", "verify", "bare"}} {
		res := e.RunWith(run, append([]string{"--store", srv.URL}, append(args, "--password-stdin")...)...)
		if res.Code != 5 || !strings.Contains(res.Err, "--allow-plain") || !strings.Contains(res.Err, "verifier") {
			t.Errorf("%v without a verifier: %+v", args, res)
		}
	}
	// --allow-plain sends it (allowed here), and the login makes a verifier.
	plainAllowed.Store(1)
	e.MustRunWith(run, "--store", srv.URL, "session", "create", "bare", "--password-stdin", "--allow-plain")
	plainAllowed.Store(0)
	e.MustRunWith(run, "--store", srv.URL, "session", "create", "bare", "--password-stdin")
	if leaked.Load() != 0 || calls.Load() == 0 {
		t.Fatalf("%d of %d requests carried the password", leaked.Load(), calls.Load())
	}
}
