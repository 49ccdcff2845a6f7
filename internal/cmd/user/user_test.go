package user_test

import (
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/user"
)

func TestRegisterAndGet(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	u := e.Register("--email", "Alice@Example.com", "--username", "alice", "--first-name", "Alice", "--last-name", "Liddell", "--language", "en")
	if u.ID == 0 || u.Email != "alice@example.com" || u.Status != acct.StatusActive || !u.CreatedAt.Equal(cmdtest.Start) {
		t.Fatalf("registered %+v", u)
	}

	// Piped: one tsv line with the list's columns.
	want := "1\talice\talice@example.com\t\tAlice Liddell\tactive\t2026-03-01T12:00:00Z\n"
	for _, ref := range []string{"1", "alice", "ALICE@example.com"} {
		if got := e.MustRun("user", "get", ref); got != want {
			t.Errorf("get %s:\ngot  %q\nwant %q", ref, got, want)
		}
	}

	// On a terminal: every field, one per line.
	got := e.MustRunWith(cmdtest.TTY(""), "user", "get", "alice")
	for _, line := range []string{"id:              1", "username:        alice", "phone:           -", "status:          active", "created_at:      2026-03-01T12:00:00Z"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("TTY get lacks %q:\n%s", line, got)
		}
	}

	// JSON: the acct.User as is.
	j := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "alice", "-o", "json"))
	if j.ID != u.ID || j.LastName != "Liddell" || j.Language != "en" {
		t.Errorf("json get: %+v", j)
	}
}

func TestRegisterPasswordSources(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)

	// A terminal: asked twice, without echo, on stderr.
	res := e.RunWith(cmdtest.TTY(cmdtest.Password+"\n"+cmdtest.Password+"\n"), "user", "register", "--email", "a@example.com")
	if res.Code != 0 || !strings.Contains(res.Err, "Password: ") || !strings.Contains(res.Err, "Repeat password: ") {
		t.Errorf("tty: %+v", res)
	}
	// Different answers.
	res = e.RunWith(cmdtest.TTY(cmdtest.Password+"\nsomething else entirely\n"), "user", "register", "--email", "b@example.com", "-o", "json")
	if res.Code != 2 || !strings.Contains(res.Err, `"field":"password"`) {
		t.Errorf("mismatch: %+v", res)
	}
	// No terminal and no flag.
	res = e.Run("user", "register", "--email", "c@example.com")
	if res.Code != 2 || res.Err != "acctl: password: no terminal to prompt on; use --password-stdin or --password-file\n" {
		t.Errorf("no terminal: %+v", res)
	}
	// A file.
	file := t.TempDir() + "/pw"
	writeFile(t, file, cmdtest.Password+"\n")
	e.MustRun("user", "register", "--email", "d@example.com", "--password-file", file)
	// No password at all.
	e.MustRun("user", "register", "--email", "e@example.com", "--no-password")
	// Conflicting sources.
	for _, args := range [][]string{
		{"--no-password", "--password-stdin"},
		{"--password-stdin", "--password-file", file},
	} {
		res = e.Run(append([]string{"user", "register", "--email", "f@example.com"}, args...)...)
		if res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}
}

func TestRegisterErrors(t *testing.T) {
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
		{"no email or phone", cmdtest.Password, []string{"--username", "bob"}, 2, "an email address or a phone number is required"},
		{"duplicate email", cmdtest.Password, []string{"--email", "alice@example.com"}, 4, ""},
		{"duplicate username", cmdtest.Password, []string{"--email", "x@example.com", "--username", "alice"}, 4, ""},
		{"weak password", "short", []string{"--email", "y@example.com"}, 6, "password refused"},
		{"bad email", cmdtest.Password, []string{"--email", "not-an-email"}, 2, "email"},
		{"argument", cmdtest.Password, []string{"bob"}, 2, "unexpected argument"},
		{"unknown flag", cmdtest.Password, []string{"--password", "x"}, 2, "unknown flag: --password"},
	}
	for _, tt := range tests {
		args := append([]string{"user", "register", "--password-stdin"}, tt.args...)
		res := e.RunWith(cmdtest.Run{Stdin: tt.stdin + "\n"}, args...)
		if res.Code != tt.code || !strings.Contains(res.Err, tt.err) || !strings.HasPrefix(res.Err, "acctl: ") || res.Out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q", tt.name, res.Code, res.Out, res.Err, tt.code, tt.err)
		}
	}
}

