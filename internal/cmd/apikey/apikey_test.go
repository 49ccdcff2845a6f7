package apikey_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/sqlite"
)

var tokenLine = regexp.MustCompile(`^acctl_key_[A-Za-z0-9_-]{43}\n$`)

// authenticate checks token against the test's store, as acctl serve
// would, and returns the key's name.
func authenticate(t *testing.T, e *cmdtest.Env, token string) (string, error) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, e.Store)
	if err != nil {
		t.Fatal(err)
	}
	l, err := acct.NewLocal(store, acct.Options{Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	k, err := l.AuthenticateAPIKey(ctx, strings.TrimSpace(token))
	if err != nil {
		return "", err
	}
	return k.Name, nil
}

func TestCreateListRevoke(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)

	// An empty list: nothing piped, [] in JSON, a note on a terminal.
	if got := e.MustRun("apikey", "list"); got != "" {
		t.Errorf("empty list: %q", got)
	}
	if got := e.MustRun("apikey", "list", "-o", "json"); got != "[]\n" {
		t.Errorf("empty JSON list: %q", got)
	}
	if res := e.RunWith(cmdtest.TTY(""), "apikey", "list"); res.Code != 0 || res.Out != "" || res.Err != "no API keys\n" {
		t.Errorf("empty list on a terminal: %+v", res)
	}

	// Piped: the bare token, which opens the store's server.
	token := e.MustRun("apikey", "create", "CI-Deploy", "--role", "admin")
	if !tokenLine.MatchString(token) {
		t.Fatalf("piped create: %q", token)
	}
	if name, err := authenticate(t, e, token); err != nil || name != "ci-deploy" {
		t.Fatalf("the new token: %q, %v", name, err)
	}

	// On a terminal: every field, the token among them, and the note.
	res := e.RunWith(cmdtest.TTY(""), "apikey", "create", "help-desk", "--role", "Support")
	if res.Code != 0 || res.Err != "The token is shown only this once: store it now.\n" {
		t.Fatalf("create on a terminal: %+v", res)
	}
	m := regexp.MustCompile(`(?m)^token:\s+(acctl_key_\S{43})$`).FindStringSubmatch(res.Out)
	if m == nil {
		t.Fatalf("no token line:\n%s", res.Out)
	}
	for _, line := range []string{"name:        help-desk", "role:        support", "prefix:      " + m[1][:acct.APIKeyShownPrefix],
		"created_at:  2026-03-01T12:00:00Z", "created_by:  tester"} {
		if !strings.Contains(res.Out, line+"\n") {
			t.Errorf("create on a terminal lacks %q:\n%s", line, res.Out)
		}
	}

	// -o json: the key with its token; -o tsv: the create columns.
	k := cmdtest.DecodeJSON[acct.CreatedAPIKey](t, e.MustRun("apikey", "create", "audit", "--role", "auditor", "-o", "json"))
	if k.Name != "audit" || k.Role != acct.RoleAuditor || !tokenLine.MatchString(k.Token+"\n") || k.Prefix != k.Token[:acct.APIKeyShownPrefix] ||
		k.CreatedBy != "tester" || !k.CreatedAt.Equal(cmdtest.Start) {
		t.Fatalf("json create: %+v", k)
	}
	got := e.MustRun("apikey", "create", "tsv", "--role", "auditor", "-o", "tsv")
	if f := strings.Split(strings.TrimSuffix(got, "\n"), "\t"); len(f) != 6 || f[0] != "tsv" || f[1] != "auditor" ||
		!tokenLine.MatchString(f[2]+"\n") || f[3] != f[2][:acct.APIKeyShownPrefix] || f[4] != "2026-03-01T12:00:00Z" || f[5] != "tester" {
		t.Fatalf("tsv create: %q", got)
	}

	// A use is recorded; the list shows it, never a token.
	if _, err := authenticate(t, e, k.Token); err != nil {
		t.Fatal(err)
	}
	list := e.MustRun("apikey", "list")
	want := "audit\tauditor\t" + k.Prefix + "\t2026-03-01T12:00:00Z\ttester\t2026-03-01T12:00:00Z\t\n" +
		"ci-deploy\tadmin\t" + token[:acct.APIKeyShownPrefix] + "\t2026-03-01T12:00:00Z\ttester\t2026-03-01T12:00:00Z\t\n"
	if !strings.HasPrefix(list, want) || strings.Count(list, "\n") != 4 {
		t.Errorf("list:\n%s\nwant it to start with:\n%s", list, want)
	}
	jsonList := e.MustRun("apikey", "list", "-o", "json")
	for _, out := range []string{list, jsonList, e.MustRunWith(cmdtest.TTY(""), "apikey", "list")} {
		if strings.Contains(out, "token") || strings.Contains(out, k.Token) || strings.Contains(out, strings.TrimSpace(token)) {
			t.Errorf("a list shows a token:\n%s", out)
		}
	}
	keys := cmdtest.DecodeJSON[[]acct.APIKey](t, jsonList)
	if len(keys) != 4 || keys[2].Name != "help-desk" || keys[2].LastUsedAt != nil || keys[2].RevokedAt != nil {
		t.Errorf("json list: %+v", keys)
	}

	// Revoke: --yes when piped; the key stays listed, revoked, and its
	// token opens nothing.
	e.Clock.Advance(90 * 60e9)
	if res := e.Run("apikey", "revoke", "ci-deploy"); res.Code != 2 || !strings.Contains(res.Err, "--yes") {
		t.Errorf("revoke without --yes: %+v", res)
	}
	got = e.MustRun("apikey", "revoke", "ci-deploy", "--yes")
	if !strings.HasPrefix(got, "ci-deploy\tadmin\t") || !strings.HasSuffix(got, "\t2026-03-01T13:30:00Z\n") {
		t.Errorf("revoke: %q", got)
	}
	if _, err := authenticate(t, e, token); !acct.IsCode(err, acct.CodeUnauthenticated) {
		t.Errorf("a revoked token: %v", err)
	}
	if got := e.MustRun("apikey", "list"); !strings.Contains(got, "\ttester\t2026-03-01T12:00:00Z\t2026-03-01T13:30:00Z\n") {
		t.Errorf("list after the revocation:\n%s", got)
	}
	r := cmdtest.DecodeJSON[acct.APIKey](t, e.MustRun("apikey", "revoke", "audit", "-y", "-o", "json"))
	if r.Name != "audit" || r.RevokedAt == nil || r.LastUsedAt == nil {
		t.Errorf("json revoke: %+v", r)
	}

	// The audit trail: who made and revoked which key, never a token.
	audit := e.MustRun("audit", "list", "--action", "apikey.")
	if strings.Count(audit, "\tapikey.create\t") != 4 || strings.Count(audit, "\tapikey.revoke\t") != 2 ||
		!strings.Contains(audit, "key ci-deploy, role admin") || strings.Contains(audit, "acctl_key_") {
		t.Errorf("audit:\n%s", audit)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.MustRun("apikey", "create", "ci", "--role", "admin")
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"apikey", "create", "ci", "--role", "support"}, 4, `acctl: an API key named "ci" exists already`},
		{[]string{"apikey", "create", "CI", "--role", "admin", "-o", "json"}, 4, `"code":"conflict"`},
		{[]string{"apikey", "create", "x", "--role", "root"}, 2, `acctl: --role: unknown role "root" (want admin, support, auditor)`},
		{[]string{"apikey", "create", "x"}, 2, "--role is required"},
		{[]string{"apikey", "create", "two words", "--role", "admin"}, 2, "name: "},
		{[]string{"apikey", "create", "--role", "admin"}, 2, "NAME"},
		{[]string{"apikey", "revoke", "nobody", "--yes"}, 3, `acctl: no API key named "nobody"`},
		{[]string{"apikey", "revoke", "bad/name", "--yes"}, 2, "name: "},
		{[]string{"apikey", "list", "extra"}, 2, ""},
	} {
		res := e.Run(c.args...)
		if res.Code != c.code || !strings.Contains(res.Err, c.err) || res.Out != "" {
			t.Errorf("%v: %+v, want exit %d and %q", c.args, res, c.code, c.err)
		}
	}
	e.MustRun("apikey", "revoke", "ci", "--yes")
	if res := e.Run("apikey", "revoke", "CI", "--yes"); res.Code != 4 || !strings.Contains(res.Err, `API key "ci" was revoked already`) {
		t.Errorf("revoked twice: %+v", res)
	}
	// A revoked key's name stays taken.
	if res := e.Run("apikey", "create", "ci", "--role", "admin"); res.Code != 4 {
		t.Errorf("the name of a revoked key: %+v", res)
	}
}

