package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain error", errors.New("boom"), 1},
		{"internal", acct.Errorf(acct.CodeInternal, "x"), 1},
		{"invalid", acct.FieldError("email", "bad"), 2},
		{"not found", acct.Errorf(acct.CodeNotFound, "x"), 3},
		{"conflict", acct.Errorf(acct.CodeConflict, "x"), 4},
		{"unauthenticated", acct.Errorf(acct.CodeUnauthenticated, "x"), 5},
		{"refused", acct.Errorf(acct.CodeRefused, "x"), 6},
		{"unavailable", acct.Errorf(acct.CodeUnavailable, "x"), 7},
		{"wrapped acct error", fmt.Errorf("open: %w", acct.Errorf(acct.CodeNotFound, "x")), 3},
		{"usage", UsageErrorf("bad flag"), 2},
		{"usage with hint", WithHint(UsageErrorf("bad flag"), "see help"), 2},
		{"canceled", context.Canceled, 130},
		{"wrapped canceled", fmt.Errorf("list: %w", context.Canceled), 130},
		{"acct error over canceled", &acct.Error{Code: acct.CodeInternal, Err: context.Canceled}, 130},
		{"not confirmed", ErrNotConfirmed, 6},
		{"need --yes", ErrNeedYes, 2},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("%s: ExitCode = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestPrintError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		json bool
		want string
	}{
		{"plain", acct.Errorf(acct.CodeNotFound, "no user %q", "bob"), false,
			"acctl: no user \"bob\"\n"},
		{"json with field", acct.FieldError("email", "not an email address."), true,
			"acctl: email: not an email address\n" +
				`{"error":{"code":"invalid","message":"email: not an email address","field":"email"}}` + "\n"},
		{"json no field", errors.New("disk on fire"), true,
			"acctl: disk on fire\n" + `{"error":{"code":"internal","message":"disk on fire"}}` + "\n"},
		{"hint", WithHint(UsageErrorf("unknown flag: --x"), "run 'acctl --help' for usage"), false,
			"acctl: unknown flag: --x\nhint: run 'acctl --help' for usage\n"},
		{"usage json", UsageErrorf("unknown flag: --x"), true,
			"acctl: unknown flag: --x\n" + `{"error":{"code":"invalid","message":"unknown flag: --x"}}` + "\n"},
		{"interrupted", fmt.Errorf("query: %w", context.Canceled), true,
			"acctl: interrupted\n" + `{"error":{"code":"interrupted","message":"interrupted"}}` + "\n"},
		{"json reason and user", &acct.Error{Code: acct.CodeRefused, Message: "user 2 is not verified yet", Reason: acct.ReasonUnverified, UserID: 2}, true,
			"acctl: user 2 is not verified yet\n" +
				`{"error":{"code":"refused","message":"user 2 is not verified yet","reason":"unverified","user_id":2}}` + "\n"},
		{"multi-line message", errors.New("line one\nline two"), false,
			"acctl: line one line two\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		PrintError(&b, tt.err, tt.json)
		if b.String() != tt.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, b.String(), tt.want)
		}
	}
}

func TestLongHelp(t *testing.T) {
	got := LongHelp("Do a thing.\n")
	want := "Do a thing.\n\n" + ExitCodesHelp
	if got != want {
		t.Errorf("LongHelp = %q, want %q", got, want)
	}
}

// TestExitCodesDoc: docs/exit-codes.md lists the exit codes of
// ExitStatuses, each with its JSON code, and no other.
func TestExitCodesDoc(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "exit-codes.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| (\\d+) +\\| (?:`([a-z_]+)`|—) +\\|")
	var got []string
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		got = append(got, m[1]+" "+m[2])
	}
	var want []string
	for _, e := range ExitStatuses {
		want = append(want, fmt.Sprintf("%d %s", e.Code, e.JSON))
		if ExitCode(exitErr(e.Code)) != e.Code {
			t.Errorf("exit %d: ExitCode maps its error to %d", e.Code, ExitCode(exitErr(e.Code)))
		}
		if e.Code != 0 && ErrorCode(exitErr(e.Code)) != e.JSON {
			t.Errorf("exit %d: JSON code %q, want %q", e.Code, ErrorCode(exitErr(e.Code)), e.JSON)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("docs/exit-codes.md lists %q, ExitStatuses %q", got, want)
	}
	if topic := ExitCodesTopic(); !strings.Contains(topic, "  6    refused          refused by policy") {
		t.Errorf("topic:\n%s", topic)
	}
}

// exitErr is an error that exits with code.
func exitErr(code int) error {
	switch code {
	case ExitOK:
		return nil
	case ExitUsage:
		return UsageErrorf("bad")
	case ExitInterrupted:
		return context.Canceled
	}
	for c, n := range map[acct.Code]int{acct.CodeNotFound: ExitNotFound, acct.CodeConflict: ExitConflict,
		acct.CodeUnauthenticated: ExitUnauth, acct.CodeRefused: ExitRefused, acct.CodeUnavailable: ExitUnavailable} {
		if n == code {
			return &acct.Error{Code: c, Message: "x"}
		}
	}
	return errors.New("internal")
}
