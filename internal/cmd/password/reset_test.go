package password_test

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/password"
	"github.com/acctl/acctl/internal/cmdutil"
)

// codeLine is a reset code as printed, on a line of its own.
var codeLine = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}\n$`)

// issue issues a reset code for ref, piped, and returns it.
func issue(t *testing.T, e *cmdtest.Env, ref string, flags ...string) string {
	t.Helper()
	out := e.MustRun(append([]string{"password", "reset-code", ref}, flags...)...)
	if !codeLine.MatchString(out) {
		t.Fatalf("reset-code piped: %q, want a bare code", out)
	}
	return strings.TrimSpace(out)
}

// reset resets a password with code, both on stdin.
func reset(e *cmdtest.Env, code, pw string, flags ...string) cmdtest.Result {
	return e.RunWith(stdin(code, pw), append([]string{"password", "reset", "--code-stdin", "--password-stdin"}, flags...)...)
}

// outboxLine is one message of the outbox file.
type outboxLine struct {
	Channel string `json:"channel"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	SentAt  string `json:"sent_at"`
}

func readOutbox(t *testing.T, path string) []outboxLine {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []outboxLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l outboxLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestResetCode(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "bob@example.com", "--username", "bob")
	secret := e.Defaults[cmdutil.KeySecretFile].(string)

	// Piped: the bare code. The secret file is made on first use, 0600.
	code := issue(t, e, "alice", "--reason", "ticket 4411")
	if fi, err := os.Stat(secret); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret file: %v, %v", fi, err)
	}

	// A terminal: a record, and a reminder on stderr.
	res := e.RunWith(cmdtest.TTY(""), "password", "reset-code", "alice")
	if res.Code != 0 || !regexp.MustCompile(`(?m)^id: +cod_[0-9a-z]+\ncode: +[0-9A-Z-]{19}\nuser_id: +1\nexpires_at: +2026-03-01T13:00:00Z\nissued_by: +tester\nsent_by: +none\n$`).MatchString(res.Out) ||
		res.Err != "The code is shown only this once and works once: give it to the user now.\n" {
		t.Errorf("tty: %+v", res)
	}
	// The newer code voided the older one.
	if res := reset(e, code, newPassword); res.Code != 5 || !strings.Contains(res.Err, "was voided at") {
		t.Errorf("voided code: %+v", res)
	}

	// JSON, with a clamped lifetime: the warning is on stderr too.
	res = e.Run("password", "reset-code", "bob", "--ttl", "1m", "-o", "json")
	rc := cmdtest.DecodeJSON[acct.ResetCode](t, res.Out)
	if res.Code != 0 || rc.UserID != 2 || rc.IssuedBy != "tester" || rc.SentBy != acct.ChannelNone ||
		!rc.ExpiresAt.Equal(cmdtest.Start.Add(5*time.Minute)) || len(rc.Warnings) != 1 || !strings.HasPrefix(rc.ID, "cod_") ||
		res.Err != "acctl: warning: ttl 1m0s is too short to read a code out: using 5m0s\n" {
		t.Errorf("json: %+v", res)
	}
	res = e.Run("password", "reset-code", "bob", "--ttl", "2d")
	if res.Code != 0 || !codeLine.MatchString(res.Out) || !strings.Contains(res.Err, "using 24h0m0s") {
		t.Errorf("long ttl: %+v", res)
	}
	// -o tsv: the columns, code included.
	out := e.MustRun("password", "reset-code", "bob", "-o", "tsv")
	if !regexp.MustCompile(`^cod_[0-9a-z]+\t[0-9A-Z-]{19}\t2\t2026-03-01T13:00:00Z\ttester\tnone\n$`).MatchString(out) {
		t.Errorf("tsv: %q", out)
	}

	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no such user", []string{"nobody"}, 3, `no user "nobody"`},
		{"no REF", nil, 2, "missing argument REF"},
		{"bad ttl", []string{"bob", "--ttl", "soon"}, 2, "--ttl: want a duration"},
		{"negative ttl", []string{"bob", "--ttl", "-5m"}, 2, "--ttl"},
		{"bad channel", []string{"bob", "--send", "fax"}, 2, `--send: unknown channel "fax" (want none, email, sms)`},
		{"no email delivery", []string{"bob", "--send", "email"}, 2, "email delivery is not configured: set email.smtp.host and email.from (or outbox)"},
		{"no sms delivery", []string{"bob", "--send", "sms"}, 2, "sms delivery is not configured"},
	}
	for _, tt := range tests {
		res := e.Run(append([]string{"password", "reset-code"}, tt.args...)...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) || res.Out != "" {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tt.name, res.Code, res.Err, tt.code, tt.err)
		}
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Login("alice")
	e.Login("alice")

	// A refused password leaves the code usable.
	code := issue(t, e, "alice")
	if res := reset(e, code, "short"); res.Code != 6 || !strings.Contains(res.Err, "password refused") {
		t.Errorf("weak: %+v", res)
	}
	// Letter case and hyphens do not matter.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	u := cmdtest.DecodeJSON[acct.User](t, reset(e, typed, newPassword, "-o", "json").Out)
	if u.Username != "alice" {
		t.Errorf("reset: %+v", u)
	}
	// Every session ended; the old password fails, the new one works.
	if s := activeSessions(t, e, "alice"); len(s) != 0 {
		t.Errorf("sessions left: %+v", s)
	}
	if res := e.RunWith(stdin(cmdtest.Password), "password", "verify", "alice", "--password-stdin"); res.Code != 5 {
		t.Errorf("old password: %+v", res)
	}
	e.MustRunWith(stdin(newPassword), "password", "verify", "alice", "--password-stdin")
	// The code works once.
	if res := reset(e, code, cmdtest.Password); res.Code != 5 || !strings.Contains(res.Err, "was already used at 2026-03-01T12:00:00Z") {
		t.Errorf("used twice: %+v", res)
	}

	// Expired: refused just after its lifetime.
	code = issue(t, e, "alice", "--ttl", "10m")
	e.Clock.Advance(10 * time.Minute)
	if res := reset(e, code, cmdtest.Password); res.Code != 5 || !strings.Contains(res.Err, "expired at 2026-03-01T12:10:00Z") {
		t.Errorf("expired: %+v", res)
	}

	// A terminal: the code once, the new password twice, none echoed.
	code = issue(t, e, "alice")
	res := e.RunWith(cmdtest.TTY(code+"\n"+cmdtest.Password+"\n"+cmdtest.Password+"\n"), "password", "reset")
	if res.Code != 0 || res.Err != "Reset code: \nNew password: \nRepeat new password: \n" || !strings.Contains(res.Out, "username:        alice\n") {
		t.Errorf("tty: %+v", res)
	}
	// --code-stdin with --password-file.
	code = issue(t, e, "alice")
	e.MustRunWith(stdin(code), "password", "reset", "--code-stdin", "--password-file", writeFile(t, newPassword+"\n"))
	e.MustRunWith(stdin(newPassword), "password", "verify", "alice", "--password-stdin")

	code = issue(t, e, "alice")
	tests := []struct {
		name string
		run  cmdtest.Run
		args []string
		code int
		err  string
	}{
		{"wrong code", stdin("7KQ2-MX9D-4TFA-R1ZC", newPassword), []string{"--code-stdin", "--password-stdin"}, 5, "wrong reset code: no such code"},
		{"not a code", stdin("hello", newPassword), []string{"--code-stdin", "--password-stdin"}, 5, "wrong reset code: not the shape of one"},
		{"empty code", stdin("", newPassword), []string{"--code-stdin", "--password-stdin"}, 2, "code: nothing on the first line of stdin"},
		{"one line", stdin(code), []string{"--code-stdin", "--password-stdin"}, 2, "reads two lines: the code, then the new password"},
		{"no terminal", cmdtest.Run{}, nil, 2, "code: no terminal to prompt on; use --code-stdin"},
		{"no terminal for the password", stdin(code), []string{"--code-stdin"}, 2, "password: no terminal to prompt on"},
		{"both password sources", stdin(code), []string{"--code-stdin", "--password-stdin", "--password-file", "x"}, 2, "cannot be used together"},
		{"an argument", stdin(code), []string{code}, 2, "unexpected argument"},
		{"mismatch", cmdtest.TTY(code + "\n" + newPassword + "\nsomething else\n"), nil, 2, "do not match"},
	}
	for _, tt := range tests {
		res := e.RunWith(tt.run, append([]string{"password", "reset"}, tt.args...)...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tt.name, res.Code, res.Err, tt.code, tt.err)
		}
	}
	// None of the failures used the code.
	e.MustRunWith(stdin(code, cmdtest.Password), "password", "reset", "--code-stdin", "--password-stdin")
}