func TestRevokeConfirm(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	prefix := e.MustRun("apikey", "create", "help-desk", "--role", "support")[:acct.APIKeyShownPrefix]

	// A wrong answer: exit 6, the key still works.
	res := e.RunWith(cmdtest.TTY("help\n"), "apikey", "revoke", "Help-Desk")
	if res.Code != 6 || !strings.Contains(res.Err, "API key help-desk (role support, "+prefix+"…) will be revoked") ||
		!strings.Contains(res.Err, `Type "help-desk" to confirm: `) {
		t.Fatalf("wrong answer: %+v", res)
	}
	if got := e.MustRun("apikey", "list"); !strings.HasSuffix(got, "\t\t\n") {
		t.Fatalf("revoked after a wrong answer: %q", got)
	}
	// No such key, or a key revoked already: no question.
	if res := e.RunWith(cmdtest.TTY(""), "apikey", "revoke", "nobody"); res.Code != 3 || strings.Contains(res.Err, "confirm") {
		t.Errorf("unknown key on a terminal: %+v", res)
	}
	res = e.RunWith(cmdtest.TTY("help-desk\n"), "apikey", "revoke", "help-desk")
	if res.Code != 0 || !strings.Contains(res.Out, "revoked_at:    2026-03-01T12:00:00Z\n") {
		t.Fatalf("confirmed: %+v", res)
	}
	if res := e.RunWith(cmdtest.TTY(""), "apikey", "revoke", "help-desk"); res.Code != 4 || strings.Contains(res.Err, "confirm") {
		t.Errorf("revoked already, on a terminal: %+v", res)
	}
}

// TestRemoteStore: keys are managed where the store is, never through a
// server, which is not even contacted.
func TestRemoteStore(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	env := map[string]string{"ACCTL_TOKEN": "acctl_key_" + strings.Repeat("A", 43)}
	for _, args := range [][]string{
		{"apikey", "create", "ci", "--role", "admin"},
		{"apikey", "list"},
		{"apikey", "revoke", "ci", "--yes"},
	} {
		for _, store := range []string{"https://acctl.example.com", "HTTP://127.0.0.1:1"} {
			res := e.RunWith(cmdtest.Run{Env: env}, append([]string{"--store", store}, args...)...)
			if res.Code != 2 || !strings.Contains(res.Err, "acctl: API keys are managed where the store is") ||
				!strings.Contains(res.Err, "hint: run it on the server's machine") {
				t.Errorf("%s %v: %+v", store, args, res)
			}
		}
	}
}
