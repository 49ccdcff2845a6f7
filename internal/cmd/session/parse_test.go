package session

import (
	"context"
	"io"
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

func TestParseCreate(t *testing.T) {
	var got *CreateOptions
	runF := func(_ context.Context, o *CreateOptions) error { got = o; return nil }
	if err := parse(t, NewCmdCreate(testFactory(), runF), "alice", "--keep", "--label", "my phone", "--password-file", "/pw"); err != nil ||
		got.Ref != "alice" || !got.Keep || got.Label != "my phone" || got.Password.File != "/pw" || got.Foreign != "" {
		t.Errorf("create: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdCreate(testFactory(), runF), "--foreign", "github:1"); err != nil || got.Ref != "" || got.Foreign != "github:1" {
		t.Errorf("create --foreign: %+v, %v", got, err)
	}
	for _, args := range [][]string{
		{},
		{"a", "b"},
		{"alice", "--foreign", "github:1"},
		{"--foreign", "github:1", "--password-file", "/pw"},
		{"alice", "--password-stdin", "--password-file", "/pw"},
	} {
		if err := parse(t, NewCmdCreate(testFactory(), runF), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestParseEndAndPurge(t *testing.T) {
	var end *EndOptions
	runEnd := func(_ context.Context, o *EndOptions) error { end = o; return nil }
	if err := parse(t, NewCmdEnd(testFactory(), runEnd), "ses_a", "ses_b"); err != nil || len(end.IDs) != 2 || end.User != "" {
		t.Errorf("end ids: %+v, %v", end, err)
	}
	if err := parse(t, NewCmdEnd(testFactory(), runEnd), "--user", "alice", "--except", "ses_a"); err != nil ||
		len(end.IDs) != 0 || end.User != "alice" || end.Except != "ses_a" {
		t.Errorf("end --user: %+v, %v", end, err)
	}

	var purge *PurgeOptions
	runPurge := func(_ context.Context, o *PurgeOptions) error { purge = o; return nil }
	if err := parse(t, NewCmdPurge(testFactory(), runPurge)); err != nil || purge.OlderThan != 0 {
		t.Errorf("purge: %+v, %v", purge, err)
	}
	if err := parse(t, NewCmdPurge(testFactory(), runPurge), "--older-than", "1d12h"); err != nil || purge.OlderThan != 36*time.Hour {
		t.Errorf("purge --older-than: %+v, %v", purge, err)
	}
}

func TestParseGetRefusesArguments(t *testing.T) {
	runF := func(context.Context, *GetOptions) error { return nil }
	err := parse(t, NewCmdGet(testFactory(), runF), "acctl_sess_secret")
	if cmdutil.ExitCode(err) != 2 || err != errTokenArg {
		t.Errorf("argument: %v", err)
	}
}
