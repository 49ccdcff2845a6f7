package root_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/root"
	"github.com/acctl/acctl/internal/cmdutil"
)

// fakeService fails every call with err; it records whether it was
// closed.
type fakeService struct {
	acct.Service
	err    error
	closed bool
}

func (s *fakeService) User(ctx context.Context, ref string) (*acct.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, s.err
}

func (s *fakeService) Close() error { s.closed = true; return nil }

func fakeEnv(t *testing.T, svc *fakeService) *cmdtest.Env {
	e := cmdtest.New(t)
	e.Opener = func(context.Context, cmdutil.OpenParams) (acct.Service, error) { return svc, nil }
	return e
}

func TestExitCodesThroughExecute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		code int
	}{
		{acct.Errorf(acct.CodeUnavailable, "database is locked"), 7},
		{acct.Errorf(acct.CodeUnauthenticated, "wrong password"), 5},
		{acct.Errorf(acct.CodeInternal, "bug"), 1},
	}
	for _, tt := range tests {
		svc := &fakeService{err: tt.err}
		res := fakeEnv(t, svc).Run("user", "get", "alice")
		if res.Code != tt.code || res.Err != "acctl: "+tt.err.Error()+"\n" || !svc.closed {
			t.Errorf("%v: %+v, closed %v", tt.err, res, svc.closed)
		}
	}
}

func TestInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := fakeEnv(t, &fakeService{}).RunWith(cmdtest.Run{Context: ctx}, "user", "get", "alice", "-o", "json")
	want := "acctl: interrupted\n" + `{"error":{"code":"interrupted","message":"interrupted"}}` + "\n"
	if res.Code != 130 || res.Err != want {
		t.Errorf("%+v", res)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"frobnicate"}, "acctl: unknown command \"frobnicate\" for \"acctl\"\nhint: run 'acctl --help' for usage\n"},
		{[]string{"usr"}, "acctl: unknown command \"usr\" for \"acctl\"; did you mean \"user\"?\nhint: run 'acctl --help' for usage\n"},
		{[]string{"user", "frobnicate"}, "acctl: unknown command \"frobnicate\" for \"acctl user\"\nhint: run 'acctl user --help' for usage\n"},
		{[]string{"--nope"}, "acctl: unknown flag: --nope\nhint: run 'acctl --help' for usage\n"},
		{[]string{"user", "list", "-o", "xml"}, "acctl: output: unknown format \"xml\" (want table, tsv, json or csv)\nhint: run 'acctl user list --help' for usage\n"},
		{[]string{"version", "extra"}, "acctl: unexpected argument \"extra\": acctl version takes none\nhint: run 'acctl version --help' for usage\n"},
	}
	for _, tt := range tests {
		res := e.Run(tt.args...)
		if res.Code != 2 || res.Err != tt.err || res.Out != "" {
			t.Errorf("%v: exit %d\nstderr %q\nwant   %q", tt.args, res.Code, res.Err, tt.err)
		}
	}
}

// TestHelpExitCodes: one topic holds the exit codes; the help of a command
// points to it rather than repeating them.
func TestHelpExitCodes(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	res := e.Run("help", "exit-codes")
	if res.Code != 0 || !strings.Contains(res.Out, "  7    unavailable      unavailable, safe to retry") || strings.Contains(res.Out, "Usage:") {
		t.Errorf("help exit-codes: %+v", res)
	}
	res = e.Run("user", "list", "--help")
	if res.Code != 0 || !strings.Contains(res.Out, `Exit codes: see "acctl help exit-codes".`) || strings.Contains(res.Out, "130") {
		t.Errorf("user list --help: %+v", res)
	}
	if res := e.Run("--help"); !strings.Contains(res.Out, "Additional help topics:") || !strings.Contains(res.Out, "exit-codes") {
		t.Errorf("--help does not list the topic: %q", res.Out)
	}
}

func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	for _, args := range [][]string{{}, {"--help"}, {"user"}, {"user", "--help"}, {"help", "user", "list"}, {"user", "list", "-h"}} {
		res := e.Run(args...)
		if res.Code != 0 || !strings.Contains(res.Out, "Usage:") || !strings.Contains(res.Out, "Exit codes:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, res.Code, res.Out, res.Err)
		}
	}
}

func TestUnsupportedStores(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	// A PostgreSQL server that cannot be reached is unavailable (exit 7),
	// and the password stays out of the message.
	res := e.Run("--store", "postgres://acctl:s3cret@127.0.0.1:1/acctl", "user", "list", "-o", "json")
	if res.Code != 7 || !strings.Contains(res.Err, `"code":"unavailable"`) || !strings.Contains(res.Err, "connection refused") ||
		strings.Contains(res.Err, "s3cret") {
		t.Errorf("postgres: %+v", res)
	}
	// A remote store without an API key is a usage error that says how to
	// give one (remote_test.go tests the rest).
	if res := e.Run("--store", "https://acctl.example.com", "user", "list"); res.Code != 2 || !strings.Contains(res.Err, "ACCTL_TOKEN") {
		t.Errorf("remote: %+v", res)
	}
}

