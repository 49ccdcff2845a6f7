package user_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmdutil"
)

// activationLink is the key in an activation link of the outbox.
var activationLink = regexp.MustCompile(`https://accounts\.example\.com/activate\?confirm=([0-9A-Z]{28})\b`)

// lastActivationKey returns the key of the last activation link in the
// outbox file, and the address it went to.
func lastActivationKey(t *testing.T, outbox string) (key, to string) {
	t.Helper()
	f, err := os.Open(outbox)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Channel, To, Subject, Body string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if k := activationLink.FindStringSubmatch(m.Body); k != nil && m.Channel == "email" {
			key, to = k[1], m.To
		}
	}
	if key == "" {
		t.Fatal("no activation link in the outbox")
	}
	return key, to
}

// pendingEnv is an installation that sends activation links to an outbox
// file.
func pendingEnv(t *testing.T) (*cmdtest.Env, string) {
	e := cmdtest.New(t)
	outbox := filepath.Join(t.TempDir(), "outbox.jsonl")
	e.Defaults[cmdutil.KeyOutbox] = outbox
	e.Defaults[cmdutil.KeyPublicURL] = "https://accounts.example.com/activate"
	return e, outbox
}

func TestRegisterPending(t *testing.T) {
	t.Parallel()
	e, outbox := pendingEnv(t)

	// --pending: a pending account, and a link by email.
	u := e.Register("--email", "carol@example.com", "--pending")
	if u.Status != acct.StatusPending || u.EmailVerified {
		t.Fatalf("registered: %+v", u)
	}
	key, to := lastActivationKey(t, outbox)
	if to != "carol@example.com" {
		t.Errorf("link sent to %s", to)
	}
	// A pending account does not log in before its activation (by
	// default), unless an operator turns login.require_verified off.
	res := e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "session", "create", "carol@example.com", "--password-stdin")
	if res.Code != 6 || !strings.Contains(res.Err, "not verified") {
		t.Fatalf("login while pending: exit %d, %s", res.Code, res.Err)
	}
	e.Defaults[cmdutil.KeyRequireVerified] = "false"
	e.Login("carol@example.com")
	e.Defaults[cmdutil.KeyRequireVerified] = "true"

	// Activated by the key as the argument.
	out := e.MustRun("user", "activate", key, "-o", "json")
	if got := cmdtest.DecodeJSON[acct.User](t, out); got.Status != acct.StatusActive || !got.EmailVerified || got.ID != u.ID {
		t.Errorf("activated: %+v", got)
	}
	e.Login("carol@example.com")

	// Again: already activated.
	if res := e.Run("user", "activate", key); res.Code != 4 || !strings.Contains(res.Err, "already activated") {
		t.Errorf("again: exit %d, %s", res.Code, res.Err)
	}
	// A garbage key, of the right shape or not.
	for _, k := range []string{"garbage", strings.Repeat("A", 28)} {
		if res := e.Run("user", "activate", k); res.Code != 5 || !strings.Contains(res.Err, "invalid or outdated activation key") {
			t.Errorf("key %s: exit %d, %s", k, res.Code, res.Err)
		}
	}
	// Nothing to send to an active account.
	if res := e.Run("user", "activate", "--send", "carol@example.com"); res.Code != 4 {
		t.Errorf("send to an active account: exit %d, %s", res.Code, res.Err)
	}
}