func TestGetNotFound(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	res := e.Run("user", "get", "nobody")
	if res.Code != 3 || res.Err != "acctl: no user \"nobody\"\n" || res.Out != "" {
		t.Errorf("text: %+v", res)
	}
	res = e.Run("user", "get", "nobody", "-o", "json")
	want := "acctl: no user \"nobody\"\n" + `{"error":{"code":"not_found","message":"no user \"nobody\"","field":"user"}}` + "\n"
	if res.Code != 3 || res.Err != want {
		t.Errorf("json: %+v", res)
	}
	// Several REFs are answered in JSON lines (many_lookups.txtar); a
	// missing REF, or - beside others, is a usage error.
	for _, args := range [][]string{{"user", "get"}, {"user", "get", "a", "-"}} {
		if res := e.Run(args...); res.Code != 2 || !strings.Contains(res.Err, "hint: run 'acctl user get --help' for usage") {
			t.Errorf("%v: %+v", args, res)
		}
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)

	// Empty is fine: nothing on stdout, [] in JSON, a note on a terminal.
	if out := e.MustRun("user", "list"); out != "" {
		t.Errorf("empty tsv: %q", out)
	}
	if out := e.MustRun("user", "list", "-o", "json"); out != "[]\n" {
		t.Errorf("empty json: %q", out)
	}
	res := e.RunWith(cmdtest.TTY(""), "user", "list")
	if res.Code != 0 || res.Out != "" || res.Err != "no users\n" {
		t.Errorf("empty tty: %+v", res)
	}

	e.Register("--email", "alice@example.com", "--username", "alice", "--first-name", "Alice")
	e.Register("--email", "bob@example.org", "--username", "bob")
	e.Register("--phone", "+12025550123", "--username", "carol")

	want := "1\talice\talice@example.com\t\tAlice\tactive\t2026-03-01T12:00:00Z\n" +
		"2\tbob\tbob@example.org\t\t\tactive\t2026-03-01T12:00:00Z\n" +
		"3\tcarol\t\t+12025550123\t\tactive\t2026-03-01T12:00:00Z\n"
	if out := e.MustRun("user", "list"); out != want {
		t.Errorf("tsv:\ngot\n%s\nwant\n%s", out, want)
	}

	table := e.MustRunWith(cmdtest.TTY(""), "user", "list")
	wantTable := "ID  USERNAME  EMAIL              PHONE         NAME   STATUS  CREATED\n" +
		"1   alice     alice@example.com  -             Alice  active  2026-03-01T12:00:00Z\n" +
		"2   bob       bob@example.org    -             -      active  2026-03-01T12:00:00Z\n" +
		"3   carol     -                  +12025550123  -      active  2026-03-01T12:00:00Z\n"
	if table != wantTable {
		t.Errorf("table:\ngot\n%s\nwant\n%s", table, wantTable)
	}

	csv := e.MustRun("user", "list", "-o", "csv", "--search", "EXAMPLE.com")
	if csv != "ID,USERNAME,EMAIL,PHONE,NAME,STATUS,CREATED\n1,alice,alice@example.com,,Alice,active,2026-03-01T12:00:00Z\n" {
		t.Errorf("csv search: %q", csv)
	}

	users := cmdtest.DecodeJSON[[]acct.User](t, e.MustRun("user", "list", "-o", "json"))
	if len(users) != 3 || users[2].Username != "carol" {
		t.Errorf("json: %+v", users)
	}

	// Pages: the next page's command on stderr, stdout clean.
	res = e.Run("user", "list", "--limit", "2")
	if res.Code != 0 || strings.Count(res.Out, "\n") != 2 || res.Err != "next page: acctl user list --limit 2 --cursor 2\n" {
		t.Errorf("page 1: %+v", res)
	}
	res = e.Run("user", "list", "--limit", "2", "--cursor", "2")
	if res.Code != 0 || !strings.HasPrefix(res.Out, "3\tcarol") || res.Err != "" {
		t.Errorf("page 2: %+v", res)
	}

	// A script pages without stderr: --all, or the cursor as data.
	if res := e.Run("user", "list", "--limit", "2", "--all"); res.Code != 0 || res.Out != want || res.Err != "" {
		t.Errorf("--all tsv: %+v", res)
	}
	if res := e.Run("user", "list", "--limit", "1", "--all", "-o", "json"); res.Code != 0 || res.Err != "" ||
		res.Out != e.MustRun("user", "list", "-o", "json") {
		t.Errorf("--all json, a page an account: %+v", res)
	}
	if out := e.MustRun("user", "list", "--limit", "2", "--all", "-o", "csv"); strings.Count(out, "ID,USERNAME") != 1 || strings.Count(out, "\n") != 4 {
		t.Errorf("--all csv: one header: %q", out)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "user", "list", "--limit", "2", "--all"); strings.Count(out, "USERNAME") != 1 || strings.Count(out, "\n") != 4 {
		t.Errorf("--all table: one header: %q", out)
	}
	if out := e.MustRun("user", "list", "--status", "held", "--all", "-o", "json"); out != "[]\n" {
		t.Errorf("--all empty json: %q", out)
	}
	res = e.Run("user", "list", "--limit", "2", "-o", "json", "--page-object")
	page := cmdtest.DecodeJSON[user.UserListPage](t, res.Out)
	if res.Err != "" || len(page.Users) != 2 || page.NextCursor != "2" || !strings.Contains(res.Out, `"next_cursor": "2"`) {
		t.Errorf("page object 1: %+v", res)
	}
	res = e.Run("user", "list", "--limit", "2", "-o", "json", "--page-object", "--cursor", page.NextCursor)
	page = cmdtest.DecodeJSON[user.UserListPage](t, res.Out)
	if res.Err != "" || len(page.Users) != 1 || page.NextCursor != "" || !strings.Contains(res.Out, `"next_cursor": ""`) {
		t.Errorf("page object 2: %+v", res)
	}
	if out := e.MustRun("user", "list", "--status", "held", "-o", "json", "--page-object"); out != "{\n  \"users\": [],\n  \"next_cursor\": \"\"\n}\n" {
		t.Errorf("empty page object: %q", out)
	}

	if out := e.MustRun("user", "list", "--status", "held"); out != "" {
		t.Errorf("held: %q", out)
	}
	for _, args := range [][]string{
		{"--status", "gone"}, {"--limit", "0"}, {"--limit", "many"}, {"extra"}, {"--cursor", "zz"},
		{"--page-object"}, {"--page-object", "-o", "csv"}, {"--all", "--page-object", "-o", "json"},
	} {
		if res := e.Run(append([]string{"user", "list"}, args...)...); res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice", "--admin", "--phone", "+12025550123")
	e.Clock.Advance(time.Hour)

	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "update", "alice", "--first-name", "Alice", "--admin=false", "--phone", "", "-o", "json"))
	if u.FirstName != "Alice" || u.Admin || u.Phone != "" || u.Email != "alice@example.com" || !u.UpdatedAt.Equal(cmdtest.Start.Add(time.Hour)) {
		t.Errorf("updated: %+v", u)
	}
	if res := e.Run("user", "update", "alice"); res.Code != 2 || !strings.Contains(res.Err, "nothing to update") {
		t.Errorf("nothing: %+v", res)
	}
	if res := e.Run("user", "update", "alice", "--email", ""); res.Code != 2 {
		t.Errorf("clearing the last contact: %+v", res)
	}
	if res := e.Run("user", "update", "nobody", "--first-name", "X"); res.Code != 3 {
		t.Errorf("unknown user: %+v", res)
	}
}

