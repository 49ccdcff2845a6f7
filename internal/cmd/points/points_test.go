package points_test

import (
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/points"
)

func TestPoints(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	alice := e.Register("--email", "alice@example.com", "--username", "alice")
	bob := e.Register("--email", "bob@example.com", "--username", "bob", "--invite", alice.ReferralCode)

	// show: a tsv line piped, fields on a terminal, the object in JSON.
	if got := e.MustRun("points", "show", "alice"); got != "1\talice\t10\t"+alice.ReferralCode+"\t\n" {
		t.Errorf("piped show: %q", got)
	}
	got := e.MustRunWith(cmdtest.TTY(""), "points", "show", "bob@example.com")
	for _, line := range []string{"user_id:        2", "points:         5", "referral_code:  " + bob.ReferralCode, "referred_by:    1"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("TTY show lacks %q:\n%s", line, got)
		}
	}
	b := cmdtest.DecodeJSON[acct.PointsBalance](t, e.MustRun("points", "show", "2", "-o", "json"))
	if b.UserID != 2 || b.Points != 5 || b.ReferredBy == nil || *b.ReferredBy != 1 || b.ReferralCode != bob.ReferralCode {
		t.Errorf("json show: %+v", b)
	}

	// add: the ledger row; a negative number after "--".
	if got := e.MustRun("points", "add", "alice", "+15", "--reason", "beta tester"); got != "3\t2026-03-01T12:00:00Z\t+15\t25\ttester\tbeta tester\n" {
		t.Errorf("piped add: %q", got)
	}
	pe := cmdtest.DecodeJSON[acct.PointsEntry](t, e.MustRun("points", "add", "alice", "--reason", "voucher", "-o", "json", "--", "-20"))
	if pe.Delta != -20 || pe.Balance != 5 || pe.Reason != "voucher" || pe.Actor != "tester" || pe.UserID != 1 {
		t.Errorf("json add: %+v", pe)
	}

	// Below 0: exit 6, nothing changes.
	res := e.Run("points", "add", "alice", "--reason", "too much", "--", "-6")
	if res.Code != 6 || res.Out != "" || !strings.Contains(res.Err, "negative balance") {
		t.Errorf("overdraw: %+v", res)
	}
	if got := cmdtest.DecodeJSON[acct.PointsBalance](t, e.MustRun("points", "show", "alice", "-o", "json")); got.Points != 5 {
		t.Errorf("balance after a refused change: %d", got.Points)
	}

	// history: newest first; the next page's command on stderr.
	hs := cmdtest.DecodeJSON[[]acct.PointsEntry](t, e.MustRun("points", "history", "alice", "-o", "json"))
	if len(hs) != 3 || hs[0].Delta != -20 || hs[1].Delta != 15 || hs[2].Delta != 10 || !strings.HasPrefix(hs[2].Reason, "referral: ") {
		t.Errorf("history: %+v", hs)
	}
	res = e.Run("points", "history", "alice@example.com", "--limit", "2")
	if res.Code != 0 || strings.Count(res.Out, "\n") != 2 || res.Err != "next page: acctl points history alice@example.com --limit 2 --cursor 3\n" {
		t.Errorf("first page: %+v", res)
	}
	if got := e.MustRun("points", "history", "alice", "--limit", "2", "--cursor", "3"); !strings.HasPrefix(got, "1\t") || strings.Count(got, "\n") != 1 {
		t.Errorf("second page: %q", got)
	}

	// A script pages without stderr: --all, or the cursor as data.
	all := e.MustRun("points", "history", "alice")
	if res := e.Run("points", "history", "alice", "--limit", "1", "--all"); res.Code != 0 || res.Out != all || res.Err != "" {
		t.Errorf("--all tsv, a row a page: %+v, want %q", res, all)
	}
	if res := e.Run("points", "history", "alice", "--limit", "2", "--all", "-o", "json"); res.Code != 0 || res.Err != "" ||
		res.Out != e.MustRun("points", "history", "alice", "-o", "json") {
		t.Errorf("--all json: %+v", res)
	}
	if out := e.MustRun("points", "history", "alice", "--limit", "1", "--all", "-o", "csv"); strings.Count(out, "ID,AT,DELTA") != 1 || strings.Count(out, "\n") != 4 {
		t.Errorf("--all csv: one header: %q", out)
	}
	if out := e.MustRunWith(cmdtest.TTY(""), "points", "history", "alice", "--limit", "2", "--all"); strings.Count(out, "BALANCE_AFTER") != 1 || strings.Count(out, "\n") != 4 {
		t.Errorf("--all table: one header: %q", out)
	}
	res = e.Run("points", "history", "alice", "--limit", "2", "-o", "json", "--page-object")
	page := cmdtest.DecodeJSON[points.HistoryPage](t, res.Out)
	if res.Err != "" || len(page.Entries) != 2 || page.NextCursor != "3" || !strings.Contains(res.Out, `"next_cursor": "3"`) {
		t.Errorf("page object 1: %+v", res)
	}
	res = e.Run("points", "history", "alice", "--limit", "2", "-o", "json", "--page-object", "--cursor", page.NextCursor)
	page = cmdtest.DecodeJSON[points.HistoryPage](t, res.Out)
	if res.Err != "" || len(page.Entries) != 1 || page.Entries[0].Delta != 10 || page.NextCursor != "" || !strings.Contains(res.Out, `"next_cursor": ""`) {
		t.Errorf("page object 2: %+v", res)
	}

	e.Register("--email", "carol@example.com")
	if out := e.MustRun("points", "history", "carol@example.com", "-o", "json", "--page-object"); out != "{\n  \"entries\": [],\n  \"next_cursor\": \"\"\n}\n" {
		t.Errorf("empty page object: %q", out)
	}
	if out := e.MustRun("points", "history", "carol@example.com", "--all", "-o", "json"); out != "[]\n" {
		t.Errorf("--all empty json: %q", out)
	}
	if res := e.RunWith(cmdtest.TTY(""), "points", "history", "carol@example.com", "--all"); res.Code != 0 || res.Err != "no points changes\n" {
		t.Errorf("--all empty on a terminal: %+v", res)
	}
	if got := e.MustRun("points", "history", "carol@example.com", "-o", "json"); got != "[]\n" {
		t.Errorf("empty history: %q", got)
	}
	res = e.RunWith(cmdtest.TTY(""), "points", "history", "carol@example.com")
	if res.Code != 0 || res.Err != "no points changes\n" {
		t.Errorf("empty history on a terminal: %+v", res)
	}

	// The audit trail has every change.
	evs := cmdtest.DecodeJSON[[]acct.Event](t, e.MustRun("audit", "list", "--action", "points.", "-o", "json"))
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action+"/"+string(ev.Outcome))
	}
	if strings.Join(actions, " ") != "points.add/failure points.add/ok points.add/ok points.award/ok points.award/ok" {
		t.Errorf("audit: %v", actions)
	}
}

