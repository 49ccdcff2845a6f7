package user

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

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

func TestParseUpdate(t *testing.T) {
	var got *UpdateOptions
	runF := func(_ context.Context, o *UpdateOptions) error { got = o; return nil }

	err := parse(t, NewCmdUpdate(testFactory(), runF), "alice", "--admin=false", "--phone", "", "--first-name", "Al")
	if err != nil {
		t.Fatal(err)
	}
	u := got.Update
	if got.Ref != "alice" || u.Admin == nil || *u.Admin || u.Phone == nil || *u.Phone != "" ||
		u.FirstName == nil || *u.FirstName != "Al" || u.Email != nil || u.Username != nil || u.LastName != nil || u.Language != nil {
		t.Errorf("update: %+v", got)
	}

	if err := parse(t, NewCmdUpdate(testFactory(), runF), "alice"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("no fields: %v", err)
	}
	if err := parse(t, NewCmdUpdate(testFactory(), runF), "--email", "a@b.c"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("no REF: %v", err)
	}
	if err := parse(t, NewCmdUpdate(testFactory(), runF), "alice", "--admin=maybe"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("bad bool: %v", err)
	}
}

func TestParseRegister(t *testing.T) {
	var got *RegisterOptions
	runF := func(_ context.Context, o *RegisterOptions) error { got = o; return nil }
	err := parse(t, NewCmdRegister(testFactory(), runF), "--email", "a@example.com", "--phone", "+1 202 555 0123",
		"--username", "a", "--first-name", "F", "--last-name", "L", "--language", "pt-BR", "--admin", "--password-file", "/pw")
	if err != nil {
		t.Fatal(err)
	}
	want := fieldFlags{Username: "a", Email: "a@example.com", Phone: "+1 202 555 0123", FirstName: "F", LastName: "L", Language: "pt-BR", Admin: true}
	if got.Fields != want || got.Password.File != "/pw" || got.Password.Stdin || got.NoPassword {
		t.Errorf("register: %+v", got)
	}
}

func TestParseUnregister(t *testing.T) {
	var got *UnregisterOptions
	runF := func(_ context.Context, o *UnregisterOptions) error { got = o; return nil }

	if err := parse(t, NewCmdUnregister(testFactory(), runF), "alice"); err != nil || got.HoldSet || got.Purge || got.Yes {
		t.Errorf("defaults: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdUnregister(testFactory(), runF), "alice", "--hold", "1d12h", "-y"); err != nil ||
		!got.HoldSet || got.Hold != 36*time.Hour || !got.Yes {
		t.Errorf("--hold 1d12h: %+v, %v", got, err)
	}
	for _, args := range [][]string{
		{"alice", "--hold", "soon"},
		{"alice", "--hold", "-1d"},
		{"alice", "--hold", "1d", "--purge"},
		{},
		{"a", "b"},
	} {
		if err := parse(t, NewCmdUnregister(testFactory(), runF), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestParseList(t *testing.T) {
	var got *ListOptions
	runF := func(_ context.Context, o *ListOptions) error { got = o; return nil }
	if err := parse(t, NewCmdList(testFactory(), runF)); err != nil || got.Limit != 100 || got.Status != "" {
		t.Errorf("defaults: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdList(testFactory(), runF), "--status", "held", "--search", "x y", "--limit", "5", "--cursor", "9"); err != nil ||
		got.Status != "held" || got.Search != "x y" || got.Limit != 5 || got.Cursor != "9" {
		t.Errorf("flags: %+v, %v", got, err)
	}
}

func TestNextPageCommand(t *testing.T) {
	tests := []struct {
		opts ListOptions
		want string
	}{
		{ListOptions{Limit: 100}, "acctl user list --cursor 7"},
		{ListOptions{Limit: 10, Status: "held", Search: "o'brien x"}, `acctl user list --status held --search 'o'\''brien x' --limit 10 --cursor 7`},
		{ListOptions{Limit: 100, Search: "example.com"}, "acctl user list --search example.com --cursor 7"},
	}
	for _, tt := range tests {
		if got := nextPageCommand(&tt.opts, "7"); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestParseLock(t *testing.T) {
	var got *LockOptions
	runF := func(_ context.Context, o *LockOptions) error { got = o; return nil }
	if err := parse(t, NewCmdLock(testFactory(), runF), "alice", "--until", "7d", "--reason", "fraud"); err != nil ||
		got.Ref != "alice" || got.Until != "7d" || got.Reason != "fraud" {
		t.Errorf("lock: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdLock(testFactory(), runF), "alice", "--until", "whenever"); cmdutil.ExitCode(err) != 2 ||
		!strings.Contains(err.Error(), "--until: want an RFC 3339 time or a duration") {
		t.Errorf("bad --until: %v", err)
	}
}

func TestParseRegisterForeign(t *testing.T) {
	var got *RegisterOptions
	runF := func(_ context.Context, o *RegisterOptions) error { got = o; return nil }
	if err := parse(t, NewCmdRegister(testFactory(), runF), "--foreign", "github:1"); err != nil || got.Foreign != "github:1" || got.Password.Given() {
		t.Errorf("register --foreign: %+v, %v", got, err)
	}
}

// TestImportResumeCommand: the command that finishes an interrupted
// import is the one given, global flags included, with --on-conflict skip.
func TestImportResumeCommand(t *testing.T) {
	var got *ImportOptions
	runF := func(_ context.Context, o *ImportOptions) error { got = o; return nil }
	root := &cobra.Command{Use: "acctl"}
	root.PersistentFlags().String("store", "", "")
	group := &cobra.Command{Use: "user"}
	root.AddCommand(group)
	group.AddCommand(NewCmdImport(testFactory(), runF))
	err := parse(t, root, "--store", "/srv/my accounts.db", "user", "import", "users.csv", "--batch", "500",
		"--on-conflict", "fail", "--report", "bad.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := "acctl --store '/srv/my accounts.db' user import users.csv --batch 500 --report bad.jsonl --on-conflict skip"
	if got.Resume != want {
		t.Errorf("resume:\n got %s\nwant %s", got.Resume, want)
	}
}
