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
		got, err := ReadNewPassword(ctx, ios, PasswordFlags{Stdin: true})
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
		got, err := ReadNewPassword(ctx, ios, PasswordFlags{File: name})
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
	got, err := ReadNewPassword(ctx, ios, PasswordFlags{})
	if err != nil || got != "same words here" {
		t.Fatalf("got %q, %v", got, err)
	}
	if !strings.Contains(errOut.String(), "Password: ") || !strings.Contains(errOut.String(), "Repeat password: ") {
		t.Errorf("prompts: %q", errOut.String())
	}

	ios, in, _, _ = Test()
	ios.SetStdinTTY(true)
	in.WriteString("one\ntwo\n")
	_, err = ReadNewPassword(ctx, ios, PasswordFlags{})
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
	_, err := ReadNewPassword(ctx, ios, PasswordFlags{})
	want := "password: no terminal to prompt on; use --password-stdin or --password-file"
	if err == nil || err.Error() != want || ExitCode(err) != 2 {
		t.Errorf("got %v, want %q", err, want)
	}
	_, err = ReadNewPassword(ctx, ios, PasswordFlags{Stdin: true, File: "x"})
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
