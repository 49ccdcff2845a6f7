package user_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

func TestEmailCommands(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")

	// Piped: the address's line.
	out := e.MustRun("user", "email", "add", "alice", "Alice@Work.example")
	if want := "alice@work.example\tfalse\tfalse\t2026-03-01T12:00:00Z\n"; out != want {
		t.Errorf("add: %q, want %q", out, want)
	}
	// JSON: the address object; --verified.
	a := cmdtest.DecodeJSON[acct.Address](t, e.MustRun("user", "email", "add", "1", "alice@home.example", "--verified", "-o", "json"))
	if a.Value != "alice@home.example" || !a.Verified || a.Primary || a.UserID != 1 || a.Kind != acct.AddressEmail {
		t.Errorf("add json: %+v", a)
	}
	// On a terminal: the fields.
	out = e.MustRunWith(cmdtest.TTY(""), "user", "email", "add", "alice", "alice@third.example")
	for _, line := range []string{"value:        alice@third.example", "primary:      false", "verified:     false", "verified_at:  -"} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("TTY add lacks %q:\n%s", line, out)
		}
	}

	// The list: piped, JSON, table.
	want := "alice@example.com\ttrue\tfalse\t2026-03-01T12:00:00Z\n" +
		"alice@work.example\tfalse\tfalse\t2026-03-01T12:00:00Z\n" +
		"alice@home.example\tfalse\ttrue\t2026-03-01T12:00:00Z\n" +
		"alice@third.example\tfalse\tfalse\t2026-03-01T12:00:00Z\n"
	if out := e.MustRun("user", "email", "list", "alice"); out != want {
		t.Errorf("list:\n%s\nwant\n%s", out, want)
	}
	if out := e.MustRun("user", "email", "ls", "alice@work.example"); out != want {
		t.Errorf("ls by an extra address:\n%s", out)
	}
	list := cmdtest.DecodeJSON[[]acct.Address](t, e.MustRun("user", "email", "list", "alice", "-o", "json"))
	if len(list) != 4 || !list[0].Primary || list[2].Value != "alice@home.example" {
		t.Errorf("list json: %+v", list)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "user", "email", "list", "alice"); !strings.Contains(out, "EMAIL") || !strings.Contains(out, "VERIFIED") {
		t.Errorf("table:\n%s", out)
	}
	if out := e.MustRun("user", "phone", "list", "alice", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("no phones: %q", out)
	}
	if res := e.RunWith(cmdtest.TTY(""), "user", "phone", "list", "alice"); res.Code != 0 || res.Out != "" || res.Err != "no phone numbers\n" {
		t.Errorf("no phones on a terminal: %+v", res)
	}

	// "user get" shows them.
	out = e.MustRunWith(cmdtest.TTY(""), "user", "get", "alice@home.example")
	if !strings.Contains(out, "other_emails:    alice@work.example (unverified), alice@home.example, alice@third.example (unverified)\n") ||
		!strings.Contains(out, "other_phones:    -\n") {
		t.Errorf("TTY get:\n%s", out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(e.MustRun("user", "get", "alice", "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if addrs, ok := got["addresses"].([]any); !ok || len(addrs) != 4 || got["email"] != "alice@example.com" || got["username"] != "alice" {
		t.Errorf("get json: %v", got)
	}
	// Piped, "user get" is the list's line, as before.
	if out := e.MustRun("user", "get", "alice"); out != "1\talice\talice@example.com\t\t\tactive\t2026-03-01T12:00:00Z\n" {
		t.Errorf("get piped: %q", out)
	}

	// Primary: only a verified address.
	res := e.Run("user", "email", "primary", "alice", "alice@work.example")
	if res.Code != 6 || !strings.Contains(res.Err, "only a verified address can become the primary") {
		t.Errorf("unverified primary: %+v", res)
	}
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "email", "primary", "alice", "alice@home.example", "-o", "json"))
	if u.Email != "alice@home.example" || !u.EmailVerified {
		t.Errorf("primary: %+v", u)
	}
	if res := e.Run("user", "email", "primary", "alice", "alice@home.example"); res.Code != 4 {
		t.Errorf("primary again: %+v", res)
	}

	// Remove: --yes off a terminal, a question on one.
	res = e.Run("user", "email", "remove", "alice", "alice@third.example")
	if res.Code != 2 || !strings.Contains(res.Err, "--yes") {
		t.Errorf("remove without --yes: %+v", res)
	}
	res = e.RunWith(cmdtest.TTY("n\n"), "user", "email", "remove", "alice", "alice@third.example")
	if res.Code != 6 || !strings.Contains(res.Err, "Remove the email address alice@third.example from user 1 (alice, alice@home.example)? [y/N]") {
		t.Errorf("remove declined: %+v", res)
	}
	res = e.RunWith(cmdtest.TTY("y\n"), "user", "email", "rm", "alice", "alice@third.example")
	if res.Code != 0 || res.Out != "removed the email address alice@third.example from user 1\n" {
		t.Errorf("remove confirmed: %+v", res)
	}
	if out := e.MustRun("user", "email", "remove", "alice", "alice@example.com", "--yes"); out != "alice@example.com\tfalse\tfalse\t2026-03-01T12:00:00Z\n" {
		t.Errorf("remove the former primary: %q", out)
	}
	res = e.Run("user", "email", "remove", "alice", "alice@home.example", "--yes", "-o", "json")
	if res.Code != 6 || !strings.Contains(res.Err, `"code":"refused"`) || !strings.Contains(res.Err, `"field":"email"`) {
		t.Errorf("remove the primary: %+v", res)
	}
	if res := e.Run("user", "email", "remove", "alice", "nobody@example.com", "--yes"); res.Code != 3 {
		t.Errorf("remove an address the user lacks: %+v", res)
	}
	if out := e.MustRun("user", "email", "list", "alice"); strings.Count(out, "\n") != 2 {
		t.Errorf("after removals:\n%s", out)
	}
}

