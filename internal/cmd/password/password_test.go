package password_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

const newPassword = "a brand new passphrase, not guessable"

func stdin(lines ...string) cmdtest.Run {
	return cmdtest.Run{Stdin: strings.Join(lines, "\n") + "\n"}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func activeSessions(t *testing.T, e *cmdtest.Env, ref string) []acct.Session {
	t.Helper()
	return cmdtest.DecodeJSON[[]acct.Session](t, e.MustRun("session", "list", "--user", ref, "-o", "json"))
}

func TestSet(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.MustRun("user", "register", "--email", "alice@example.com", "--username", "alice", "--no-password")
	e.Register("--email", "bob@example.com", "--username", "bob")
	e.Login("bob")
	e.Login("bob")

	// A terminal: asked twice.
	res := e.RunWith(cmdtest.TTY(newPassword+"\n"+newPassword+"\n"), "password", "set", "alice")
	if res.Code != 0 || !strings.Contains(res.Err, "Password: ") || !strings.Contains(res.Err, "Repeat password: ") ||
		!strings.HasPrefix(res.Out, "id:              1\nusername:        alice\n") || !strings.Contains(res.Out, "has_password:    true\n") {
		t.Errorf("tty: %+v", res)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "user", "get", "alice"); !strings.Contains(out, "has_password:    true\n") {
		t.Errorf("user get after set:\n%s", out)
	}
	e.MustRunWith(stdin(newPassword), "password", "verify", "alice", "--password-stdin")

	// Setting a password ends every session of the user.
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRunWith(stdin(newPassword), "password", "set", "bob", "--password-stdin", "-o", "json"))
	if u.Username != "bob" || !u.HasPassword {
		t.Errorf("json: %+v", u)
	}
	if s := activeSessions(t, e, "bob"); len(s) != 0 {
		t.Errorf("sessions left: %+v", s)
	}
	e.MustRun("password", "set", "bob", "--password-file", writeFile(t, cmdtest.Password+"\n"))

	tests := []struct {
		name string
		run  cmdtest.Run
		args []string
		code int
		err  string
	}{
		{"weak", stdin("short"), []string{"bob", "--password-stdin"}, 6, "password refused"},
		{"mismatch", cmdtest.TTY(strings.Repeat(newPassword+"\nsomething else\n", 3)), []string{"bob"}, 2, "do not match"},
		{"no terminal", cmdtest.Run{}, []string{"bob"}, 2, "no terminal to prompt on"},
		{"no such user", stdin(newPassword), []string{"nobody", "--password-stdin"}, 3, `no user "nobody"`},
		{"no REF", stdin(newPassword), []string{"--password-stdin"}, 2, "missing argument REF"},
		{"both sources", stdin(newPassword), []string{"bob", "--password-stdin", "--password-file", "x"}, 2, "cannot be used together"},
	}
	for _, tt := range tests {
		res := e.RunWith(tt.run, append([]string{"password", "set"}, tt.args...)...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tt.name, res.Code, res.Err, tt.code, tt.err)
		}
	}
}

// TestNewPasswordPrompt: on a terminal a weak new password is refused
// after its first entry, before it is repeated, and asked again; the
// account's username counts. Three tries, as passwd.
func TestNewPasswordPrompt(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.MustRun("user", "register", "--email", "carol@example.com", "--username", "carolyn", "--no-password")
	res := e.RunWith(cmdtest.TTY("short\ncarolyn rules the world\n"+newPassword+"\n"+newPassword+"\n"), "password", "set", "carolyn")
	if res.Code != 0 || strings.Count(res.Err, "Password: ") != 3 || strings.Count(res.Err, "Repeat password: ") != 1 ||
		!strings.Contains(res.Err, "acctl: password refused: too short: 5 characters") ||
		!strings.Contains(res.Err, "acctl: password refused: it contains the username; try again (3 of 3)") {
		t.Errorf("set: %+v", res)
	}
	res = e.RunWith(cmdtest.TTY("short\nshort\nshort\n"), "password", "set", "carolyn")
	if res.Code != 6 || strings.Contains(res.Err, "Repeat") || !strings.HasSuffix(res.Err, "acctl: password refused: too short: 5 characters, at least 15 needed (a passphrase of a few words works well)\n") {
		t.Errorf("three weak entries: %+v", res)
	}
	// user register checks against the flags' username and email.
	res = e.RunWith(cmdtest.TTY("dave.smith rocks the house\n"+newPassword+"\n"+newPassword+"\n"), "user", "register", "--email", "dave.smith@example.com", "--username", "davey")
	if res.Code != 0 || !strings.Contains(res.Err, "it contains the email address; try again (2 of 3)") {
		t.Errorf("register: %+v", res)
	}
}

