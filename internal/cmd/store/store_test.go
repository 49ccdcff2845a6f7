package store_test

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/cmdtest"
	"github.com/acctl/acctl/internal/cmd/store"
	"github.com/acctl/acctl/internal/cmdutil"
)

// parse runs cmd with args and reports the error of parsing or validation;
// the command's work is replaced by the runF given to its constructor.
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	return cmd.Execute()
}

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := cmdutil.Test()
	return cmdutil.NewFactory(ios, nil)
}

func TestParseCopy(t *testing.T) {
	var got *store.CopyOptions
	runF := func(_ context.Context, o *store.CopyOptions) error { got = o; return nil }
	err := parse(t, store.NewCmdCopy(testFactory(), nil, runF), "--to", " b.db ", "--force", "-y", "--batch", "50")
	if err != nil || got.To != "b.db" || got.From != "" || !got.Force || !got.Yes || got.Batch != 50 {
		t.Errorf("copy: %+v, %v", got, err)
	}
	if err := parse(t, store.NewCmdCopy(testFactory(), nil, runF), "--to", "b.db"); err != nil || got.Batch != 1000 || got.Force {
		t.Errorf("copy defaults: %+v, %v", got, err)
	}
	for _, args := range [][]string{
		{},
		{"--from", "a.db"},
		{"--to", "  "},
		{"--to", "b.db", "--from", ""},
		{"--to", "b.db", "--batch", "0"},
		{"--to", "b.db", "--batch", "100001"},
		{"--to", "b.db", "extra"},
	} {
		if err := parse(t, store.NewCmdCopy(testFactory(), nil, runF), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
	runCheck := func(context.Context, *store.CheckOptions) error { return nil }
	if err := parse(t, store.NewCmdCheck(testFactory(), nil, runCheck), "extra"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("check extra: %v", err)
	}
}

func TestCopyOnATerminal(t *testing.T) {
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com", "--username", "alice")
	e.Login("alice")
	target := filepath.Join(t.TempDir(), "copy.db")

	// A table and a verdict on stdout, a progress bar on stderr.
	res := e.RunWith(cmdtest.TTY(""), "store", "copy", "--to", target)
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Err)
	}
	for _, want := range []string{"TABLE", "SOURCE", "TARGET", "MATCH", "users", "sessions", "every table matches", "(sqlite)"} {
		if !strings.Contains(res.Out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Out)
		}
	}
	if !strings.Contains(res.Err, "rows") {
		t.Errorf("no progress bar on stderr: %q", res.Err)
	}

	// --force asks: anything but "replace" keeps the target as it is.
	e.Register("--email", "bob@example.com", "--username", "bob")
	res = e.RunWith(cmdtest.TTY("yes\n"), "store", "copy", "--to", target, "--force")
	if res.Code != 6 || !strings.Contains(res.Err, `Type "replace" to confirm`) || !strings.Contains(res.Err, "users 1") {
		t.Fatalf("declined: exit %d, stderr %q", res.Code, res.Err)
	}
	if out := e.MustRun("--store", target, "user", "list"); strings.Contains(out, "bob") {
		t.Errorf("declined copy changed the target: %s", out)
	}
	res = e.RunWith(cmdtest.TTY("replace\n"), "store", "copy", "--to", target, "--force")
	if res.Code != 0 || !strings.Contains(res.Out, "replacing its rows") {
		t.Fatalf("confirmed: exit %d, stdout %q, stderr %q", res.Code, res.Out, res.Err)
	}
	if out := e.MustRun("--store", target, "user", "list"); !strings.Contains(out, "bob") {
		t.Errorf("the copy lacks bob: %s", out)
	}
}

func TestCopyJSON(t *testing.T) {
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com")
	target := filepath.Join(t.TempDir(), "copy.db")
	out := e.MustRun("store", "copy", "--from", e.Store, "--to", "sqlite:"+target, "-o", "json", "--batch", "1")
	var got struct {
		From, To        string
		FromKind        string `json:"from_kind"`
		ToKind          string `json:"to_kind"`
		SchemaVersion   int    `json:"schema_version"`
		Rows            int64
		Match, Replaced bool
		Tables          []struct {
			Table          string
			Source, Target int64
			Match          bool
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.From != e.Store || got.To != "sqlite:"+target || got.FromKind != "sqlite" || got.ToKind != "sqlite" ||
		!got.Match || got.Replaced || got.Rows == 0 || got.SchemaVersion == 0 || len(got.Tables) < 4 {
		t.Errorf("json: %+v", got)
	}
	for _, tb := range got.Tables {
		if tb.Table == "users" && (tb.Source != 1 || tb.Target != 1 || !tb.Match) {
			t.Errorf("users: %+v", tb)
		}
	}
}

func TestCheckOnATerminal(t *testing.T) {
	e := cmdtest.New(t)
	e.Register("--email", "alice@example.com")
	res := e.RunWith(cmdtest.TTY(""), "store", "check")
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Err)
	}
	for _, want := range []string{"kind:", "sqlite", "acctl_version:", "journal_mode:", "wal  ok", "quick_check:", "healthy:", "yes"} {
		if !strings.Contains(res.Out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Out)
		}
	}
	// A file that is not a database: exit 1.
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := writeFile(bad, strings.Repeat("not a database ", 500)); err != nil {
		t.Fatal(err)
	}
	if res := e.Run("--store", bad, "store", "check"); res.Code != 1 {
		t.Errorf("not a database: exit %d, stderr %q", res.Code, res.Err)
	}
	if res := e.Run("--store", "https://acctl.example.com", "store", "check"); res.Code != 2 {
		t.Errorf("remote: exit %d, stderr %q", res.Code, res.Err)
	}
}
