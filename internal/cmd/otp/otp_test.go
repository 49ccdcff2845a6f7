package otp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/otp"
	"github.com/acctl/acctl/internal/cmdutil"
)

const phone = "+14155550123"

// message is one line of the outbox file.
type message struct {
	Channel string `json:"channel"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func readOutbox(t *testing.T, path string) []message {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("outbox line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

var passcode = regexp.MustCompile(`\b([0-9]{6})\b`)

// lastCode returns the passcode of the last message in the outbox, and
// checks where it went.
func lastCode(t *testing.T, outbox, channel, to string) string {
	t.Helper()
	msgs := readOutbox(t, outbox)
	if len(msgs) == 0 {
		t.Fatal("no message in the outbox")
	}
	m := msgs[len(msgs)-1]
	if m.Channel != channel || m.To != to {
		t.Fatalf("message to %s by %s, want %s by %s", m.To, m.Channel, to, channel)
	}
	c := passcode.FindStringSubmatch(m.Body)
	if c == nil {
		t.Fatalf("no passcode in %q", m.Body)
	}
	return c[1]
}

// wrong returns a passcode that differs from code in every digit.
func wrong(code string) string {
	b := []byte(code)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+1)%10
	}
	return string(b)
}

// setup is an installation with messages going to an outbox file, and a
// user alice with a phone.
func setup(t *testing.T) (*cmdtest.Env, string, acct.User) {
	t.Helper()
	e := cmdtest.New(t)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	e.Defaults[cmdutil.KeyOutbox] = outbox
	u := e.Register("--email", "alice@example.com", "--username", "alice", "--phone", phone)
	return e, outbox, u
}

func verify(e *cmdtest.Env, ref, purpose, code string, flags ...string) cmdtest.Result {
	args := append([]string{"otp", "verify", ref, "--purpose", purpose, "--code-stdin"}, flags...)
	return e.RunWith(cmdtest.Run{Stdin: code + "\n"}, args...)
}

func TestVerifyPhone(t *testing.T) {
	t.Parallel()
	e, outbox, u := setup(t)
	if u.PhoneVerified {
		t.Fatal("phone verified at registration")
	}

	// Piped: the tab-separated fields, never the code.
	out := e.MustRun("otp", "send", phone, "--purpose", "verify-phone")
	fields := strings.Split(strings.TrimSuffix(out, "\n"), "\t")
	if len(fields) != 6 || !strings.HasPrefix(fields[0], "cod_") || fields[1] != "1" || fields[2] != phone ||
		fields[3] != "sms" || fields[4] != "verify-phone" || fields[5] != "2026-03-01T12:10:00Z" {
		t.Fatalf("otp send: %q", out)
	}
	code := lastCode(t, outbox, "sms", phone)
	if strings.Contains(out, code) {
		t.Fatalf("otp send printed the code: %q", out)
	}

	// A wrong code: exit 5, with the tries left.
	res := verify(e, phone, "verify-phone", wrong(code))
	if res.Code != 5 || !strings.Contains(res.Err, "4 attempts left") || res.Out != "" {
		t.Fatalf("wrong code: exit %d, %q", res.Code, res.Err)
	}
	// The right one, typed with a space, marks the phone verified.
	res = verify(e, phone, "verify-phone", code[:3]+" "+code[3:], "-o", "json")
	if res.Code != 0 {
		t.Fatalf("right code: exit %d, %s", res.Code, res.Err)
	}
	got := cmdtest.DecodeJSON[acct.User](t, res.Out)
	if !got.PhoneVerified || got.ID != u.ID {
		t.Errorf("after verify: %+v", got)
	}
	// It works once.
	if res := verify(e, phone, "verify-phone", code); res.Code != 5 {
		t.Errorf("used code: exit %d, %s", res.Code, res.Err)
	}
	// A verified phone needs no other code.
	e.Clock.Advance(time.Hour)
	if res := e.Run("otp", "send", "alice", "--purpose", "verify-phone"); res.Code != 4 || !strings.Contains(res.Err, "already verified") {
		t.Errorf("verified phone: exit %d, %s", res.Code, res.Err)
	}
}

func TestSendOutput(t *testing.T) {
	t.Parallel()
	e, outbox, _ := setup(t)

	// On a terminal, one line.
	res := e.RunWith(cmdtest.TTY(""), "otp", "send", "alice", "--purpose", "recovery")
	if res.Code != 0 || !regexp.MustCompile(`^sent a recovery passcode \(cod_[0-9a-z]+\) by sms to \+14155550123; it works once, until 2026-03-01T12:10:00Z\n$`).MatchString(res.Out) {
		t.Fatalf("terminal: exit %d, %q, %s", res.Code, res.Out, res.Err)
	}
	// JSON.
	e.Clock.Advance(time.Minute)
	out := e.MustRun("otp", "send", "alice", "--purpose", "recovery", "-o", "json")
	sent := cmdtest.DecodeJSON[acct.OTPSent](t, out)
	if sent.To != phone || sent.Channel != acct.ChannelSMS || sent.Purpose != "recovery" || sent.UserID != 1 ||
		!sent.ExpiresAt.Equal(cmdtest.Start.Add(11*time.Minute)) || strings.Contains(out, `"code"`) {
		t.Errorf("json: %s", out)
	}
	if code := lastCode(t, outbox, "sms", phone); strings.Contains(out, code) {
		t.Errorf("json has the code: %s", out)
	}
	// By email: a signup passcode, to a pending account's address.
	e.Defaults[cmdutil.KeyPublicURL] = "https://accounts.example.com/activate"
	bob := e.Register("--email", "bob@example.com", "--phone", "+14155550124", "--pending")
	out = e.MustRun("otp", "send", "bob@example.com", "--purpose", "signup", "--channel", "email", "-o", "json")
	sent = cmdtest.DecodeJSON[acct.OTPSent](t, out)
	if sent.To != "bob@example.com" || sent.Channel != acct.ChannelEmail || sent.UserID != bob.ID {
		t.Errorf("json, by email: %s", out)
	}
	code := lastCode(t, outbox, "email", "bob@example.com")
	res = verify(e, "bob@example.com", "signup", code, "-o", "json")
	if u := cmdtest.DecodeJSON[acct.User](t, res.Out); res.Code != 0 || u.Status != acct.StatusActive || !u.EmailVerified {
		t.Errorf("signup by email: exit %d, %s %s", res.Code, res.Out, res.Err)
	}
	// A recovery passcode goes by SMS only.
	if res := e.Run("otp", "send", "alice", "--purpose", "recovery", "--channel", "email"); res.Code != 2 {
		t.Errorf("recovery by email: exit %d, %s", res.Code, res.Err)
	}
	// With -o table, the fields one per line.
	e.Clock.Advance(time.Minute)
	out = e.MustRun("otp", "send", "alice", "--purpose", "recovery", "-o", "table")
	for _, want := range []string{"to:          +14155550123\n", "purpose:     recovery\n", "channel:     sms\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("table: %q lacks %q", out, want)
		}
	}
}

func TestSendRefused(t *testing.T) {
	t.Parallel()
	e, outbox, _ := setup(t)

	// The phone of nobody: exit 3, and nothing is sent.
	res := e.Run("otp", "send", "+14155550199", "--purpose", "verify-phone")
	if res.Code != 3 || res.Out != "" {
		t.Fatalf("unknown phone: exit %d, %q, %s", res.Code, res.Out, res.Err)
	}
	if msgs := readOutbox(t, outbox); len(msgs) != 0 {
		t.Fatalf("sent to nobody: %+v", msgs)
	}

	// The cooldown: exit 6 saying how long to wait, then fine.
	e.MustRun("otp", "send", phone, "--purpose", "verify-phone")
	e.Clock.Advance(20 * time.Second)
	res = e.Run("otp", "send", phone, "--purpose", "verify-phone")
	if res.Code != 6 || !strings.Contains(res.Err, "wait 40s") {
		t.Fatalf("within the cooldown: exit %d, %s", res.Code, res.Err)
	}
	if msgs := readOutbox(t, outbox); len(msgs) != 1 {
		t.Fatalf("sent within the cooldown: %d messages", len(msgs))
	}
	// Another purpose has its own cooldown.
	e.MustRun("otp", "send", phone, "--purpose", "recovery")
	e.Clock.Advance(40 * time.Second)
	e.MustRun("otp", "send", phone, "--purpose", "verify-phone")

	// A verify-phone code goes by SMS only; a signup code only to a
	// pending account.
	if res := e.Run("otp", "send", "alice", "--purpose", "verify-phone", "--channel", "email"); res.Code != 2 {
		t.Errorf("verify-phone by email: exit %d, %s", res.Code, res.Err)
	}
	if res := e.Run("otp", "send", "alice", "--purpose", "signup"); res.Code != 4 || !strings.Contains(res.Err, "already activated") {
		t.Errorf("signup of an active account: exit %d, %s", res.Code, res.Err)
	}

	// Without delivery: exit 2 before anything is made.
	e.Defaults[cmdutil.KeyOutbox] = ""
	e.Clock.Advance(time.Hour)
	res = e.Run("otp", "send", phone, "--purpose", "verify-phone")
	if res.Code != 2 || !strings.Contains(res.Err, "sms delivery is not configured") {
		t.Errorf("no delivery: exit %d, %s", res.Code, res.Err)
	}
}

func TestAttempts(t *testing.T) {
	t.Parallel()
	e, outbox, _ := setup(t)
	e.MustRun("otp", "send", phone, "--purpose", "verify-phone")
	code := lastCode(t, outbox, "sms", phone)
	for i := 4; i >= 0; i-- {
		res := verify(e, phone, "verify-phone", wrong(code))
		if res.Code != 5 {
			t.Fatalf("wrong code: exit %d, %s", res.Code, res.Err)
		}
		if i > 0 && !strings.Contains(res.Err, fmt.Sprintf("(%d attempt", i)) {
			t.Errorf("try %d: %s", 5-i, res.Err)
		}
		if i == 0 && !strings.Contains(res.Err, "no attempts left") {
			t.Errorf("last try: %s", res.Err)
		}
	}
	res := verify(e, phone, "verify-phone", code)
	if res.Code != 5 {
		t.Fatalf("right code after the cap: exit %d, %s", res.Code, res.Err)
	}
	if u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json")); u.PhoneVerified {
		t.Error("phone verified by a void code")
	}
	// A new code works.
	e.Clock.Advance(time.Minute)
	e.MustRun("otp", "send", phone, "--purpose", "verify-phone")
	if res := verify(e, phone, "verify-phone", lastCode(t, outbox, "sms", phone)); res.Code != 0 {
		t.Errorf("new code: exit %d, %s", res.Code, res.Err)
	}
}

func TestVerifyInput(t *testing.T) {
	t.Parallel()
	e, outbox, _ := setup(t)
	e.MustRun("otp", "send", phone, "--purpose", "verify-phone")
	code := lastCode(t, outbox, "sms", phone)

	// Not a terminal and no --code-stdin.
	if res := e.Run("otp", "verify", phone, "--purpose", "verify-phone"); res.Code != 2 || !strings.Contains(res.Err, "--code-stdin") {
		t.Errorf("no source: exit %d, %s", res.Code, res.Err)
	}
	// Not 6 digits.
	if res := verify(e, phone, "verify-phone", "12345"); res.Code != 2 {
		t.Errorf("5 digits: exit %d, %s", res.Code, res.Err)
	}
	if res := verify(e, phone, "verify-phone", ""); res.Code != 2 || !strings.Contains(res.Err, "nothing on the first line of stdin") {
		t.Errorf("empty: exit %d, %s", res.Code, res.Err)
	}
	// A signup passcode of an active account: exit 4, as the help says.
	if res := verify(e, phone, "signup", code); res.Code != 4 || !strings.Contains(res.Err, "already activated") {
		t.Errorf("signup of an active account: exit %d, %s", res.Code, res.Err)
	}
	// On a terminal, asked without echo.
	res := e.RunWith(cmdtest.TTY(code+"\n"), "otp", "verify", "alice", "--purpose", "verify-phone")
	if res.Code != 0 || res.Err != "Passcode: \n" || !strings.Contains(res.Out, "phone_verified:  true\n") {
		t.Errorf("terminal: exit %d, %q, %q", res.Code, res.Out, res.Err)
	}
}

// TestSignup activates a pending account with a signup passcode.
func TestSignup(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	e.Defaults[cmdutil.KeyOutbox] = outbox
	e.Defaults[cmdutil.KeySignupVerify] = "phone"
	u := e.Register("--phone", phone)
	if u.Status != acct.StatusPending {
		t.Fatalf("registered: %+v", u)
	}
	code := lastCode(t, outbox, "sms", phone)
	if res := e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "session", "create", phone, "--password-stdin"); res.Code != 6 {
		t.Fatalf("login while pending: exit %d, %s", res.Code, res.Err)
	}
	res := verify(e, phone, "signup", code, "-o", "json")
	if res.Code != 0 {
		t.Fatalf("verify: exit %d, %s", res.Code, res.Err)
	}
	if got := cmdtest.DecodeJSON[acct.User](t, res.Out); got.Status != acct.StatusActive || !got.PhoneVerified {
		t.Errorf("after verify: %+v", got)
	}
	e.Login(phone)
}

// parse runs cmd with args and reports the error of parsing or validation.
func parse(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	return cmd.Execute()
}

func TestParse(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := cmdutil.NewFactory(ios, nil)
	var send *otp.SendOptions
	sendF := func(_ context.Context, o *otp.SendOptions) error { send = o; return nil }
	if err := parse(otp.NewCmdSend(f, sendF), phone, "--purpose", "Recovery"); err != nil || send.Purpose != "recovery" ||
		send.Channel != acct.ChannelSMS || send.Ref != phone {
		t.Errorf("send: %+v, %v", send, err)
	}
	if err := parse(otp.NewCmdSend(f, sendF), "alice", "--purpose", "signup", "--channel", "EMAIL"); err != nil || send.Channel != acct.ChannelEmail {
		t.Errorf("send by email: %+v, %v", send, err)
	}
	var check *otp.VerifyOptions
	verifyF := func(_ context.Context, o *otp.VerifyOptions) error { check = o; return nil }
	if err := parse(otp.NewCmdVerify(f, verifyF), "alice", "--purpose", "signup", "--code-stdin"); err != nil ||
		check.Purpose != "signup" || !check.CodeStdin {
		t.Errorf("verify: %+v, %v", check, err)
	}

	for _, tt := range []struct {
		name string
		cmd  *cobra.Command
		args []string
		want string
	}{
		{"send without purpose", otp.NewCmdSend(f, sendF), []string{phone}, "--purpose is required"},
		{"send, bad purpose", otp.NewCmdSend(f, sendF), []string{phone, "--purpose", "login"}, "unknown purpose"},
		{"send, bad channel", otp.NewCmdSend(f, sendF), []string{phone, "--purpose", "signup", "--channel", "fax"}, "unknown channel"},
		{"send without REF", otp.NewCmdSend(f, sendF), []string{"--purpose", "signup"}, "missing argument REF|PHONE"},
		{"send, code as argument", otp.NewCmdSend(f, sendF), []string{phone, "123456", "--purpose", "signup"}, "too many arguments"},
		{"verify without purpose", otp.NewCmdVerify(f, verifyF), []string{phone}, "--purpose is required"},
		{"verify, recovery", otp.NewCmdVerify(f, verifyF), []string{phone, "--purpose", "recovery"}, "used with the new password"},
		{"verify, code as argument", otp.NewCmdVerify(f, verifyF), []string{phone, "123456", "--purpose", "signup"}, "too many arguments"},
		{"verify, code as flag", otp.NewCmdVerify(f, verifyF), []string{phone, "--code", "123456", "--purpose", "signup"}, "unknown flag"},
	} {
		err := parse(tt.cmd, tt.args...)
		if cmdutil.ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want exit 2 with %q", tt.name, err, tt.want)
		}
	}
	err := parse(otp.NewCmdVerify(f, verifyF), phone, "--purpose", "recovery")
	if h := cmdutil.Hint(err); h != "acctl password reset --phone PHONE" {
		t.Errorf("recovery hint: %q", h)
	}
}
