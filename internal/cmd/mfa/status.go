package mfa

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// StatusOptions are the parsed command line of "mfa status".
type StatusOptions struct {
	Factory *cmdutil.Factory
	Ref     string
}

// NewCmdStatus returns "mfa status". runF, if not nil, replaces the
// command's work.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "status REF",
		Short: "Show the state of a user's second factor",
		Long: cmdutil.LongHelp(`Show the state of a user's second factor: none, pending or active, when it
was enrolled, confirmed and last used, and how many recovery codes are
left. Never the secret. An auditor key may read it.

` + user.RefHelp),
		Example: `  acctl mfa status alice
  acctl mfa status alice -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	return cmd
}

func runStatus(ctx context.Context, opts *StatusOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	info, err := svc.MFAStatus(ctx, opts.Ref)
	if err != nil {
		return err
	}
	return printInfo(p, info)
}