func TestUnregisterRestorePurge(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	alice := e.Register("--email", "alice@example.com", "--username", "alice")
	bob := e.Register("--email", "bob@example.com", "--username", "bob")
	carol := e.Register("--email", "carol@example.com")

	// Not on a terminal: --yes is required.
	res := e.Run("user", "unregister", "alice")
	if res.Code != 2 || !strings.Contains(res.Err, "use --yes to confirm when not on a terminal") {
		t.Errorf("without --yes: %+v", res)
	}

	// The default hold comes from the config (14d).
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "unregister", "alice", "--yes", "-o", "json"))
	if u.Status != acct.StatusHeld || u.HoldUntil == nil || !u.HoldUntil.Equal(cmdtest.Start.Add(14*24*time.Hour)) {
		t.Errorf("held: %+v", u)
	}
	if res := e.Run("user", "unregister", "alice", "--yes"); res.Code != 4 {
		t.Errorf("again: %+v", res)
	}
	if res := e.Run("user", "update", "alice", "--first-name", "A"); res.Code != 6 {
		t.Errorf("update on hold: %+v", res)
	}

	// A terminal asks for the name.
	res = e.RunWith(cmdtest.TTY("bob\n"), "user", "unregister", "bob", "--hold", "1d")
	if res.Code != 0 || !strings.Contains(res.Err, `Type "bob" to confirm`) || !strings.Contains(res.Out, "hold_until:      2026-03-02T12:00:00Z") {
		t.Errorf("tty confirm: %+v", res)
	}
	res = e.RunWith(cmdtest.TTY("bob\n"), "user", "unregister", "carol@example.com")
	if res.Code != 6 || !strings.Contains(res.Err, `Type "carol@example.com" to confirm`) {
		t.Errorf("tty wrong answer: %+v", res)
	}

	// Restore.
	u = cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "restore", "bob", "-o", "json"))
	if u.Status != acct.StatusActive || u.HoldUntil != nil {
		t.Errorf("restored: %+v", u)
	}
	if res := e.Run("user", "restore", "bob"); res.Code != 4 {
		t.Errorf("restore an active user: %+v", res)
	}
	e.MustRun("user", "unregister", "bob", "--hold", "1d", "--yes")
	// A hold is a positive duration: to erase at once, --purge.
	for _, hold := range []string{"0s", "0", "-1h"} {
		if res := e.Run("user", "unregister", "carol@example.com", "--hold="+hold, "--yes"); res.Code != 2 || !strings.Contains(res.Err, "--purge erases") {
			t.Errorf("--hold %s: %+v", hold, res)
		}
	}
	e.MustRun("user", "unregister", "carol@example.com", "--hold", "1s", "--yes")
	e.Clock.Advance(time.Second)

	// A hold that ran out: shown, no restore (exit 6), no login.
	if out := e.MustRunWith(cmdtest.TTY(""), "user", "get", "carol@example.com"); !strings.Contains(out, "(ran out") {
		t.Errorf("user get after the hold ran out: %q", out)
	}
	if u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "get", "carol@example.com", "-o", "json")); u.Status != acct.StatusHeld || !u.HoldExpired {
		t.Errorf("user get -o json after the hold ran out: %+v", u)
	}
	if res := e.Run("user", "restore", "carol@example.com"); res.Code != 6 || !strings.Contains(res.Err, "ran out on ") {
		t.Errorf("restore after the hold ran out: %+v", res)
	}

	// Purge: only the accounts whose hold ran out.
	res = e.RunWith(cmdtest.TTY(""), "user", "purge", "--dry-run")
	if res.Code != 0 || res.Out != "would purge 1 account: "+itoa(carol.ID)+"\n" {
		t.Errorf("dry run tty: %+v", res)
	}
	e.Clock.Advance(2 * 24 * time.Hour)
	if out := e.MustRun("user", "purge", "--dry-run"); out != itoa(bob.ID)+"\n"+itoa(carol.ID)+"\n" {
		t.Errorf("dry run piped: %q", out)
	}
	r := cmdtest.DecodeJSON[acct.PurgeResult](t, e.MustRun("user", "purge", "-o", "json"))
	if r.DryRun || len(r.Purged) != 2 || r.Purged[0] != bob.ID || r.Purged[1] != carol.ID {
		t.Errorf("purge: %+v", r)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "user", "purge"); out != "purged 0 accounts\n" {
		t.Errorf("purge again: %q", out)
	}
	if out := e.MustRun("user", "purge", "-o", "json"); out != "{\n  \"dry_run\": false,\n  \"purged\": []\n}\n" {
		t.Errorf("purge nothing json: %q", out)
	}
	if res := e.Run("user", "restore", itoa(bob.ID)); res.Code != 4 {
		t.Errorf("restore purged: %+v", res)
	}
	if got := e.MustRun("user", "list", "--status", "deleted"); strings.Count(got, "\n") != 2 {
		t.Errorf("tombstones: %q", got)
	}

	// --purge erases at once.
	u = cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "unregister", "alice", "--purge", "--yes", "-o", "json"))
	if u.ID != alice.ID || u.Status != acct.StatusDeleted || u.Email != "" {
		t.Errorf("purged at once: %+v", u)
	}
}