func TestSignupVerifyEmail(t *testing.T) {
	t.Parallel()
	e, outbox := pendingEnv(t)
	e.Defaults[cmdutil.KeySignupVerify] = "email"

	// Every new account is pending, and pending accounts cannot log in.
	res := e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n", StderrTTY: true}, "user", "register", "--email", "dave@example.com", "--password-stdin")
	if res.Code != 0 || !strings.Contains(res.Out, "\tpending\t") || !strings.Contains(res.Err, "User 1 is pending: an activation link was sent to dave@example.com") {
		t.Fatalf("register: exit %d, %q, %q", res.Code, res.Out, res.Err)
	}
	res = e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "session", "create", "dave@example.com", "--password-stdin")
	if res.Code != 6 {
		t.Fatalf("login while pending: exit %d, %s", res.Code, res.Err)
	}
	// An account without an email cannot be activated by a link.
	res = e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "user", "register", "--phone", "+14155550123", "--password-stdin")
	if res.Code != 2 || !strings.Contains(res.Err, "email") {
		t.Errorf("no email: exit %d, %s", res.Code, res.Err)
	}

	// The link is sent again: the older one is void.
	old, _ := lastActivationKey(t, outbox)
	e.Clock.Advance(time.Hour)
	out := e.MustRunWith(cmdtest.TTY(""), "user", "activate", "--send", "dave@example.com")
	if !regexp.MustCompile(`^sent activation link cod_[0-9a-z]+ to dave@example.com; it works once, until 2026-03-02T13:00:00Z\n$`).MatchString(out) {
		t.Errorf("send, terminal: %q", out)
	}
	key, _ := lastActivationKey(t, outbox)
	if key == old {
		t.Fatal("the same key twice")
	}
	if strings.Contains(out, key) {
		t.Errorf("the key was printed: %q", out)
	}
	if res := e.Run("user", "activate", old); res.Code != 5 {
		t.Errorf("voided key: exit %d, %s", res.Code, res.Err)
	}
	// Piped and JSON output of a send.
	e.Clock.Advance(time.Minute)
	out = e.MustRun("user", "activate", "--send", "1")
	if f := strings.Split(strings.TrimSpace(out), "\t"); len(f) != 4 || f[1] != "1" || f[2] != "dave@example.com" || f[3] != "2026-03-02T13:01:00Z" {
		t.Errorf("send, piped: %q", out)
	}
	e.Clock.Advance(time.Minute)
	sent := cmdtest.DecodeJSON[acct.ActivationSent](t, e.MustRun("user", "activate", "--send", "1", "-o", "json"))
	if sent.To != "dave@example.com" || sent.UserID != 1 {
		t.Errorf("send, json: %+v", sent)
	}
	key, _ = lastActivationKey(t, outbox)

	// The key on stdin, then the login works.
	e.MustRunWith(cmdtest.Run{Stdin: key + "\n"}, "user", "activate", "--key-stdin")
	e.Login("dave@example.com")

	// Sending to nobody.
	if res := e.Run("user", "activate", "--send", "nobody@example.com"); res.Code != 3 {
		t.Errorf("send to nobody: exit %d, %s", res.Code, res.Err)
	}
}

func TestActivateExpired(t *testing.T) {
	t.Parallel()
	e, outbox := pendingEnv(t)
	e.Defaults[cmdutil.KeyActivationTTL] = "1h"
	e.Register("--email", "erin@example.com", "--pending")
	key, _ := lastActivationKey(t, outbox)
	e.Clock.Advance(time.Hour)
	if res := e.Run("user", "activate", key); res.Code != 5 || !strings.Contains(res.Err, "expired") {
		t.Errorf("expired key: exit %d, %s", res.Code, res.Err)
	}
	// On a terminal the key is asked.
	e.MustRun("user", "activate", "--send", "erin@example.com")
	key, _ = lastActivationKey(t, outbox)
	res := e.RunWith(cmdtest.TTY(strings.ToLower(key)+"\n"), "user", "activate")
	if res.Code != 0 || res.Err != "Activation key: \n" || !strings.Contains(res.Out, "status:          active\n") {
		t.Errorf("terminal: exit %d, %q, %q", res.Code, res.Out, res.Err)
	}
}

func TestRegisterPendingNeedsDelivery(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	// No delivery: exit 2, and no account.
	res := e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "user", "register", "--email", "a@example.com", "--pending", "--password-stdin")
	if res.Code != 2 || !strings.Contains(res.Err, "email delivery is not configured") {
		t.Errorf("no delivery: exit %d, %s", res.Code, res.Err)
	}
	// An outbox but no public_url: exit 2 too.
	e.Defaults[cmdutil.KeyOutbox] = filepath.Join(t.TempDir(), "outbox.jsonl")
	res = e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "user", "register", "--email", "a@example.com", "--pending", "--password-stdin")
	if res.Code != 2 || !strings.Contains(res.Err, "public_url") {
		t.Errorf("no public_url: exit %d, %s", res.Code, res.Err)
	}
	if res := e.Run("user", "get", "a@example.com"); res.Code != 3 {
		t.Errorf("an account was made: exit %d, %s", res.Code, res.Out)
	}
	// Without an email, --pending sends a signup passcode by SMS.
	u := e.Register("--phone", "+14155550123", "--pending")
	if u.Status != acct.StatusPending {
		t.Errorf("by phone: %+v", u)
	}
	// A pending account is no concern of a registration without --pending.
	if u := e.Register("--email", "b@example.com"); u.Status != acct.StatusActive {
		t.Errorf("not pending: %+v", u)
	}
}
