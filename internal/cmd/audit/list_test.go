package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/audit"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
)

func TestAuditList(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	if out := e.MustRun("audit", "list", "-o", "json"); out != "[]\n" {
		t.Errorf("empty: %q", out)
	}
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Clock.Advance(2 * time.Hour)
	e.Register("--email", "bob@example.com", "--username", "bob")
	e.MustRun("user", "update", "alice", "--first-name", "Alice")
	e.MustRun("user", "unregister", "bob", "--yes", "--hold", "1d")

	want := "4\t2026-03-01T14:00:00Z\ttester\tuser.unregister\t2\tok\thold until 2026-03-02T14:00:00Z\n" +
		"3\t2026-03-01T14:00:00Z\ttester\tuser.update\t1\tok\tfields: first_name\n" +
		"2\t2026-03-01T14:00:00Z\ttester\tuser.register\t2\tok\tfields: username, email\n" +
		"1\t2026-03-01T12:00:00Z\ttester\tuser.register\t1\tok\tfields: username, email\n"
	if out := e.MustRun("audit", "list"); out != want {
		t.Errorf("all:\ngot\n%s\nwant\n%s", out, want)
	}

	count := func(args ...string) int {
		t.Helper()
		return len(cmdtest.DecodeJSON[[]acct.Event](t, e.MustRun(append([]string{"audit", "list", "-o", "json"}, args...)...)))
	}
	checks := []struct {
		args []string
		want int
	}{
		{[]string{"--user", "alice"}, 2},
		{[]string{"--user", "bob@example.com", "--action", "user.register"}, 1},
		{[]string{"--action", "user."}, 4},
		{[]string{"--action", "user.update"}, 1},
		{[]string{"--since", "1h"}, 3},
		{[]string{"--since", "2026-03-01T13:00:00Z"}, 3},
		{[]string{"--since", "1d"}, 4},
		{[]string{"--limit", "2"}, 2},
	}
	for _, c := range checks {
		if got := count(c.args...); got != c.want {
			t.Errorf("%v: %d events, want %d", c.args, got, c.want)
		}
	}

	table := e.MustRunWith(cmdtest.TTY(""), "audit", "list", "--limit", "1")
	if !strings.HasPrefix(table, "ID  AT                    ACTOR   ACTION           USER  OUTCOME  DETAIL\n") {
		t.Errorf("table:\n%s", table)
	}

	for _, args := range [][]string{{"--since", "yesterday"}, {"--limit", "0"}, {"extra"}} {
		if res := e.Run(append([]string{"audit", "list"}, args...)...); res.Code != 2 {
			t.Errorf("%v: %+v", args, res)
		}
	}
	if res := e.Run("audit", "list", "--user", "nobody"); res.Code != 3 {
		t.Errorf("unknown user: %+v", res)
	}
}

func TestSinceTime(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"24h", now.Add(-24 * time.Hour)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"2026-01-02T03:04:05Z", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2026-01-02T03:04:05+02:00", time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := audit.SinceTime(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("SinceTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"-1d", "2026-01-02", "soon"} {
		if _, err := audit.SinceTime(in, now); err == nil {
			t.Errorf("SinceTime(%q) succeeded", in)
		}
	}
}

// TestAuditTableFitsTerminal: at 80 columns the table fits, the detail
// shortened with an ellipsis, times and ids whole.
func TestAuditTableFitsTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice.with.a.long.address@example.com", "--username", "alice_the_first", "--first-name", "Alice")
	e.MustRun("user", "lock", "alice_the_first", "--reason", "asked by the security team after a phishing report")
	wide := e.MustRunWith(cmdtest.TTY(""), "audit", "list")
	res := e.RunWith(cmdtest.Run{StdoutTTY: true, Width: 80}, "audit", "list")
	for _, l := range strings.Split(strings.TrimSuffix(res.Out, "\n"), "\n") {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("%d columns: %q", n, l)
		}
	}
	if res.Code != 0 || !strings.Contains(res.Out, "…") || !strings.Contains(res.Out, "2026-03-01T12:00:00Z  tester") ||
		!strings.Contains(res.Out, "user.lock") || strings.Contains(wide, "…") {
		t.Errorf("80 columns:\n%s\nwide:\n%s", res.Out, wide)
	}
}