func TestUnregisterHoldFromConfig(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Defaults["deletion.hold"] = "36h"
	e.Register("--email", "alice@example.com")
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "unregister", "1", "--yes", "-o", "json"))
	if u.HoldUntil == nil || !u.HoldUntil.Equal(cmdtest.Start.Add(36*time.Hour)) {
		t.Errorf("hold: %+v", u)
	}
}

func TestLockUnlock(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "bob@example.com", "--username", "bob")
	e.Login("alice")

	// Until unlocked, with a reason: the sessions end, a login is exit 6.
	res := e.RunWith(cmdtest.TTY(""), "user", "lock", "alice", "--reason", "suspected takeover")
	for _, line := range []string{"status:          locked", "locked_until:    until unlocked", "lock_reason:     suspected takeover"} {
		if res.Code != 0 || !strings.Contains(res.Out, line+"\n") {
			t.Errorf("lock lacks %q: %+v", line, res)
		}
	}
	if out := e.MustRun("session", "list", "--user", "alice"); out != "" {
		t.Errorf("sessions after a lock: %q", out)
	}
	res = e.RunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "session", "create", "alice", "--password-stdin")
	if res.Code != 6 || !strings.Contains(res.Err, "locked") || !strings.Contains(res.Err, "suspected takeover") {
		t.Errorf("login while locked: %+v", res)
	}
	u := cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "unlock", "alice", "-o", "json"))
	if u.Status != acct.StatusActive || u.LockedUntil != nil || u.LockReason != "" {
		t.Errorf("unlocked: %+v", u)
	}
	if res := e.Run("user", "unlock", "alice"); res.Code != 4 {
		t.Errorf("unlock an unlocked user: %+v", res)
	}
	e.Login("alice")

	// --until: a duration from now, or a time.
	u = cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "lock", "bob", "--until", "2h", "-o", "json"))
	if u.Status != acct.StatusLocked || u.LockedUntil == nil || !u.LockedUntil.Equal(cmdtest.Start.Add(2*time.Hour)) {
		t.Errorf("--until 2h: %+v", u)
	}
	e.MustRun("user", "unlock", "bob")
	u = cmdtest.DecodeJSON[acct.User](t, e.MustRun("user", "lock", "bob", "--until", "2026-04-01T00:00:00Z", "-o", "json"))
	if u.LockedUntil == nil || !u.LockedUntil.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("--until time: %+v", u)
	}
	for _, args := range [][]string{
		{"user", "lock", "bob", "--until", "soon"},
		{"user", "lock", "bob", "--until", "-1h"},
		{"user", "lock", "bob", "--until", "2020-01-01T00:00:00Z"},
		{"user", "lock"},
		{"user", "unlock"},
	} {
		if res := e.Run(args...); res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}
	if res := e.Run("user", "lock", "nobody"); res.Code != 3 {
		t.Errorf("lock nobody: %+v", res)
	}

	// The audit trail has both.
	events := cmdtest.DecodeJSON[[]acct.Event](t, e.MustRun("audit", "list", "--user", "alice", "--action", "user.", "-o", "json"))
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action+" "+string(ev.Outcome))
	}
	if got := strings.Join(actions, ", "); got != "user.unlock failure, user.unlock ok, user.lock ok, user.register ok" {
		t.Errorf("audit: %s", got)
	}
}

