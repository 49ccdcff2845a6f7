package root_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
)

// complete runs cobra's __complete as a shell does and returns the
// candidates (without descriptions) and the directive line.
func complete(t *testing.T, e *cmdtest.Env, args ...string) (candidates []string, directive string) {
	t.Helper()
	res := e.Run(append([]string{"__complete"}, args...)...)
	if res.Code != 0 {
		t.Fatalf("__complete %v: %+v", args, res)
	}
	lines := strings.Split(strings.TrimSuffix(res.Out, "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// The directives of cobra's __complete.
const (
	fileComp   = ":0" // the shell completes file names
	noFileComp = ":4"
)

func TestCompleteUserRefs(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice", "--first-name", "Alice")
	e.Register("--email", "albert@example.org")
	e.Register("--email", "bob@example.com", "--phone", "+12025550123", "--first-name", "Alicia")

	got, dir := complete(t, e, "user", "get", "AL")
	want := []string{"alice\tid 1 Alice", "alice@example.com\tid 1 Alice", "albert@example.org\tid 2"}
	if fmt.Sprint(got) != fmt.Sprint(want) || dir != noFileComp {
		t.Errorf("user get AL: %q %s, want %q", got, dir, want)
	}
	// A prefix, not a substring, and never a name.
	if got, dir := complete(t, e, "password", "set", "lice"); len(got) != 0 || dir != noFileComp {
		t.Errorf("password set lice: %q %s", got, dir)
	}
	if got, _ := complete(t, e, "points", "show", "+1202"); fmt.Sprint(got) != fmt.Sprint([]string{"+12025550123\tid 3 Alicia"}) {
		t.Errorf("points show +1202: %q", got)
	}
	// The second argument is not a REF; nor are file names offered.
	if got, dir := complete(t, e, "user", "email", "add", "alice", ""); len(got) != 0 || dir != noFileComp {
		t.Errorf("user email add alice: %q %s", got, dir)
	}
	// A --user flag completes REFs too.
	if got, dir := complete(t, e, "session", "list", "--user", "bo"); fmt.Sprint(got) != fmt.Sprint([]string{"bob@example.com\tid 3 Alicia"}) || dir != noFileComp {
		t.Errorf("session list --user bo: %q %s", got, dir)
	}
}

// At most MaxCompletions candidates, however many accounts match.
func TestCompleteUserRefsBounded(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	for i := range root.MaxCompletions + 5 {
		e.MustRun("user", "register", "--email", fmt.Sprintf("u%02d@example.com", i), "--no-password")
	}
	if got, _ := complete(t, e, "user", "get", "u"); len(got) != root.MaxCompletions {
		t.Errorf("%d candidates, want %d", len(got), root.MaxCompletions)
	}
}

func TestCompleteKeysAndSessions(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.MustRun("apikey", "create", "ops", "--role", "admin")
	e.MustRun("apikey", "create", "old", "--role", "auditor")
	e.MustRun("apikey", "create", "support-desk", "--role", "support")
	e.MustRun("apikey", "revoke", "old", "--yes")
	if got, dir := complete(t, e, "apikey", "revoke", "o"); fmt.Sprint(got) != fmt.Sprint([]string{"ops\tadmin"}) || dir != noFileComp {
		t.Errorf("apikey revoke o: %q %s", got, dir)
	}

	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Register("--email", "bob@example.com", "--username", "bob")
	a := e.Login("alice", "--label", "laptop")
	b := e.Login("bob")
	got, dir := complete(t, e, "session", "end", "")
	if len(got) != 2 || dir != noFileComp || !strings.Contains(strings.Join(got, "\n"), a.ID+"\talice laptop") {
		t.Errorf("session end: %q %s", got, dir)
	}
	// Ids already given are not offered again; --user narrows them.
	if got, _ := complete(t, e, "session", "end", a.ID, ""); fmt.Sprint(got) != fmt.Sprint([]string{b.ID + "\tbob"}) {
		t.Errorf("session end %s: %q", a.ID, got)
	}
	if got, _ := complete(t, e, "session", "end", "--user", "alice", "--except", ""); fmt.Sprint(got) != fmt.Sprint([]string{a.ID + "\talice laptop"}) {
		t.Errorf("session end --user alice --except: %q", got)
	}
}

// Where a value is a file the shell completes file names; anywhere else
// it offers none. Flag descriptions carry no backtick markup.
func TestCompleteFilesOnlyForFiles(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "get", ""}, noFileComp}, // an empty store: no candidates, no files
		{[]string{"user", "import", ""}, fileComp},
		{[]string{"user", "import", "--report", ""}, fileComp},
		{[]string{"user", "register", "--email", ""}, noFileComp},
		{[]string{"user", "list", "--search", ""}, noFileComp},
		{[]string{"audit", "list", "--since", ""}, noFileComp},
		{[]string{"version", ""}, noFileComp},
		{[]string{"--config", ""}, fileComp},
	} {
		if _, dir := complete(t, e, tc.args...); dir != tc.want {
			t.Errorf("%q: directive %s, want %s", tc.args, dir, tc.want)
		}
	}
	got, _ := complete(t, e, "user", "list", "--")
	if !strings.Contains(strings.Join(got, "\n"), "--status\tonly accounts in this STATE: ") {
		t.Errorf("flag descriptions: %q", got)
	}
	for _, c := range got {
		if strings.Contains(c, "`") {
			t.Errorf("backticks in %q", c)
		}
	}
	// Help keeps the value names that the backticks mark.
	if out := e.MustRun("user", "list", "--help"); !strings.Contains(out, "--status STATE") {
		t.Errorf("help lost the value name:\n%s", out)
	}
}

// A completion never creates the store it would read.
func TestCompleteCreatesNoStore(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	store := filepath.Join(t.TempDir(), "none.db")
	if got, dir := complete(t, e, "--store", store, "user", "get", ""); len(got) != 0 || dir != noFileComp {
		t.Errorf("%q %s", got, dir)
	}
	if m, _ := filepath.Glob(store + "*"); len(m) != 0 {
		t.Errorf("completion created %v", m)
	}
}
