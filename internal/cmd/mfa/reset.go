package mfa

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ResetOptions are the parsed command line of "mfa reset".
type ResetOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Reason  string
	Yes     bool
}

// NewCmdReset returns "mfa reset". runF, if not nil, replaces the
// command's work.
func NewCmdReset(f *cmdutil.Factory, runF func(context.Context, *ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reset REF --reason TEXT",
		Short: "Remove a user's second factor and end the user's sessions",
		Long: cmdutil.LongHelp(`Remove a user's second factor (pending or active) and its recovery codes,
and end the user's sessions: for a user who lost the authenticator. The
user logs in with the password alone again, and may enrol anew. --reason is
required and goes in the audit trail.

It asks for confirmation on a terminal; elsewhere it needs --yes. A support
key may reset the factor of accounts without admin: true only (exit 6
otherwise). A user without a factor is exit 3.

` + user.RefHelp),
		Example: `  acctl mfa reset alice --reason "lost phone, ticket 4211"
  acctl mfa reset 42 --reason "new phone" --yes -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if strings.TrimSpace(opts.Reason) == "" {
				return cmdutil.UsageErrorf("--reason is required: say why the second factor is reset")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runReset(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why, for the audit trail (required)")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runReset(ctx context.Context, opts *ResetOptions) error {
	f := opts.Factory
	if err := cmdutil.ConfirmYesNo(ctx, f.IO, opts.Yes,
		fmt.Sprintf("Remove the second factor of %s and end its sessions?", opts.Ref)); err != nil {
		return err
	}
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	info, err := svc.ResetMFA(ctx, acct.MFAReset{Ref: opts.Ref, Reason: opts.Reason})
	if err != nil {
		return err
	}
	return printInfo(p, info)
}
