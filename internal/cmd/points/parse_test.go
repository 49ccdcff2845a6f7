package points

import (
	"context"
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := cmdutil.Test()
	return cmdutil.NewFactory(ios, nil)
}

func TestParseAdd(t *testing.T) {
	var got *AddOptions
	runF := func(_ context.Context, o *AddOptions) error { got = o; return nil }
	for _, c := range []struct {
		args  []string
		delta int64
	}{
		{[]string{"alice", "10", "--reason", "r"}, 10},
		{[]string{"alice", "+10", "--reason", "r"}, 10},
		{[]string{"--reason", "r", "alice", "--", "-7"}, -7},
		{[]string{"alice", "--reason=r", "--", "-1000000000"}, -1000000000},
	} {
		got = nil
		if err := parse(t, NewCmdAdd(testFactory(), runF), c.args...); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got.Ref != "alice" || got.Delta != c.delta || got.Reason != "r" {
			t.Errorf("%v: %+v", c.args, got)
		}
	}
	for _, args := range [][]string{
		{"alice", "10"},
		{"alice", "10", "--reason", "  "},
		{"alice", "0", "--reason", "r"},
		{"alice", "--reason", "r", "--", "--5"},
		{"alice", "-5", "--reason", "r"},
		{"alice", "1", "2", "--reason", "r"},
		{"alice", "9223372036854775808", "--reason", "r"},
	} {
		if err := parse(t, NewCmdAdd(testFactory(), runF), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestParseHistory(t *testing.T) {
	var got *HistoryOptions
	runF := func(_ context.Context, o *HistoryOptions) error { got = o; return nil }
	if err := parse(t, NewCmdHistory(testFactory(), runF), "alice", "--limit", "5", "--cursor", "9"); err != nil {
		t.Fatal(err)
	}
	if got.Ref != "alice" || got.Limit != 5 || got.Cursor != "9" {
		t.Errorf("history: %+v", got)
	}
	for _, args := range [][]string{{}, {"alice", "--limit", "0"}, {"alice", "--limit", "10001"}, {"a", "b"}} {
		if err := parse(t, NewCmdHistory(testFactory(), runF), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