func TestCodes(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "bob@example.com", "--username", "bob")

	if res := e.RunWith(cmdtest.TTY(""), "password", "codes", "alice"); res.Code != 0 || res.Out != "" || res.Err != "no outstanding codes\n" {
		t.Errorf("none: %+v", res)
	}
	if out := e.MustRun("password", "codes", "alice", "-o", "json"); out != "[]\n" {
		t.Errorf("none, json: %q", out)
	}
	rc := cmdtest.DecodeJSON[acct.ResetCode](t, e.MustRun("password", "reset-code", "alice", "-o", "json"))

	// Listed without the code.
	out := e.MustRun("password", "codes", "alice@example.com")
	if out != rc.ID+"\treset\t2026-03-01T12:00:00Z\t2026-03-01T13:00:00Z\ttester\tnone\n" {
		t.Errorf("tsv: %q", out)
	}
	out = e.MustRun("password", "codes", "alice", "-o", "json")
	if strings.Contains(out, rc.Code) || strings.Contains(out, strings.ReplaceAll(rc.Code, "-", "")) || strings.Contains(out, `"code"`) {
		t.Errorf("json shows the code: %s", out)
	}
	infos := cmdtest.DecodeJSON[[]acct.CodeInfo](t, out)
	if len(infos) != 1 || infos[0].ID != rc.ID || infos[0].Kind != acct.CodeKindReset || infos[0].UserID != 1 || infos[0].SentBy != acct.ChannelNone {
		t.Errorf("json: %+v", infos)
	}
	res := e.RunWith(cmdtest.TTY(""), "password", "codes", "alice")
	if res.Code != 0 || !regexp.MustCompile(`^ID +KIND +CREATED +EXPIRES +ISSUED_BY +SENT_BY\ncod_`).MatchString(res.Out) {
		t.Errorf("table: %+v", res)
	}

	// Revoke by id: the code no longer works.
	res = e.RunWith(cmdtest.TTY(""), "password", "codes", "revoke", rc.ID)
	if res.Code != 0 || res.Out != "revoked 1 code: "+rc.ID+"\n" {
		t.Errorf("revoke: %+v", res)
	}
	if res := reset(e, rc.Code, newPassword); res.Code != 5 || !strings.Contains(res.Err, "voided") {
		t.Errorf("revoked code: %+v", res)
	}
	if out := e.MustRun("password", "codes", "alice"); out != "" {
		t.Errorf("after revoke: %q", out)
	}
	if res := e.Run("password", "codes", "revoke", rc.ID); res.Code != 4 || !strings.Contains(res.Err, "voided") {
		t.Errorf("revoke twice: %+v", res)
	}

	// Revoke a user's codes; bob's stay.
	issue(t, e, "alice")
	bobs := issue(t, e, "bob")
	res = e.Run("password", "codes", "revoke", "--user", "alice", "-o", "json")
	got := cmdtest.DecodeJSON[acct.RevokeResult](t, res.Out)
	if res.Code != 0 || len(got.Revoked) != 1 {
		t.Errorf("revoke --user: %+v", res)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "password", "codes", "revoke", "--user", "alice"); out != "revoked 0 codes: none was outstanding\n" {
		t.Errorf("revoke --user again: %q", out)
	}
	if out := e.MustRun("password", "codes", "revoke", "--user", "alice"); out != "" {
		t.Errorf("revoke --user piped: %q", out)
	}
	e.MustRunWith(stdin(bobs, newPassword), "password", "reset", "--code-stdin", "--password-stdin")

	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"codes"}, 2, "missing argument REF"},
		{[]string{"codes", "nobody"}, 3, `no user "nobody"`},
		{[]string{"codes", "revoke"}, 2, "missing argument ID (or --user REF"},
		{[]string{"codes", "revoke", "cod_x", "--user", "alice"}, 2, "not both"},
		{[]string{"codes", "revoke", "cod_x", "cod_y"}, 2, "too many arguments"},
		{[]string{"codes", "revoke", "cod_nosuchcode"}, 3, `no code "cod_nosuchcode"`},
		{[]string{"codes", "revoke", "--user", "nobody"}, 3, `no user "nobody"`},
	}
	for _, tt := range tests {
		res := e.Run(append([]string{"password"}, tt.args...)...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tt.args, res.Code, res.Err, tt.code, tt.err)
		}
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	e.Defaults[cmdutil.KeyOutbox] = outbox
	e.Register("--email", "alice@example.com", "--username", "alice", "--first-name", "Alice", "--phone", "+14155550123")
	e.Register("--username", "bob", "--phone", "+14155550199")

	// By email, to the outbox: the code is not printed.
	res := e.Run("password", "reset-code", "alice", "--send", "email")
	if res.Code != 0 || !regexp.MustCompile(`^sent reset code cod_[0-9a-z]+ by email to alice@example.com; it works once, until 2026-03-01T13:00:00Z\n$`).MatchString(res.Out) {
		t.Errorf("send email: %+v", res)
	}
	lines := readOutbox(t, outbox)
	if len(lines) != 1 || lines[0].Channel != "email" || lines[0].To != "alice@example.com" || lines[0].Subject != "Your password reset code" ||
		!strings.Contains(lines[0].Body, "Hello Alice,") || !strings.Contains(lines[0].Body, "valid for 1 hour, until 2026-03-01 13:00 UTC") {
		t.Fatalf("outbox: %+v", lines)
	}
	code := regexp.MustCompile(`[0-9A-Z]{4}(-[0-9A-Z]{4}){3}`).FindString(lines[0].Body)
	if code == "" || strings.Contains(res.Out, code) {
		t.Fatalf("code %q in %+v", code, res)
	}
	infos := cmdtest.DecodeJSON[[]acct.CodeInfo](t, e.MustRun("password", "codes", "alice", "-o", "json"))
	if len(infos) != 1 || infos[0].SentBy != acct.ChannelEmail {
		t.Errorf("codes: %+v", infos)
	}
	e.MustRunWith(stdin(code, newPassword), "password", "reset", "--code-stdin", "--password-stdin")

	// By SMS, JSON: no code in it.
	rc := cmdtest.DecodeJSON[acct.ResetCode](t, e.MustRun("password", "reset-code", "alice", "--send", "sms", "--ttl", "15m", "-o", "json"))
	if rc.Code != "" || rc.SentBy != acct.ChannelSMS {
		t.Errorf("sms json: %+v", rc)
	}
	if lines := readOutbox(t, outbox); len(lines) != 2 || lines[1].To != "+14155550123" || !strings.Contains(lines[1].Body, "15 minutes") {
		t.Errorf("outbox: %+v", lines)
	}

	// Nowhere to send it: exit 2, and no code.
	res = e.Run("password", "reset-code", "bob", "--send", "email")
	if res.Code != 2 || !strings.Contains(res.Err, "has no email address") {
		t.Errorf("no address: %+v", res)
	}
	if out := e.MustRun("password", "codes", "bob"); out != "" {
		t.Errorf("bob's codes: %q", out)
	}
}

