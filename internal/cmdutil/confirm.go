package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// ErrNeedYes is returned by the confirmations when there is no terminal
// to ask on and --yes was not given.
var ErrNeedYes = UsageErrorf("use --yes to confirm when not on a terminal")

// ErrNotConfirmed is returned when the user declined at the prompt.
var ErrNotConfirmed = acct.Errorf(acct.CodeRefused, "not confirmed")

// ConfirmTyped asks the user to type want to go on (on stderr, reading
// stdin). With yes it asks nothing; without a terminal it refuses with
// ErrNeedYes.
func ConfirmTyped(ctx context.Context, ios *IOStreams, yes bool, question, want string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return ErrNeedYes
	}
	fmt.Fprintf(ios.ErrOut, "%s\nType %q to confirm: ", question, want)
	line, err := ios.ReadLine(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	if strings.TrimSpace(line) != want {
		return ErrNotConfirmed
	}
	return nil
}

// ConfirmYesNo asks a y/N question (on stderr, reading stdin). With yes it
// asks nothing; without a terminal it refuses with ErrNeedYes.
func ConfirmYesNo(ctx context.Context, ios *IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if !ios.CanPrompt() {
		return ErrNeedYes
	}
	fmt.Fprintf(ios.ErrOut, "%s [y/N] ", question)
	line, err := ios.ReadLine(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read confirmation: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return ErrNotConfirmed
}
