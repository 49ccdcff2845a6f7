package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// UnlockOptions are the parsed command line of "user unlock".
type UnlockOptions struct {
	Factory *cmdutil.Factory
	Ref     string
}

// NewCmdUnlock returns "user unlock". runF, if not nil, replaces the
// command's work.
func NewCmdUnlock(f *cmdutil.Factory, runF func(context.Context, *UnlockOptions) error) *cobra.Command {
	opts := &UnlockOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "unlock REF",
		Short: "Lift the lock of a user account",
		Long: cmdutil.LongHelp(`Lift the lock of a user account and print it: an operator's lock ("acctl
user lock") or a lockout after too many failed logins. The count of failed
logins starts again from zero. Unlocking an account that is not locked is a
conflict (exit 4).

` + RefHelp),
		Example: `  acctl user unlock alice
  acctl user unlock 42 -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUnlock(cmd.Context(), opts)
		},
	}
	return cmd
}

func runUnlock(ctx context.Context, opts *UnlockOptions) error {
	return RunAndPrintUser(ctx, opts.Factory, func(svc acct.Service) (*acct.User, error) {
		return svc.UnlockUser(ctx, opts.Ref)
	})
}
