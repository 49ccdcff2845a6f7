package user

import (
	"context"
	"testing"

	"github.com/acctl/acctl/internal/cmdutil"
)

func TestParseActivate(t *testing.T) {
	var got *ActivateOptions
	runF := func(_ context.Context, o *ActivateOptions) error { got = o; return nil }
	if err := parse(t, NewCmdActivate(testFactory(), runF), "KEY"); err != nil || got.Key != "KEY" || got.KeyStdin || got.Send != "" {
		t.Errorf("key: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdActivate(testFactory(), runF), "--key-stdin"); err != nil || got.Key != "" || !got.KeyStdin {
		t.Errorf("--key-stdin: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdActivate(testFactory(), runF), "--send", "carol"); err != nil || got.Send != "carol" || got.Key != "" {
		t.Errorf("--send: %+v, %v", got, err)
	}
	if err := parse(t, NewCmdActivate(testFactory(), runF)); err != nil || got.Key != "" || got.KeyStdin {
		t.Errorf("nothing (asked on a terminal): %+v, %v", got, err)
	}
	for _, args := range [][]string{
		{"KEY", "--key-stdin"},
		{"KEY", "--send", "carol"},
		{"--send", "carol", "--key-stdin"},
		{"--send", ""},
		{"K1", "K2"},
		{""},
	} {
		if err := parse(t, NewCmdActivate(testFactory(), runF), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%q: %v", args, err)
		}
	}
}

func TestParseRegisterPending(t *testing.T) {
	var got *RegisterOptions
	runF := func(_ context.Context, o *RegisterOptions) error { got = o; return nil }
	if err := parse(t, NewCmdRegister(testFactory(), runF), "--email", "a@example.com", "--pending"); err != nil || !got.Pending {
		t.Errorf("--pending: %+v, %v", got, err)
	}
}
