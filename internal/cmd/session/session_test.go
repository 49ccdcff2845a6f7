package session_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

var tokenLine = regexp.MustCompile(`^acctl_sess_[A-Za-z0-9_-]{43}\n$`)

func stdin(s string) cmdtest.Run { return cmdtest.Run{Stdin: s + "\n"} }

func TestCreateOutputs(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	alice := e.Register("--email", "alice@example.com", "--username", "alice")

	// Piped without -o: the bare token and nothing else.
	res := e.RunWith(stdin(cmdtest.Password), "session", "create", "alice", "--password-stdin")
	if res.Code != 0 || !tokenLine.MatchString(res.Out) || res.Err != "" {
		t.Errorf("piped: %+v", res)
	}

	// JSON: the session with its token, and the lifetimes of the config.
	s := e.Login("alice@example.com", "--label", "alice's laptop")
	if !strings.HasPrefix(s.ID, "ses_") || !strings.HasPrefix(s.Token, "acctl_sess_") || s.UserID != alice.ID ||
		!s.CreatedAt.Equal(cmdtest.Start) || !s.ExpiresAt.Equal(cmdtest.Start.Add(time.Hour)) ||
		!s.AbsoluteExpiresAt.Equal(cmdtest.Start.Add(24*time.Hour)) || s.Persistent || s.Label != "alice's laptop" {
		t.Errorf("json: %+v", s)
	}
	k := e.Login("alice", "--keep")
	if !k.Persistent || !k.ExpiresAt.Equal(cmdtest.Start.Add(720*time.Hour)) || !k.AbsoluteExpiresAt.Equal(k.ExpiresAt) {
		t.Errorf("--keep: %+v", k)
	}

	// A terminal: the password asked once, every field with the token, a warning.
	res = e.RunWith(cmdtest.TTY(cmdtest.Password+"\n"), "session", "create", "alice")
	if res.Code != 0 || strings.Count(res.Err, "Password: ") != 1 || strings.Contains(res.Err, "Repeat") ||
		!strings.Contains(res.Err, "shown only this once") {
		t.Errorf("tty: %+v", res)
	}
	for _, want := range []string{"\ntoken:                acctl_sess_", "\nuser_id:              1\n", "\nexpires_at:           2026-03-01T13:00:00Z\n", "\nlabel:                -\n"} {
		if !strings.Contains("\n"+res.Out, want) {
			t.Errorf("tty output lacks %q:\n%s", want, res.Out)
		}
	}
	if strings.Contains(res.Out, "ended_at") {
		t.Errorf("a new session shows ended_at:\n%s", res.Out)
	}

	// -o tsv and -o csv: the record, token included.
	out := e.MustRunWith(stdin(cmdtest.Password), "session", "create", "alice", "--password-stdin", "-o", "csv")
	if !strings.HasPrefix(out, "ID,TOKEN,USER_ID,CREATED,EXPIRES,ABSOLUTE_EXPIRES,PERSISTENT,LABEL\nses_") || !strings.Contains(out, ",acctl_sess_") {
		t.Errorf("csv: %q", out)
	}
	out = e.MustRunWith(stdin(cmdtest.Password), "session", "create", "alice", "--password-stdin", "-o", "tsv", "--label", "x")
	if f := strings.Split(strings.TrimSuffix(out, "\n"), "\t"); len(f) != 8 || !strings.HasPrefix(f[1], "acctl_sess_") || f[7] != "x" {
		t.Errorf("tsv: %q", out)
	}

	// A password file works too.
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte(cmdtest.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := e.MustRun("session", "create", "1", "--password-file", file); !tokenLine.MatchString(out) {
		t.Errorf("--password-file: %q", out)
	}
}

func TestCreateErrors(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		err   string
	}{
		{"wrong password", "not the right password at all", []string{"alice", "--password-stdin"}, 5, "wrong password"},
		{"no such user", cmdtest.Password, []string{"nobody", "--password-stdin"}, 3, `no user "nobody"`},
		{"no REF", cmdtest.Password, []string{"--password-stdin"}, 2, "missing argument REF (or --foreign ORIGIN:SUBJECT)"},
		{"two REFs", cmdtest.Password, []string{"alice", "bob", "--password-stdin"}, 2, "too many arguments"},
		{"no terminal", "", []string{"alice"}, 2, "no terminal to prompt on"},
		{"foreign and REF", "", []string{"alice", "--foreign", "github:1"}, 2, "--foreign replaces REF and the password"},
		{"foreign and password", cmdtest.Password, []string{"--foreign", "github:1", "--password-stdin"}, 2, "--foreign logs in without a password"},
		{"foreign unknown", "", []string{"--foreign", "github:1"}, 3, ""},
		{"password as a flag", "", []string{"alice", "--password", "x"}, 2, "unknown flag: --password"},
	}
	for _, tt := range tests {
		res := e.RunWith(stdin(tt.stdin), append([]string{"session", "create"}, tt.args...)...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) || res.Out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q", tt.name, res.Code, res.Out, res.Err, tt.code, tt.err)
		}
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	alice := e.Register("--email", "alice@example.com", "--username", "alice")
	s := e.Login("alice")

	// From stdin (spaces trimmed) and from the environment.
	info := cmdtest.DecodeJSON[acct.SessionInfo](t, e.MustRunWith(stdin("  "+s.Token+"  "), "session", "get", "--token-stdin", "-o", "json"))
	if info.Session.ID != s.ID || info.Session.Token != "" || info.Session.Status != acct.SessionActive || info.User.ID != alice.ID || info.User.Email != "alice@example.com" {
		t.Errorf("json: %+v", info)
	}
	env := cmdtest.Run{Env: map[string]string{"ACCTL_SESSION_TOKEN": s.Token}}
	out := e.MustRunWith(env, "session", "get")
	if !strings.HasPrefix(out, s.ID+"\t1\talice\t2026-03-01T12:00:00Z\t") || strings.Contains(out, "acctl_sess_") {
		t.Errorf("tsv from env: %q", out)
	}
	tty := cmdtest.TTY(s.Token + "\n")
	tty.Env = env.Env
	res := e.RunWith(tty, "session", "get", "--token-stdin")
	out = res.Out
	if res.Code != 0 || res.Err != "Session token: \n" {
		t.Errorf("tty prompt: %+v", res)
	}
	for _, want := range []string{"id:                   " + s.ID, "status:               active", "user_status:          active"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("tty lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "acctl_sess_") || strings.Contains(out, "ended_at") {
		t.Errorf("tty shows a token or ended_at:\n%s", out)
	}

	// Never from argv; always from somewhere.
	res = e.Run("session", "get", s.Token)
	if res.Code != 2 || !strings.Contains(res.Err, "a session token is never a command-line argument") || strings.Contains(res.Err, s.Token) {
		t.Errorf("argv: %+v", res)
	}
	res = e.Run("session", "get")
	if res.Code != 2 || !strings.Contains(res.Err, "no session token: pipe it in with --token-stdin or set ACCTL_SESSION_TOKEN") {
		t.Errorf("no token: %+v", res)
	}
	if res := e.RunWith(stdin(""), "session", "get", "--token-stdin"); res.Code != 2 || !strings.Contains(res.Err, "token: nothing on the first line of stdin") {
		t.Errorf("empty stdin: %+v", res)
	}

	// Invalid, expired and ended tokens are exit 5, each saying which.
	res = e.RunWith(stdin("acctl_sess_nope"), "session", "get", "--token-stdin", "-o", "json")
	if res.Code != 5 || !strings.Contains(res.Err, "invalid session token") || !strings.Contains(res.Err, `"code":"unauthenticated"`) {
		t.Errorf("invalid: %+v", res)
	}
	e.Clock.Advance(time.Hour)
	if res := e.RunWith(stdin(s.Token), "session", "get", "--token-stdin"); res.Code != 5 || !strings.Contains(res.Err, "expired") {
		t.Errorf("idle: %+v", res)
	}
	s2 := e.Login("alice")
	e.MustRun("session", "end", s2.ID)
	if res := e.RunWith(stdin(s2.Token), "session", "get", "--token-stdin"); res.Code != 5 || !strings.Contains(res.Err, "ended") {
		t.Errorf("ended: %+v", res)
	}
}

func TestListFreshenEnd(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "bob@example.com")

	if out := e.MustRun("session", "list", "-o", "json"); out != "[]\n" {
		t.Errorf("empty json: %q", out)
	}
	if res := e.RunWith(cmdtest.TTY(""), "session", "list"); res.Code != 0 || res.Out != "" || res.Err != "no sessions\n" {
		t.Errorf("empty tty: %+v", res)
	}

	a1 := e.Login("alice", "--label", "phone")
	e.Clock.Advance(time.Minute)
	a2 := e.Login("alice", "--keep")
	e.Clock.Advance(time.Minute)
	b1 := e.Login("bob@example.com")

	// Newest first, never a token, the user by username or email.
	out := e.MustRun("session", "list")
	want := b1.ID + "\t2\tbob@example.com\t2026-03-01T12:02:00Z\t2026-03-01T12:02:00Z\t2026-03-01T13:02:00Z\tfalse\tactive\t\n" +
		a2.ID + "\t1\talice\t2026-03-01T12:01:00Z\t2026-03-01T12:01:00Z\t2026-03-31T12:01:00Z\ttrue\tactive\t\n" +
		a1.ID + "\t1\talice\t2026-03-01T12:00:00Z\t2026-03-01T12:00:00Z\t2026-03-01T13:00:00Z\tfalse\tactive\tphone\n"
	if out != want {
		t.Errorf("tsv:\ngot\n%s\nwant\n%s", out, want)
	}
	table := e.MustRunWith(cmdtest.TTY(""), "session", "list", "--user", "bob@example.com")
	if !strings.HasPrefix(table, "ID                    USER_ID  USER             CREATED               LAST_SEEN             EXPIRES               PERSISTENT  STATUS  LABEL\n") ||
		strings.Count(table, "\n") != 2 {
		t.Errorf("table:\n%s", table)
	}
	js := e.MustRun("session", "list", "-o", "json", "--user", "alice")
	if strings.Contains(js, "token") {
		t.Errorf("json lists a token: %s", js)
	}
	if got := cmdtest.DecodeJSON[[]acct.Session](t, js); len(got) != 2 || got[0].ID != a2.ID || got[1].Label != "phone" {
		t.Errorf("json: %+v", got)
	}
	res := e.Run("session", "list", "--limit", "2")
	if res.Code != 0 || strings.Count(res.Out, "\n") != 2 || !strings.Contains(res.Err, "there may be more") {
		t.Errorf("--limit: %+v", res)
	}

	// Freshen by id and by token: the idle deadline moves, never past the absolute one.
	e.Clock.Advance(30 * time.Minute)
	s := cmdtest.DecodeJSON[acct.Session](t, e.MustRun("session", "freshen", a1.ID, "-o", "json"))
	if !s.ExpiresAt.Equal(cmdtest.Start.Add(32*time.Minute+time.Hour)) || !s.LastSeenAt.Equal(cmdtest.Start.Add(32*time.Minute)) || s.Token != "" {
		t.Errorf("freshen by id: %+v", s)
	}
	out = e.MustRunWith(stdin(b1.Token), "session", "freshen", "--token-stdin")
	if !strings.HasPrefix(out, b1.ID+"\t2\t") || !strings.Contains(out, "\t2026-03-01T13:32:00Z\t") {
		t.Errorf("freshen by token: %q", out)
	}
	out = e.MustRunWith(cmdtest.Run{Env: map[string]string{"ACCTL_SESSION_TOKEN": b1.Token}}, "session", "freshen")
	if !strings.HasPrefix(out, b1.ID+"\t") {
		t.Errorf("freshen from env: %q", out)
	}

	// End by id: a summary on a terminal, the ids piped, {"ended": […]} in JSON.
	res = e.RunWith(cmdtest.TTY(""), "session", "end", b1.ID)
	if res.Code != 0 || res.Out != "ended 1 session: "+b1.ID+"\n" {
		t.Errorf("end tty: %+v", res)
	}
	if out := e.MustRun("session", "end", b1.ID, "-o", "json"); out != "{\n  \"ended\": []\n}\n" {
		t.Errorf("end again: %q", out)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "session", "end", b1.ID); out != "ended 0 sessions: none was active\n" {
		t.Errorf("end again tty: %q", out)
	}
	if res := e.Run("session", "freshen", b1.ID); res.Code != 5 || !strings.Contains(res.Err, "ended") {
		t.Errorf("freshen an ended session: %+v", res)
	}

	// Log alice out everywhere but one.
	if out := e.MustRun("session", "end", "--user", "alice", "--except", a2.ID); out != a1.ID+"\n" {
		t.Errorf("end --user --except: %q", out)
	}
	if out := e.MustRun("session", "list", "--status", "ended"); strings.Count(out, "\tended\t") != 2 {
		t.Errorf("ended: %q", out)
	}
	if out := e.MustRun("session", "list"); !strings.HasPrefix(out, a2.ID+"\t") || strings.Count(out, "\n") != 1 {
		t.Errorf("active: %q", out)
	}
	if out := e.MustRun("session", "end", "--user", "alice", "-o", "json"); out != "{\n  \"ended\": [\n    \""+a2.ID+"\"\n  ]\n}\n" {
		t.Errorf("end --user: %q", out)
	}

	for _, args := range [][]string{
		{"session", "end"},
		{"session", "end", a1.ID, "--user", "alice"},
		{"session", "end", a1.ID, "--except", a2.ID},
		{"session", "freshen"},
		{"session", "freshen", "a", "b"},
		{"session", "freshen", a1.ID, "--token-stdin"},
		{"session", "list", "--status", "gone"},
		{"session", "list", "--limit", "0"},
		{"session", "list", "extra"},
	} {
		if res := e.Run(args...); res.Code != 2 || !strings.Contains(res.Err, "hint: run 'acctl session ") {
			t.Errorf("%v: %+v", args, res)
		}
	}
	if res := e.Run("session", "end", "ses_nosuchsession"); res.Code != 3 {
		t.Errorf("unknown id: %+v", res)
	}
	if res := e.Run("session", "list", "--user", "nobody"); res.Code != 3 {
		t.Errorf("unknown user: %+v", res)
	}
}

