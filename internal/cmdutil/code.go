package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// ReadCode reads a code (a reset code, a passcode, an activation key):
// asked without echo on the terminal with the prompt "<label>: ", else
// the next line of stdin. field names the input in errors ("code",
// "key"). A code is never an argument: the command line is visible to
// every user of the machine.
func ReadCode(ctx context.Context, ios *IOStreams, label, field string) (string, error) {
	read := ios.ReadLine
	if ios.IsStdinTTY() {
		fmt.Fprintf(ios.ErrOut, "%s: ", label)
		read = ios.ReadSecret
	}
	line, err := read(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s: %w", strings.ToLower(label), err)
	}
	if code := strings.TrimSpace(line); code != "" {
		return code, nil
	}
	if ios.IsStdinTTY() {
		return "", acct.FieldError(field, "no %s given", strings.ToLower(label))
	}
	return "", acct.FieldError(field, "nothing on the first line of stdin")
}