func TestPointsErrors(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"points", "show", "nobody"}, 3, "acctl: no user \"nobody\"\n"},
		{[]string{"points", "add", "nobody", "5", "--reason", "x"}, 3, ""},
		{[]string{"points", "history", "nobody"}, 3, ""},
		{[]string{"points", "add", "alice", "5"}, 2, "acctl: --reason is required: say why the balance changes\nhint: run 'acctl points add --help' for usage\n"},
		{[]string{"points", "add", "alice", "0", "--reason", "x"}, 2, ""},
		{[]string{"points", "add", "alice", "five", "--reason", "x"}, 2, ""},
		{[]string{"points", "add", "alice", "1.5", "--reason", "x"}, 2, ""},
		{[]string{"points", "add", "alice", "2000000000", "--reason", "x"}, 2, ""},
		{[]string{"points", "add", "alice", "--reason", "x"}, 2, ""},
		{[]string{"points", "add", "alice", "-5", "--reason", "x"}, 2, "acctl: unknown shorthand flag: '5' in -5\nhint: to take points away, put the number after \"--\": acctl points add REF --reason TEXT -- -N\n"},
		{[]string{"points", "history", "alice", "--limit", "0"}, 2, ""},
		{[]string{"points", "history", "alice", "--cursor", "x"}, 2, ""},
		{[]string{"points", "history", "alice", "--page-object"}, 2, "acctl: --page-object: needs -o json (with another format, use --all)\nhint: run 'acctl points history --help' for usage\n"},
		{[]string{"points", "history", "alice", "--page-object", "-o", "csv"}, 2, ""},
		{[]string{"points", "history", "alice", "--all", "--page-object", "-o", "json"}, 2, ""},
		{[]string{"points", "show"}, 2, ""},
	} {
		res := e.Run(c.args...)
		if res.Code != c.code || (c.err != "" && res.Err != c.err) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d %q", c.args, res.Code, res.Err, c.code, c.err)
		}
	}
	// An account on hold gets no points.
	e.MustRun("user", "unregister", "alice", "--yes")
	if res := e.Run("points", "add", "alice", "1", "--reason", "x"); res.Code != 6 {
		t.Errorf("held: %+v", res)
	}
}