// TestEndByToken: an app logs its own session out with the token it
// holds, from stdin or from ACCTL_SESSION_TOKEN; never from an argument.
func TestEndByToken(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	s1, s2, s3 := e.Login("alice"), e.Login("alice"), e.Login("alice")

	if out := e.MustRunWith(stdin("  "+s1.Token+"  "), "session", "end", "--token-stdin"); out != s1.ID+"\n" {
		t.Errorf("end --token-stdin: %q", out)
	}
	env := cmdtest.Run{Env: map[string]string{"ACCTL_SESSION_TOKEN": s2.Token}}
	if out := e.MustRunWith(env, "session", "end", "-o", "json"); out != "{\n  \"ended\": [\n    \""+s2.ID+"\"\n  ]\n}\n" {
		t.Errorf("end from the environment: %q", out)
	}
	if out := e.MustRun("session", "list"); !strings.HasPrefix(out, s3.ID+"\t") || strings.Count(out, "\n") != 1 {
		t.Errorf("active after ending two by token: %q", out)
	}
	// Ending it again: nothing to end, not an error.
	if out := e.MustRunWith(stdin(s1.Token), "session", "end", "--token-stdin"); out != "" {
		t.Errorf("end by token again: %q", out)
	}
	for _, c := range []struct {
		run  cmdtest.Run
		args []string
		code int
		err  string
	}{
		{stdin("acctl_sess_" + strings.Repeat("A", 43)), []string{"--token-stdin"}, 5, "invalid session token"},
		{stdin(""), []string{"--token-stdin"}, 2, "nothing on the first line of stdin"},
		{stdin(s3.Token), []string{"--token-stdin", s3.ID}, 2, "--token-stdin"},
		{stdin(s3.Token), []string{"--token-stdin", "--user", "alice"}, 2, "--token-stdin"},
		{cmdtest.Run{}, nil, 2, "ACCTL_SESSION_TOKEN"},
		{cmdtest.Run{}, []string{s3.Token}, 2, "never a command-line argument"},
	} {
		res := e.RunWith(c.run, append([]string{"session", "end"}, c.args...)...)
		if res.Code != c.code || !strings.Contains(res.Err, c.err) || strings.Contains(res.Err, s3.Token[11:]) {
			t.Errorf("end %v: exit %d, %q; want exit %d, %q", c.args, res.Code, res.Err, c.code, c.err)
		}
	}
	if out := e.MustRun("session", "list"); !strings.HasPrefix(out, s3.ID+"\t") {
		t.Errorf("s3 ended: %q", out)
	}
}

