package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// MainOptions are the hooks of MainWith. The acctl binary uses none of
// them; the end-to-end test binary sets them.
type MainOptions struct {
	// Now, if set, is the clock of the Service (a fixed clock in tests).
	Now func() time.Time
}

// Main runs acctl with the process's arguments and streams and returns the
// exit code.
func Main() int { return MainWith(MainOptions{}) }

// MainWith is Main with hooks for tests.
func MainWith(opts MainOptions) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := NewDefaultFactory()
	f.Now = opts.Now
	return Execute(ctx, f, os.Args[1:])
}

// Execute builds the command tree over f (only the part that args run:
// NewRootCmdFor), runs it with args, prints any
// error on f's stderr and returns the exit code. It closes the Service
// that the command opened.
func Execute(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := NewRootCmdFor(f, args)
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		plainFlagUsages(cmd)
	}
	cmd.SetArgs(args)
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	ran, err := cmd.ExecuteContextC(ctx)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		// Interrupted: whatever failed, failed because of the signal.
		err = fmt.Errorf("%w: %v", context.Canceled, err)
	}
	var usage *cmdutil.UsageError
	if errors.As(err, &usage) && cmdutil.Hint(err) == "" && ran != nil {
		err = cmdutil.WithHint(err, fmt.Sprintf("run '%s --help' for usage", ran.CommandPath()))
	}
	cmdutil.PrintError(f.IO.ErrOut, err, f.WantsJSON())
	return cmdutil.ExitCode(err)
}