func TestStoreFlagAndEnvPath(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	other := t.TempDir() + "/sub/other.db"
	e.MustRunWith(cmdtest.Run{Stdin: cmdtest.Password + "\n"}, "--store", "sqlite:"+other, "user", "register", "--email", "a@example.com", "--password-stdin")
	if out := e.MustRun("--store", other, "user", "list"); !strings.Contains(out, "a@example.com") {
		t.Errorf("--store file: %q", out)
	}
	if out := e.MustRun("user", "list"); out != "" {
		t.Errorf("the default store should be empty: %q", out)
	}
}

// TestEveryCommandIsDocumented walks the tree: every command has a Short,
// a Long ending with the exit codes and, when runnable, an Example.
func TestEveryCommandIsDocumented(t *testing.T) {
	t.Parallel()
	f := cmdtest.New(t)
	fac, _, _ := f.Factory(cmdtest.Run{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.IsAdditionalHelpTopicCommand() {
			if c.Short == "" || c.Long == "" {
				t.Errorf("help topic %s: Short %q, Long %q", c.Name(), c.Short, c.Long)
			}
			return
		}
		if c.Short == "" || !strings.HasSuffix(c.Long, cmdutil.ExitCodesHelp) || c.Example == "" {
			t.Errorf("%s: Short %q, Long ends with exit codes %v, Example %q",
				c.CommandPath(), c.Short, strings.HasSuffix(c.Long, cmdutil.ExitCodesHelp), c.Example)
		}
		if c.Args == nil {
			t.Errorf("%s: no Args validator", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root.NewRootCmd(fac))
}

func TestNoPasswordFlagTakesAValue(t *testing.T) {
	t.Parallel()
	fac, _, _ := cmdtest.New(t).Factory(cmdtest.Run{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if strings.Contains(fl.Name, "password") && fl.Value.Type() == "string" && !strings.HasSuffix(fl.Name, "-file") {
				t.Errorf("%s --%s takes a password on the command line", c.CommandPath(), fl.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root.NewRootCmd(fac))
}

// TestSessionConfigReachesLocal: the session and lockout settings are
// passed into the Service, and a contradiction between them is exit 2
// naming the keys.
func TestSessionConfigReachesLocal(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t)
	e.Defaults[cmdutil.KeySessionIdle] = "48h"
	res := e.Run("user", "list")
	if res.Code != 2 || !strings.Contains(res.Err, "session.idle") || !strings.Contains(res.Err, "session.absolute") {
		t.Errorf("idle longer than absolute: %+v", res)
	}

	e = cmdtest.New(t)
	e.Defaults[cmdutil.KeySessionIdle] = "10m"
	e.Defaults[cmdutil.KeyLockoutThreshold] = 2
	e.Register("--email", "alice@example.com")
	s := e.Login("alice@example.com")
	if !s.ExpiresAt.Equal(cmdtest.Start.Add(10 * time.Minute)) {
		t.Errorf("session.idle not applied: %+v", s)
	}
	for i, want := range []int{5, 5, 6} {
		res := e.RunWith(cmdtest.Run{Stdin: "not the password at all\n"}, "session", "create", "alice@example.com", "--password-stdin")
		if res.Code != want {
			t.Errorf("wrong password %d: exit %d, want %d: %s", i+1, res.Code, want, res.Err)
		}
	}
}

// TestRootCmdFor: the tree built for a command line holds only the noun
// it names, built as in the whole tree, wherever the root's flags put it;
// a command line without a known noun gets the whole tree.
func TestRootCmdFor(t *testing.T) {
	e := cmdtest.New(t)
	f, _, _ := e.Factory(cmdtest.Run{})
	full := root.NewRootCmd(f)
	if len(full.Commands()) < 10 {
		t.Fatalf("the whole tree has %d nouns", len(full.Commands()))
	}
	for _, noun := range full.Commands() {
		if noun.IsAdditionalHelpTopicCommand() {
			continue // "acctl help exit-codes": a topic, not a noun
		}
		for _, args := range [][]string{
			{noun.Name()},
			{"--store", "x.db", noun.Name(), "get", "alice"},
			{"-o", "json", "--config=c.yaml", noun.Name()},
			{"-ojson", noun.Name(), "--store", "y"},
		} {
			got := root.NewRootCmdFor(f, args).Commands()
			if len(got) != 1 || got[0].Name() != noun.Name() || len(got[0].Commands()) != len(noun.Commands()) {
				t.Errorf("%q: %d nouns (%v), want %s alone", args, len(got), got, noun.Name())
			}
		}
	}
	for _, args := range [][]string{nil, {"help", "user"}, {"--version"}, {"usr", "get"}, {"--store", "user"}, {"--", "user"}} {
		if got := root.NewRootCmdFor(f, args).Commands(); len(got) != len(full.Commands()) {
			t.Errorf("%q: %d nouns, want the whole tree's %d", args, len(got), len(full.Commands()))
		}
	}
}