func TestPurge(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com")
	a := e.Login("alice@example.com")
	e.Login("alice@example.com")
	e.Login("alice@example.com", "--keep")
	e.MustRun("session", "end", a.ID)

	if out := e.MustRunWith(cmdtest.TTY(""), "session", "purge", "--older-than", "1h"); out != "deleted 0 sessions\n" {
		t.Errorf("too recent: %q", out)
	}
	if out := e.MustRun("session", "purge"); out != "1\n" {
		t.Errorf("the ended one: %q", out)
	}
	e.Clock.Advance(2 * time.Hour)
	if out := e.MustRun("session", "purge", "-o", "json"); out != "{\n  \"deleted\": 1\n}\n" {
		t.Errorf("the expired one: %q", out)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "session", "purge"); out != "deleted 0 sessions\n" {
		t.Errorf("again: %q", out)
	}
	if out := e.MustRun("session", "list", "--status", "all"); strings.Count(out, "\n") != 1 || !strings.Contains(out, "\ttrue\tactive\t") {
		t.Errorf("left: %q", out)
	}
	for _, v := range []string{"-1h", "soon"} {
		if res := e.Run("session", "purge", "--older-than", v); res.Code != 2 {
			t.Errorf("--older-than %s: %+v", v, res)
		}
	}
}