func TestAddressErrors(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "bob@example.com", "--username", "bob")
	e.MustRun("user", "phone", "add", "alice", "+44 7400 123456")
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"taken email", []string{"user", "email", "add", "bob", "ALICE@example.com"}, 4, "acctl: email already in use\n"},
		{"taken phone", []string{"user", "phone", "add", "bob", "+447400123456"}, 4, "acctl: phone already in use\n"},
		{"own email", []string{"user", "email", "add", "alice", "alice@example.com"}, 4, "acctl: user 1 already has this email address\n"},
		{"bad email", []string{"user", "email", "add", "bob", "bob"}, 2, "is not a valid email address"},
		{"no country code", []string{"user", "phone", "add", "bob", "07400 123457"}, 2, "phone.region"},
		{"no user", []string{"user", "email", "add", "carol", "carol@example.com"}, 3, "acctl: no user \"carol\"\n"},
		{"missing argument", []string{"user", "email", "add", "bob"}, 2, "missing argument EMAIL"},
		{"missing arguments", []string{"user", "phone", "primary"}, 2, "missing argument REF PHONE"},
		{"too many", []string{"user", "email", "list", "bob", "x"}, 2, "too many arguments"},
		{"unknown verb", []string{"user", "email", "frob"}, 2, "unknown command \"frob\""},
	}
	for _, tt := range tests {
		res := e.Run(tt.args...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) || res.Out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q", tt.name, res.Code, res.Out, res.Err, tt.code, tt.err)
		}
	}
	res := e.Run("user", "email", "add", "bob", "alice@example.com", "-o", "json")
	if want := `{"error":{"code":"conflict","message":"email already in use","field":"email"}}`; !strings.Contains(res.Err, want) {
		t.Errorf("json conflict: %+v", res)
	}
	// The phone became alice's primary: she had none.
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "+447400123456", "-o", "json"))
	if u.Username != "alice" || u.Phone != "+447400123456" {
		t.Errorf("first phone: %+v", u)
	}
	// The group alone prints its help.
	if out := e.MustRun("user", "phone"); !strings.Contains(out, "acctl user phone add alice +447400123456") {
		t.Errorf("help:\n%s", out)
	}
}
