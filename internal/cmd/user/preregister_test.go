package user_test

import (
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/user"
)

func TestPreregister(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	if got := e.MustRun("user", "preregister", "Carol@Example.com"); got != "1\tcarol@example.com\t2026-03-01T12:00:00Z\ttester\n" {
		t.Errorf("piped preregister: %q", got)
	}
	p := cmdtest.DecodeJSON[acct.Preregistration](t, e.MustRun("user", "preregister", "dave@example.com", "-o", "json"))
	if p.ID != 2 || p.Email != "dave@example.com" || p.CreatedBy != "tester" || !p.CreatedAt.Equal(cmdtest.Start) {
		t.Errorf("json preregister: %+v", p)
	}
	got := e.MustRunWith(cmdtest.TTY(""), "user", "preregister", "erin@example.com")
	for _, line := range []string{"id:          3", "email:       erin@example.com", "created_by:  tester"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("TTY preregister lacks %q:\n%s", line, got)
		}
	}

	// On the list already, or an account's address: exit 4.
	res := e.Run("user", "preregister", "CAROL@example.com")
	if res.Code != 4 || res.Err != "acctl: carol@example.com is already on the waiting list\n" {
		t.Errorf("twice: %+v", res)
	}
	e.Register("--email", "frank@example.com")
	res = e.Run("user", "preregister", "frank@example.com", "-o", "json")
	if res.Code != 4 || !strings.Contains(res.Err, `"code":"conflict"`) || !strings.Contains(res.Err, `"field":"email"`) {
		t.Errorf("an account's address: %+v", res)
	}
	for _, args := range [][]string{
		{"user", "preregister"},
		{"user", "preregister", "a@example.com", "b@example.com"},
		{"user", "preregister", "not an address"},
	} {
		if res := e.Run(args...); res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}

	// The list; registering an address takes it off.
	list := func(args ...string) []acct.Preregistration {
		t.Helper()
		return cmdtest.DecodeJSON[[]acct.Preregistration](t, e.MustRun(append([]string{"user", "preregistered", "-o", "json"}, args...)...))
	}
	if ps := list(); len(ps) != 3 || ps[0].Email != "carol@example.com" || ps[2].Email != "erin@example.com" {
		t.Fatalf("list: %+v", ps)
	}
	e.Register("--email", "dave@example.com")
	if ps := list(); len(ps) != 2 || ps[0].Email != "carol@example.com" || ps[1].Email != "erin@example.com" {
		t.Fatalf("after dave registered: %+v", ps)
	}

	// Pages: the next page's command on stderr, stdout only the entries.
	res = e.Run("user", "preregistered", "--limit", "1")
	if res.Code != 0 || res.Out != "1\tcarol@example.com\t2026-03-01T12:00:00Z\ttester\n" ||
		res.Err != "next page: acctl user preregistered --limit 1 --cursor 1\n" {
		t.Errorf("first page: %+v", res)
	}
	if ps := list("--limit", "1", "--cursor", "1"); len(ps) != 1 || ps[0].Email != "erin@example.com" {
		t.Errorf("second page: %+v", ps)
	}
	// A script pages without stderr: --all, or the cursor as data.
	all := e.MustRun("user", "preregistered")
	if res := e.Run("user", "preregistered", "--limit", "1", "--all"); res.Code != 0 || res.Out != all || res.Err != "" {
		t.Errorf("--all tsv, an entry a page: %+v, want %q", res, all)
	}
	if res := e.Run("user", "preregistered", "--limit", "1", "--all", "-o", "json"); res.Code != 0 || res.Err != "" ||
		res.Out != e.MustRun("user", "preregistered", "-o", "json") {
		t.Errorf("--all json: %+v", res)
	}
	if out := e.MustRun("user", "preregistered", "--limit", "1", "--all", "-o", "csv"); strings.Count(out, "ID,EMAIL") != 1 || strings.Count(out, "\n") != 3 {
		t.Errorf("--all csv: one header: %q", out)
	}
	res = e.Run("user", "preregistered", "--limit", "1", "-o", "json", "--page-object")
	page := cmdtest.DecodeJSON[user.PreregisteredPage](t, res.Out)
	if res.Err != "" || len(page.Preregistrations) != 1 || page.Preregistrations[0].Email != "carol@example.com" || page.NextCursor != "1" {
		t.Errorf("page object 1: %+v", res)
	}
	res = e.Run("user", "preregistered", "--limit", "1", "-o", "json", "--page-object", "--cursor", page.NextCursor)
	page = cmdtest.DecodeJSON[user.PreregisteredPage](t, res.Out)
	if res.Err != "" || len(page.Preregistrations) != 1 || page.Preregistrations[0].Email != "erin@example.com" || page.NextCursor != "" ||
		!strings.Contains(res.Out, `"next_cursor": ""`) {
		t.Errorf("page object 2: %+v", res)
	}
	// remove: the entry that went; not on the list is exit 3.
	if got := e.MustRun("user", "preregistered", "remove", "ERIN@example.com"); got != "3\terin@example.com\t2026-03-01T12:00:00Z\ttester\n" {
		t.Errorf("remove: %q", got)
	}
	res = e.Run("user", "preregistered", "rm", "erin@example.com", "-o", "json")
	if res.Code != 3 || !strings.Contains(res.Err, `"code":"not_found"`) {
		t.Errorf("remove again: %+v", res)
	}
	if ps := list(); len(ps) != 1 || ps[0].Email != "carol@example.com" {
		t.Errorf("after the removal: %+v", ps)
	}
	for _, args := range [][]string{
		{"user", "preregistered", "remove"},
		{"user", "preregistered", "remove", "not an address"},
		{"user", "preregistered", "--limit", "0"},
		{"user", "preregistered", "--cursor", "x"},
		{"user", "preregistered", "extra"},
		{"user", "preregistered", "--page-object"},
		{"user", "preregistered", "--all", "--page-object", "-o", "json"},
	} {
		if res := e.Run(args...); res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}
}

