package password_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
)

const phone = "+14155550123"

var passcodeRE = regexp.MustCompile(`\b([0-9]{6})\b`)

// sendRecovery sends a recovery passcode to phone and returns it, read
// from the outbox.
func sendRecovery(t *testing.T, e *cmdtest.Env, outbox string) string {
	t.Helper()
	e.MustRun("otp", "send", phone, "--purpose", "recovery")
	msgs := readOutbox(t, outbox)
	if len(msgs) == 0 {
		t.Fatal("no message")
	}
	m := msgs[len(msgs)-1]
	c := passcodeRE.FindStringSubmatch(m.Body)
	if m.Channel != "sms" || m.To != phone || c == nil {
		t.Fatalf("message: %+v", m)
	}
	return c[1]
}

// otherCode returns a passcode that differs from code in every digit.
func otherCode(code string) string {
	b := []byte(code)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+1)%10
	}
	return string(b)
}

func TestResetByPhone(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	e.Defaults[cmdutil.KeyOutbox] = outbox
	e.Register("--email", "alice@example.com", "--username", "alice", "--phone", phone)
	s := e.Login("alice")
	e.MustRun("otp", "send", phone, "--purpose", "verify-phone")
	verifyCode := passcodeRE.FindStringSubmatch(readOutbox(t, outbox)[0].Body)[1]
	code := sendRecovery(t, e, outbox)

	resetPhone := func(r cmdtest.Run, flags ...string) cmdtest.Result {
		return e.RunWith(r, append([]string{"password", "reset", "--phone", phone}, flags...)...)
	}
	both := []string{"--code-stdin", "--password-stdin"}

	// A wrong passcode: exit 5 with the tries left; a weak password:
	// exit 6. Neither uses the passcode.
	if res := resetPhone(stdin(otherCode(code), newPassword), both...); res.Code != 5 || !strings.Contains(res.Err, "4 attempts left") {
		t.Errorf("wrong passcode: exit %d, %s", res.Code, res.Err)
	}
	if res := resetPhone(stdin(code, "short"), both...); res.Code != 6 {
		t.Errorf("weak password: exit %d, %s", res.Code, res.Err)
	}
	// A verify-phone passcode does not reset a password, nor a reset code;
	// a phone of nobody is not found.
	if verifyCode != code {
		if res := resetPhone(stdin(verifyCode, newPassword), both...); res.Code != 5 {
			t.Errorf("verify-phone passcode: exit %d, %s", res.Code, res.Err)
		}
	}
	if res := resetPhone(stdin("7KQ2-MX9D-4TFA-R1ZC", newPassword), both...); res.Code != 2 {
		t.Errorf("reset code as passcode: exit %d, %s", res.Code, res.Err)
	}
	res := e.RunWith(stdin(code, newPassword), "password", "reset", "--phone", "+14155550199", "--code-stdin", "--password-stdin")
	if res.Code != 3 {
		t.Errorf("phone of nobody: exit %d, %s", res.Code, res.Err)
	}

	// On a terminal: the passcode once, the new password twice.
	res = resetPhone(cmdtest.TTY(code + "\n" + newPassword + "\n" + newPassword + "\n"))
	if res.Code != 0 || res.Err != "Passcode: \nNew password: \nRepeat new password: \n" ||
		!strings.Contains(res.Out, "phone_verified:  true\n") {
		t.Fatalf("terminal: exit %d, %q, %q", res.Code, res.Out, res.Err)
	}
	e.MustRunWith(stdin(newPassword), "password", "verify", "alice", "--password-stdin")
	if res := e.RunWith(stdin(cmdtest.Password), "password", "verify", "alice", "--password-stdin"); res.Code != 5 {
		t.Errorf("old password: exit %d", res.Code)
	}
	if res := e.RunWith(stdin(s.Token), "session", "get", "--token-stdin"); res.Code != 5 {
		t.Errorf("old session: exit %d, %s", res.Code, res.Err)
	}
	// The passcode works once.
	if res := resetPhone(stdin(code, cmdtest.Password), both...); res.Code != 5 {
		t.Errorf("used passcode: exit %d, %s", res.Code, res.Err)
	}

	// With the passcode on stdin and the password in a file.
	e.Clock.Advance(time.Minute)
	code = sendRecovery(t, e, outbox)
	e.MustRunWith(stdin(code), "password", "reset", "--phone", phone, "--code-stdin", "--password-file", writeFile(t, cmdtest.Password+"\n"))
	e.Login("alice")
}