func TestForeignLogin(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	// No password is asked with --foreign.
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "register", "--foreign", "github:12345", "--username", "octocat", "-o", "json"))
	if u.Foreign != "github:12345" || u.HasPassword || u.Email != "" {
		t.Errorf("registered: %+v", u)
	}
	out := e.MustRun("session", "create", "--foreign", "github:12345", "--label", "web")
	if !tokenLine.MatchString(out) {
		t.Errorf("foreign login: %q", out)
	}
	// No password to log in with.
	if res := e.RunWith(stdin(cmdtest.Password), "session", "create", "octocat", "--password-stdin"); res.Code != 5 || !strings.Contains(res.Err, "no password") {
		t.Errorf("password login: %+v", res)
	}
}

// TestListFitsTerminal: at 80 columns the session table fits: the label
// shortened, the least needed columns left out, the ids whole.
func TestListFitsTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	s := e.Login("alice", "--label", "Firefox 140 on a Linux laptop in the Berlin office")
	wide := e.MustRunWith(cmdtest.TTY(""), "session", "list")
	res := e.RunWith(cmdtest.Run{StdoutTTY: true, Width: 80}, "session", "list")
	for _, l := range strings.Split(strings.TrimSuffix(res.Out, "\n"), "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("%d columns: %q", n, l)
		}
	}
	if res.Code != 0 || !strings.Contains(res.Out, s.ID+"  alice") || !strings.Contains(res.Out, "Firefox 140 on a") ||
		!strings.Contains(res.Out, "…") || !strings.Contains(wide, "Berlin office") || !strings.Contains(wide, "PERSISTENT") {
		t.Errorf("80 columns:\n%s\nwide:\n%s", res.Out, wide)
	}
}