func TestChange(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	keep := e.Login("alice")
	e.Login("alice")

	// Two lines of stdin: current, then new. The other sessions end.
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRunWith(stdin(cmdtest.Password, newPassword), "password", "change", "alice",
		"--password-stdin", "--keep-session", keep.ID, "-o", "json"))
	if u.Username != "alice" {
		t.Errorf("json: %+v", u)
	}
	if s := activeSessions(t, e, "alice"); len(s) != 1 || s[0].ID != keep.ID {
		t.Errorf("sessions after the change: %+v", s)
	}
	if res := e.RunWith(stdin(cmdtest.Password), "password", "verify", "alice", "--password-stdin"); res.Code != 5 {
		t.Errorf("the old password still works: %+v", res)
	}

	// A terminal: current once, new twice.
	res := e.RunWith(cmdtest.TTY(newPassword+"\n"+cmdtest.Password+"\n"+cmdtest.Password+"\n"), "password", "change", "alice")
	if res.Code != 0 || res.Err != "Current password: \nNew password: \nRepeat new password: \n" {
		t.Errorf("tty: %+v", res)
	}
	if s := activeSessions(t, e, "alice"); len(s) != 0 {
		t.Errorf("sessions after a change without --keep-session: %+v", s)
	}

	// Files.
	e.MustRun("password", "change", "alice", "--current-password-file", writeFile(t, cmdtest.Password+"\n"),
		"--password-file", writeFile(t, newPassword+"\n"))
	// A file for one, the terminal for the other.
	res = e.RunWith(cmdtest.TTY(newPassword+"\n"), "password", "change", "alice", "--password-file", writeFile(t, cmdtest.Password))
	if res.Code != 0 || res.Err != "Current password: \n" {
		t.Errorf("file and tty: %+v", res)
	}

	tests := []struct {
		name string
		run  cmdtest.Run
		args []string
		code int
		err  string
	}{
		{"wrong current", stdin("not the current one at all", newPassword), []string{"--password-stdin"}, 5, "wrong password"},
		{"one line", stdin(cmdtest.Password), []string{"--password-stdin"}, 2, "--password-stdin needs two lines"},
		{"weak new", stdin(cmdtest.Password, "short"), []string{"--password-stdin"}, 6, "password refused"},
		{"no terminal", cmdtest.Run{}, nil, 2, "current: no terminal to prompt on; use --current-password-file, or --password-stdin with two lines"},
		{"no terminal for the new", cmdtest.Run{}, []string{"--current-password-file", "x"}, 2, "password: no terminal to prompt on; use --password-file"},
		{"stdin and a file", stdin(""), []string{"--password-stdin", "--current-password-file", "x"}, 2, "--password-stdin reads both passwords"},
		{"missing file", cmdtest.Run{}, []string{"--current-password-file", "/nonexistent/pw", "--password-file", "/nonexistent/pw"}, 2, "password file"},
		{"keep another's session", stdin(cmdtest.Password, newPassword), []string{"--password-stdin", "--keep-session", "ses_nosuchsession"}, 3, "no session"},
	}
	for _, tt := range tests {
		res := e.RunWith(tt.run, append([]string{"password", "change", "alice"}, tt.args...)...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tt.name, res.Code, res.Err, tt.code, tt.err)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")

	if out := e.MustRunWith(stdin(cmdtest.Password), "password", "verify", "alice", "--password-stdin"); out != "password is correct\n" {
		t.Errorf("text: %q", out)
	}
	if out := e.MustRunWith(stdin(cmdtest.Password), "password", "verify", "alice", "--password-stdin", "-o", "json"); out != "{\n  \"ok\": true\n}\n" {
		t.Errorf("json: %q", out)
	}
	res := e.RunWith(cmdtest.TTY(cmdtest.Password+"\n"), "password", "verify", "alice@example.com")
	if res.Code != 0 || res.Err != "Password: \n" || res.Out != "password is correct\n" {
		t.Errorf("tty: %+v", res)
	}

	// A wrong password is exit 5 and counts as a failed login.
	res = e.RunWith(stdin("not the right password"), "password", "verify", "alice", "--password-stdin", "-o", "json")
	if res.Code != 5 || res.Out != "" || !strings.Contains(res.Err, `"code":"unauthenticated"`) {
		t.Errorf("wrong: %+v", res)
	}
	if u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json")); u.FailedLogins != 1 {
		t.Errorf("failed logins: %d", u.FailedLogins)
	}
	if res := e.RunWith(stdin(cmdtest.Password), "password", "verify", "nobody", "--password-stdin"); res.Code != 3 {
		t.Errorf("nobody: %+v", res)
	}
}
