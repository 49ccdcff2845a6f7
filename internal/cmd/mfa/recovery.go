package mfa

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// RecoveryCodesOptions are the parsed command line of "mfa
// recovery-codes".
type RecoveryCodesOptions struct {
	Factory    *cmdutil.Factory
	Ref        string
	Regenerate bool
}

// NewCmdRecoveryCodes returns "mfa recovery-codes". runF, if not nil,
// replaces the command's work.
func NewCmdRecoveryCodes(f *cmdutil.Factory, runF func(context.Context, *RecoveryCodesOptions) error) *cobra.Command {
	opts := &RecoveryCodesOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "recovery-codes REF --regenerate",
		Short: "Replace the recovery codes of a user's second factor",
		Long: cmdutil.LongHelp(`Replace the ten recovery codes of a user's active second factor and print
the new ones, this once; the old ones stop working. The codes themselves
are never stored, only their keyed hashes: they cannot be shown again, only
replaced (hence --regenerate, which is required). "acctl mfa status" tells
how many are left. No active factor is exit 3.

` + user.RefHelp),
		Example: `  acctl mfa recovery-codes alice --regenerate`,
		Args:    cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if !opts.Regenerate {
				return cmdutil.UsageErrorf("recovery codes cannot be shown again, only replaced: add --regenerate (\"acctl mfa status\" tells how many are left)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRecoveryCodes(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Regenerate, "regenerate", false, "make new recovery codes; the old ones stop working (required)")
	return cmd
}

func runRecoveryCodes(ctx context.Context, opts *RecoveryCodesOptions) error {
	p, svc, err := opts.Factory.PrinterAndServiceFor(ctx, secretNeeds)
	if err != nil {
		return err
	}
	rc, err := svc.RegenerateRecoveryCodes(ctx, opts.Ref)
	if err != nil {
		return err
	}
	return printCodes(opts.Factory, p, rc)
}