func TestRegisterForeign(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)

	// No password asked, no email or phone needed.
	res := e.Run("user", "register", "--foreign", "github:12345", "-o", "json")
	u := cmdtest.DecodeJSON[acct.User](t, res.Out)
	if res.Code != 0 || u.Foreign != "github:12345" || u.HasPassword || u.Email != "" || u.Phone != "" {
		t.Errorf("foreign: %+v", res)
	}
	got := e.MustRunWith(cmdtest.TTY(""), "user", "get", itoa(u.ID))
	for _, line := range []string{"foreign:         github:12345", "has_password:    false", "failed_logins:   0", "locked_until:    -"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("get lacks %q:\n%s", line, got)
		}
	}

	// A password too, when a flag gives one.
	e.MustRunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "user", "register", "--foreign", "gitlab:7", "--email", "g@example.com", "--password-stdin")
	if out := e.MustRun("user", "get", "g@example.com", "-o", "json"); !strings.Contains(out, `"has_password": true`) {
		t.Errorf("foreign with a password: %s", out)
	}

	if res := e.Run("user", "register", "--foreign", "github:12345"); res.Code != 4 {
		t.Errorf("the same identity twice: %+v", res)
	}
	if res := e.Run("user", "register", "--foreign", "no-colon"); res.Code != 2 {
		t.Errorf("bad identity: %+v", res)
	}
	// Without --foreign an email or a phone is still required, and the hint says so.
	res = e.Run("user", "register", "--username", "x", "--no-password")
	if res.Code != 2 || !strings.Contains(res.Err, "--foreign ORIGIN:SUBJECT") {
		t.Errorf("no contact: %+v", res)
	}
}
