package cmdutil

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

func TestReadPasswordStdin(t *testing.T) {
	tests := []struct{ stdin, want string }{
		{"s3cret pass phrase\n", "s3cret pass phrase"},
		{"crlf line\r\n", "crlf line"},
		{"  spaces kept  \n", "  spaces kept  "},
		{"no newline", "no newline"},
		{"first\nsecond\n", "first"},
		{"\n", ""},
		{"tab\tinside\n", "tab\tinside"},
		{"trailing cr only\r", "trailing cr only\r"},
	}
	for _, tt := range tests {
		ios, in, _, _ := Test()
		in.WriteString(tt.stdin)
		got, err := ReadNewPassword(ctx, ios, PasswordFlags{Stdin: true}, nil)
		if err != nil || got != tt.want {
			t.Errorf("stdin %q: got %q, %v; want %q", tt.stdin, got, err, tt.want)
		}
	}
	ios, _, _, _ := Test()
	if _, err := ReadPassword(ctx, ios, PasswordFlags{Stdin: true}); acct.ErrorField(err) != "password" || ExitCode(err) != 2 {
		t.Errorf("empty stdin: %v", err)
	}
}

func TestReadPasswordFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ content, want string }{
		{"from file\n", "from file"},
		{"crlf\r\n", "crlf"},
		{"two newlines\n\n", "two newlines\n"},
		{"none", "none"},
		{" spaced \n", " spaced "},
	}
	for i, tt := range tests {
		name := filepath.Join(dir, "pw"+string(rune('a'+i)))
		if err := os.WriteFile(name, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		ios, _, _, _ := Test()
		got, err := ReadNewPassword(ctx, ios, PasswordFlags{File: name}, nil)
		if err != nil || got != tt.want {
			t.Errorf("file %q: got %q, %v; want %q", tt.content, got, err, tt.want)
		}
	}
	ios, _, _, _ := Test()
	_, err := ReadPassword(ctx, ios, PasswordFlags{File: filepath.Join(dir, "missing")})
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "password file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadPasswordTerminal(t *testing.T) {
	ios, in, _, errOut := Test()
	ios.SetStdinTTY(true)
	in.WriteString("same words here\nsame words here\n")
	got, err := ReadNewPassword(ctx, ios, PasswordFlags{}, nil)
	if err != nil || got != "same words here" {
		t.Fatalf("got %q, %v", got, err)
	}
	if !strings.Contains(errOut.String(), "Password: ") || !strings.Contains(errOut.String(), "Repeat password: ") {
		t.Errorf("prompts: %q", errOut.String())
	}

	ios, in, _, _ = Test()
	ios.SetStdinTTY(true)
	in.WriteString(strings.Repeat("one\ntwo\n", NewPasswordTries))
	_, err = ReadNewPassword(ctx, ios, PasswordFlags{}, nil)
	if acct.ErrorField(err) != "password" || ExitCode(err) != 2 {
		t.Errorf("mismatch: %v", err)
	}

	ios, in, _, errOut = Test()
	ios.SetStdinTTY(true)
	in.WriteString("once\n")
	got, err = ReadPassword(ctx, ios, PasswordFlags{})
	if err != nil || got != "once" || strings.Contains(errOut.String(), "Repeat") {
		t.Errorf("ReadPassword: %q, %v, prompts %q", got, err, errOut.String())
	}
}

func TestReadPasswordNoTerminal(t *testing.T) {
	ios, in, _, _ := Test()
	in.WriteString("ignored\n")
	_, err := ReadNewPassword(ctx, ios, PasswordFlags{}, nil)
	want := "password: no terminal to prompt on; use --password-stdin or --password-file"
	if err == nil || err.Error() != want || ExitCode(err) != 2 {
		t.Errorf("got %v, want %q", err, want)
	}
	_, err = ReadNewPassword(ctx, ios, PasswordFlags{Stdin: true, File: "x"}, nil)
	if ExitCode(err) != 2 {
		t.Errorf("both sources: %v", err)
	}
}

func TestConfirm(t *testing.T) {
	tty := func(stdin string) *IOStreams {
		ios, in, _, _ := Test()
		ios.SetStdinTTY(true)
		ios.SetStderrTTY(true)
		in.WriteString(stdin)
		return ios
	}
	if err := ConfirmTyped(ctx, tty("alice\n"), false, "Erase alice?", "alice"); err != nil {
		t.Errorf("typed the name: %v", err)
	}
	if err := ConfirmTyped(ctx, tty("bob\n"), false, "Erase alice?", "alice"); err != ErrNotConfirmed {
		t.Errorf("typed another name: %v", err)
	}
	if err := ConfirmTyped(ctx, tty(""), false, "Erase alice?", "alice"); err != ErrNotConfirmed {
		t.Errorf("typed nothing: %v", err)
	}
	if err := ConfirmYesNo(ctx, tty("y\n"), false, "Go?"); err != nil {
		t.Errorf("y: %v", err)
	}
	if err := ConfirmYesNo(ctx, tty("\n"), false, "Go?"); err != ErrNotConfirmed {
		t.Errorf("default no: %v", err)
	}
	piped, _, _, errOut := Test()
	if err := ConfirmTyped(ctx, piped, false, "Erase?", "alice"); ExitCode(err) != 2 ||
		err.Error() != "use --yes to confirm when not on a terminal" {
		t.Errorf("no terminal: %v", err)
	}
	if err := ConfirmYesNo(ctx, piped, true, "Go?"); err != nil || errOut.Len() != 0 {
		t.Errorf("--yes: %v, asked %q", err, errOut.String())
	}
}

var ctx = context.Background()

// TestPromptNewPasswordChecksFirst: as passwd does, a weak password is
// refused after its first entry, and asked for again, three times at most.
func TestPromptNewPasswordChecksFirst(t *testing.T) {
	check := func(pw string) error { return acct.CheckPassword(pw, 15, "alice", "alice@example.com") }
	ios, in, _, errOut := Test()
	ios.SetStdinTTY(true)
	in.WriteString("short\nalice in wonderland 42\nmind the gap please\nmind the gap please\n")
	got, err := PromptNewPassword(ctx, ios, "New password", check)
	if err != nil || got != "mind the gap please" {
		t.Fatalf("got %q, %v", got, err)
	}
	want := "New password: \n" +
		"acctl: password refused: too short: 5 characters, at least 15 needed (a passphrase of a few words works well); try again (2 of 3)\n" +
		"New password: \n" +
		"acctl: password refused: it contains the username; try again (3 of 3)\n" +
		"New password: \nRepeat new password: \n"
	if errOut.String() != want {
		t.Errorf("stderr:\n%s\nwant\n%s", errOut, want)
	}

	// A mismatch is asked again too; after three tries, the last error.
	ios, in, _, errOut = Test()
	ios.SetStdinTTY(true)
	in.WriteString("mind the gap please\nmind the gap\nweak\nweak\nweak\n")
	_, err = PromptNewPassword(ctx, ios, "New password", check)
	if ExitCode(err) != ExitRefused || !strings.Contains(err.Error(), "too short") ||
		!strings.Contains(errOut.String(), "acctl: password: the passwords do not match; try again (2 of 3)\n") ||
		strings.Count(errOut.String(), "New password: ") != 3 || strings.Count(errOut.String(), "Repeat") != 1 {
		t.Errorf("%v\n%s", err, errOut)
	}
}
