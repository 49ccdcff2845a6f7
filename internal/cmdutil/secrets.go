package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
)

// PasswordFlags say where a password comes from. A password is never a
// flag value: argv is visible to every user of the machine.
type PasswordFlags struct {
	Stdin bool   // --password-stdin: read one line from stdin
	File  string // --password-file F: read the file
}

// AddPasswordFlags adds --password-stdin and --password-file to cmd.
func AddPasswordFlags(cmd *cobra.Command, pf *PasswordFlags) {
	cmd.Flags().BoolVar(&pf.Stdin, "password-stdin", false, "read the password from the first line of stdin")
	cmd.Flags().StringVar(&pf.File, "password-file", "", "read the password from `FILE` (one trailing newline is dropped)")
}

// Given reports whether a flag names a password source.
func (pf PasswordFlags) Given() bool { return pf.Stdin || pf.File != "" }

// Validate rejects both sources at once.
func (pf PasswordFlags) Validate() error {
	if pf.Stdin && pf.File != "" {
		return UsageErrorf("--password-stdin and --password-file cannot be used together")
	}
	return nil
}

// ErrNoTerminal is returned when a password is needed, no flag names its
// source and there is no terminal to prompt on.
var ErrNoTerminal = acct.FieldError("password", "no terminal to prompt on; use --password-stdin or --password-file")

// ReadPassword reads a password once: from the file, from stdin, or from a
// no-echo prompt on the terminal.
func ReadPassword(ctx context.Context, ios *IOStreams, pf PasswordFlags) (string, error) {
	return ReadPasswordAs(ctx, ios, pf, "Password", false)
}

// ReadNewPassword reads a password being set: like ReadPassword, but on
// the terminal it is PromptNewPassword, checked by check after the first
// entry.
func ReadNewPassword(ctx context.Context, ios *IOStreams, pf PasswordFlags, check func(string) error) (string, error) {
	if err := pf.Validate(); err != nil {
		return "", err
	}
	switch {
	case pf.File != "":
		return ReadPasswordFile(pf.File)
	case pf.Stdin:
		return ReadPasswordLine(ctx, ios)
	}
	if !ios.IsStdinTTY() {
		return "", ErrNoTerminal
	}
	return PromptNewPassword(ctx, ios, "Password", check)
}

// NewPasswordTries is how many times PromptNewPassword asks, as passwd
// does.
const NewPasswordTries = 3

// PromptNewPassword asks for a new password on the terminal, as passwd
// does: check (acct's policy, nil for none) judges it after the first
// entry, so a weak password is refused before it is typed twice; then it
// is asked again and the two must match. A refused or mismatched entry is
// said on stderr and asked again, NewPasswordTries times in all; then the
// last error is returned.
func PromptNewPassword(ctx context.Context, ios *IOStreams, label string, check func(string) error) (string, error) {
	var last error
	for try := 1; try <= NewPasswordTries; try++ {
		if try > 1 {
			fmt.Fprintf(ios.ErrOut, "acctl: %s; try again (%d of %d)\n", ErrorMessage(last), try, NewPasswordTries)
		}
		fmt.Fprintf(ios.ErrOut, "%s: ", label)
		pw, err := ios.ReadSecret(ctx)
		if err != nil {
			if last != nil && errors.Is(err, io.EOF) {
				return "", last // nothing more to read: why the last try failed
			}
			return "", fmt.Errorf("read password: %w", err)
		}
		if check != nil {
			if last = check(pw); last != nil {
				continue
			}
		}
		fmt.Fprintf(ios.ErrOut, "Repeat %s: ", strings.ToLower(label[:1])+label[1:])
		again, err := ios.ReadSecret(ctx)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if pw == again {
			return pw, nil
		}
		last = acct.FieldError("password", "the passwords do not match")
	}
	return "", last
}

// ReadPasswordAs is ReadPassword with the terminal prompt named by label
// ("Current password" asks "Current password: "); with twice it asks
// again ("Repeat current password: ") and the two must match.
func ReadPasswordAs(ctx context.Context, ios *IOStreams, pf PasswordFlags, label string, twice bool) (string, error) {
	if err := pf.Validate(); err != nil {
		return "", err
	}
	switch {
	case pf.File != "":
		return ReadPasswordFile(pf.File)
	case pf.Stdin:
		return ReadPasswordLine(ctx, ios)
	}
	if !ios.IsStdinTTY() {
		return "", ErrNoTerminal
	}
	return PromptPassword(ctx, ios, label, twice)
}

// ReadPasswordLine reads a password from the next line of stdin.
func ReadPasswordLine(ctx context.Context, ios *IOStreams) (string, error) {
	line, err := ios.ReadLine(ctx)
	if errors.Is(err, io.EOF) {
		return "", acct.FieldError("password", "nothing to read on stdin")
	}
	if err != nil {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return line, nil
}

// PromptPassword asks for a password on the terminal without echo, the
// prompt ("<label>: ") on stderr; with twice it asks again and the two
// must match. The caller checks that stdin is a terminal.
func PromptPassword(ctx context.Context, ios *IOStreams, label string, twice bool) (string, error) {
	fmt.Fprintf(ios.ErrOut, "%s: ", label)
	pw, err := ios.ReadSecret(ctx)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if !twice {
		return pw, nil
	}
	fmt.Fprintf(ios.ErrOut, "Repeat %s: ", strings.ToLower(label[:1])+label[1:])
	again, err := ios.ReadSecret(ctx)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if pw != again {
		return "", acct.FieldError("password", "the passwords do not match")
	}
	return pw, nil
}

// ReadPasswordFile reads a password from a file; one trailing newline
// (or CRLF) is dropped.
func ReadPasswordFile(name string) (string, error) {
	b, err := os.ReadFile(ExpandHome(name))
	if err != nil {
		return "", &acct.Error{Code: acct.CodeInvalid, Field: "password-file",
			Message: fmt.Sprintf("password file: %v", err), Err: err}
	}
	if bytes.HasSuffix(b, []byte("\n")) {
		b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	}
	return string(b), nil
}
