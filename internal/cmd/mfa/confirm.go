package mfa

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ConfirmOptions are the parsed command line of "mfa confirm".
type ConfirmOptions struct {
	Factory   *cmdutil.Factory
	Ref       string
	CodeStdin bool
}

// NewCmdConfirm returns "mfa confirm". runF, if not nil, replaces the
// command's work.
func NewCmdConfirm(f *cmdutil.Factory, runF func(context.Context, *ConfirmOptions) error) *cobra.Command {
	opts := &ConfirmOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "confirm REF",
		Short: "Activate a pending second factor with a code from the app",
		Long: cmdutil.LongHelp(`Activate the pending second factor of a user with a valid code from the
authenticator app, and print ten recovery codes, this once: each opens one
login without the app. From now on every login of the user asks for a code.

The code is asked on the terminal without echo ("Code:"), or read from the
first line of stdin with --code-stdin; it is never an argument. A wrong
code is exit 5 and leaves the factor pending; it draws on the factor's
attempt limit. No pending factor is exit 3; an active one exit 4.

Output: the recovery codes, one a line; with -o json an object with codes.

` + user.RefHelp),
		Example: `  acctl mfa confirm alice
  oathtool --totp -b "$SECRET" | acctl mfa confirm alice --code-stdin`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfirm(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.CodeStdin, "code-stdin", false, "read the code from the first line of stdin")
	return cmd
}

func runConfirm(ctx context.Context, opts *ConfirmOptions) error {
	f := opts.Factory
	if !f.IO.IsStdinTTY() && !opts.CodeStdin {
		return acct.FieldError("code", "no terminal to prompt on; use --code-stdin")
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, secretNeeds)
	if err != nil {
		return err
	}
	code, err := cmdutil.ReadCode(ctx, f.IO, "Code", "code")
	if err != nil {
		return err
	}
	rc, err := svc.ConfirmMFA(ctx, acct.MFACodeRequest{Ref: opts.Ref, Code: code})
	if err != nil {
		return err
	}
	return printCodes(f, p, rc)
}
