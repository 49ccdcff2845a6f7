package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// RestoreOptions are the parsed command line of "user restore".
type RestoreOptions struct {
	Factory *cmdutil.Factory
	Ref     string
}

// NewCmdRestore returns "user restore". runF, if not nil, replaces the
// command's work.
func NewCmdRestore(f *cmdutil.Factory, runF func(context.Context, *RestoreOptions) error) *cobra.Command {
	opts := &RestoreOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "restore REF",
		Short: "Lift the deletion hold of a user account",
		Long: cmdutil.LongHelp(`Lift the deletion hold of a user account and print it: the account returns
to the status it had before "acctl user unregister". A pending account stays
pending (it still needs its activation), a locked one stays locked, with its
reason and end, unless the lock ran out during the hold: then it is active.
The audit event says which status it returned to. An account that was
purged cannot be restored (exit 4), nor one whose hold has run out (exit 6:
the message says when it ran out; "acctl user purge" erases it).

` + RefHelp),
		Example: `  acctl user restore alice
  acctl user restore 42 -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRestore(cmd.Context(), opts)
		},
	}
	return cmd
}

func runRestore(ctx context.Context, opts *RestoreOptions) error {
	return RunAndPrintUser(ctx, opts.Factory, func(svc acct.Service) (*acct.User, error) {
		return svc.Restore(ctx, opts.Ref)
	})
}