func TestPreregisteredEmpty(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	if got := e.MustRun("user", "preregistered", "-o", "json"); got != "[]\n" {
		t.Errorf("empty json list: %q", got)
	}
	res := e.RunWith(cmdtest.TTY(""), "user", "preregistered")
	if res.Code != 0 || res.Out != "" || res.Err != "no addresses on the waiting list\n" {
		t.Errorf("empty list on a terminal: %+v", res)
	}
	if out := e.MustRun("user", "preregistered", "-o", "json", "--page-object"); out != "{\n  \"preregistrations\": [],\n  \"next_cursor\": \"\"\n}\n" {
		t.Errorf("empty page object: %q", out)
	}
	if out := e.MustRun("user", "preregistered", "--all", "-o", "json"); out != "[]\n" {
		t.Errorf("--all empty json: %q", out)
	}
	if res := e.RunWith(cmdtest.TTY(""), "user", "preregistered", "--all"); res.Code != 0 || res.Out != "" || res.Err != "no addresses on the waiting list\n" {
		t.Errorf("--all empty on a terminal: %+v", res)
	}
}

func TestRegisterInvite(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	alice := e.Register("--email", "alice@example.com", "--username", "alice")
	if len(alice.ReferralCode) != acct.ReferralCodeLength || alice.Points != 0 || alice.ReferredBy != nil {
		t.Fatalf("alice: %+v", alice)
	}
	code := strings.ToLower(alice.ReferralCode)
	bob := e.Register("--email", "bob@example.com", "--username", "bob", "--invite", code)
	if bob.ReferredBy == nil || *bob.ReferredBy != alice.ID || bob.Points != acct.DefaultNewUserPoints {
		t.Fatalf("bob: %+v", bob)
	}
	got := e.MustRunWith(cmdtest.TTY(""), "user", "get", "bob")
	for _, line := range []string{"referral_code:   " + bob.ReferralCode, "referred_by:     1", "points:          5"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("TTY get lacks %q:\n%s", line, got)
		}
	}
	if a := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json")); a.Points != acct.DefaultReferrerPoints {
		t.Errorf("alice after the invite: %+v", a)
	}

	// Unknown (exit 3), malformed (exit 2): no account either way.
	if alice.ReferralCode == "ZZZZZZZZ" || bob.ReferralCode == "ZZZZZZZZ" {
		t.Skip("drew the unknown code")
	}
	res := e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "user", "register", "--email", "carol@example.com", "--password-stdin", "--invite", "ZZZZ-ZZZZ")
	if res.Code != 3 || res.Err != "acctl: no referral code \"ZZZZZZZZ\"\n" {
		t.Errorf("unknown code: %+v", res)
	}
	res = e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "user", "register", "--email", "carol@example.com", "--password-stdin", "--invite", "abc")
	if res.Code != 2 || !strings.Contains(res.Err, "invite") {
		t.Errorf("malformed code: %+v", res)
	}
	if res := e.Run("user", "get", "carol@example.com"); res.Code != 3 {
		t.Errorf("a refused invite created the account: %+v", res)
	}

	// Configured points: none for the new account.
	e.Defaults["referral.referrer_points"] = 3
	e.Defaults["referral.new_user_points"] = 0
	erin := e.Register("--email", "erin@example.com", "--invite", bob.ReferralCode)
	if erin.Points != 0 || erin.ReferredBy == nil || *erin.ReferredBy != bob.ID {
		t.Errorf("erin: %+v", erin)
	}
	if b := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "bob", "-o", "json")); b.Points != acct.DefaultNewUserPoints+3 {
		t.Errorf("bob after inviting erin: %+v", b)
	}
}