func TestSendFails(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	fail := filepath.Join(t.TempDir(), "send-sms")
	if err := os.WriteFile(fail, []byte("#!/bin/sh\necho 'gateway says no' >&2\nexit 3\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	e.Defaults[cmdutil.KeySMSCommand] = []string{fail, "{to}"}
	e.Register("--email", "alice@example.com", "--username", "alice", "--phone", "+14155550123")

	res := e.Run("password", "reset-code", "alice", "--send", "sms")
	if res.Code != 7 || res.Out != "" || !strings.Contains(res.Err, "the code was voided") || !strings.Contains(res.Err, "gateway says no") {
		t.Errorf("failed sms: %+v", res)
	}
	if out := e.MustRun("password", "codes", "alice"); out != "" {
		t.Errorf("a code is left: %q", out)
	}
	// Email is not configured at all here.
	if res := e.Run("password", "reset-code", "alice", "--send", "email"); res.Code != 2 {
		t.Errorf("email: %+v", res)
	}
	// A broken delivery setting fails the commands that send, and only them.
	e.Defaults[cmdutil.KeySMSCommand] = []string{"no-such-program-acctl-test"}
	if res := e.Run("password", "reset-code", "alice", "--send", "sms"); res.Code != 2 || !strings.Contains(res.Err, "config: sms.command") {
		t.Errorf("bad sms.command: %+v", res)
	}
	issue(t, e, "alice")
}

func TestForgot(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Login("alice")

	// Not configured: exit 2, whatever the address.
	for _, addr := range []string{"alice@example.com", "nobody@example.com"} {
		if res := e.Run("password", "forgot", addr); res.Code != 2 || !strings.Contains(res.Err, "email delivery is not configured") {
			t.Errorf("no delivery, %s: %+v", addr, res)
		}
	}
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	e.Defaults[cmdutil.KeyOutbox] = outbox
	if res := e.Run("password", "forgot", "alice@example.com"); res.Code != 2 || !strings.Contains(res.Err, "public_url: not configured") {
		t.Errorf("no public_url: %+v", res)
	}
	e.Defaults[cmdutil.KeyPublicURL] = "https://accounts.example.com/reset"

	known := e.Run("password", "forgot", "Alice@Example.com")
	unknown := e.Run("password", "forgot", "nobody@example.com")
	if known != unknown || known.Code != 0 || known.Out != password.ForgotAnswer+"\n" || known.Err != "" {
		t.Errorf("known %+v, unknown %+v", known, unknown)
	}
	if out := e.MustRun("password", "forgot", "nobody@example.com", "-o", "json"); out != "{\n  \"message\": \""+password.ForgotAnswer+"\"\n}\n" {
		t.Errorf("json: %q", out)
	}
	if res := e.Run("password", "forgot", "not an address"); res.Code != 2 {
		t.Errorf("bad address: %+v", res)
	}
	if _, err := os.Stat(outbox); err == nil {
		t.Fatal("the answers sent a link: want it queued")
	}
	// --wait runs the queue: the three jobs queued above and its own.
	if res := e.Run("password", "forgot", "nobody@example.com", "--wait"); res != unknown {
		t.Errorf("--wait: %+v, want %+v", res, unknown)
	}

	lines := readOutbox(t, outbox)
	if len(lines) != 1 || lines[0].To != "alice@example.com" || lines[0].Subject != "Reset your password" {
		t.Fatalf("outbox: %+v", lines)
	}
	link := regexp.MustCompile(`https://accounts\.example\.com/reset\?token=\S+`).FindString(lines[0].Body)
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("link %q in %q: %v", link, lines[0].Body, err)
	}
	token := u.Query().Get("token")
	infos := cmdtest.DecodeJSON[[]acct.CodeInfo](t, e.MustRun("password", "codes", "alice", "-o", "json"))
	if len(infos) != 1 || infos[0].Kind != acct.CodeKindForgot || infos[0].SentBy != acct.ChannelEmail {
		t.Errorf("codes: %+v", infos)
	}
	e.MustRunWith(stdin(token, newPassword), "password", "reset", "--code-stdin", "--password-stdin")
	if s := activeSessions(t, e, "alice"); len(s) != 0 {
		t.Errorf("sessions left: %+v", s)
	}
	if res := reset(e, token, cmdtest.Password); res.Code != 5 || !strings.Contains(res.Err, "already used") {
		t.Errorf("link used twice: %+v", res)
	}
}

func TestSecretOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	secret := e.Defaults[cmdutil.KeySecretFile].(string)
	// A broken delivery setting does not touch commands that send nothing.
	e.Defaults[cmdutil.KeySMSCommand] = []string{"no-such-program-acctl-test"}
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Login("alice")
	e.MustRun("user", "list")
	e.MustRun("password", "codes", "alice")
	if _, err := os.Stat(secret); !os.IsNotExist(err) {
		t.Fatalf("the secret file was made by commands that use no code: %v", err)
	}
	issue(t, e, "alice")
	if _, err := os.Stat(secret); err != nil {
		t.Fatal(err)
	}

	// A secret file that others may read is refused, naming the key.
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	res := e.Run("password", "reset-code", "alice")
	if res.Code != 2 || !strings.HasPrefix(res.Err, "acctl: secret_file: "+secret+" has mode 0644") {
		t.Errorf("0644 secret: %+v", res)
	}
	e.MustRun("user", "get", "alice")
}
