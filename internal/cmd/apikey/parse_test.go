package apikey

import (
	"context"
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
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

func TestParseCreate(t *testing.T) {
	var got *CreateOptions
	runF := func(_ context.Context, o *CreateOptions) error { got = o; return nil }
	for _, c := range []struct {
		args []string
		role acct.Role
	}{
		{[]string{"ci", "--role", "admin"}, acct.RoleAdmin},
		{[]string{"--role=Support", "ci"}, acct.RoleSupport},
		{[]string{"ci", "--role", " auditor "}, acct.RoleAuditor},
	} {
		got = nil
		if err := parse(t, NewCmdCreate(testFactory(), runF), c.args...); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got.Name != "ci" || got.Role != c.role {
			t.Errorf("%v: %+v", c.args, got)
		}
	}
	for _, args := range [][]string{
		{"ci"},
		{"ci", "--role", ""},
		{"ci", "--role", "root"},
		{"--role", "admin"},
		{"a", "b", "--role", "admin"},
	} {
		got = nil
		if err := parse(t, NewCmdCreate(testFactory(), runF), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage || got != nil {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

func TestParseRevoke(t *testing.T) {
	var got *RevokeOptions
	runF := func(_ context.Context, o *RevokeOptions) error { got = o; return nil }
	if err := parse(t, NewCmdRevoke(testFactory(), runF), "ci", "-y"); err != nil || got.Name != "ci" || !got.Yes {
		t.Fatalf("revoke ci -y: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdRevoke(testFactory(), runF), "ci"); err != nil || got.Yes {
		t.Fatalf("revoke ci: %+v, %v", got, err)
	}
	for _, args := range [][]string{{}, {"a", "b"}} {
		if err := parse(t, NewCmdRevoke(testFactory(), runF), args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if err := parse(t, NewCmdList(testFactory(), func(context.Context, *ListOptions) error { return nil }), "x"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("list x: %v", err)
	}
}
