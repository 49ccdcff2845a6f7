package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// SetOptions are the parsed command line of "password set".
type SetOptions struct {
	Factory  *cmdutil.Factory
	Ref      string
	Password cmdutil.PasswordFlags
}

// NewCmdSet returns "password set". runF, if not nil, replaces the
// command's work.
func NewCmdSet(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	opts := &SetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "set REF",
		Short: "Set a user's password (an operator's act)",
		Long: cmdutil.LongHelp(`Set a user's password without knowing the current one, and print the
account. Every session of the user ends and outstanding codes are voided;
the count of failed logins starts again from zero. The new password must
pass the password policy (exit 6 with the reason if it does not).

The password is asked twice on the terminal without echo: a password the
policy refuses is said after the first entry and asked again (three tries,
as passwd does). In scripts give
it on the first line of stdin with --password-stdin, or in a file with
--password-file. For users changing their own password, "password change"
checks the current one first.

` + user.RefHelp),
		Example: `  # asks twice on the terminal
  acctl password set alice

  printf '%s\n' "$NEW_PASSWORD" | acctl password set alice@example.com --password-stdin
  acctl password set 42 --password-file /run/secrets/pw -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := opts.Password.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSet(cmd.Context(), opts)
		},
	}
	cmdutil.AddPasswordFlags(cmd, &opts.Password)
	return cmd
}

func runSet(ctx context.Context, opts *SetOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	pw, err := cmdutil.ReadNewPassword(ctx, f.IO, opts.Password, f.AccountPasswordCheck(ctx, svc, opts.Ref))
	if err != nil {
		return err
	}
	u, err := svc.SetPassword(ctx, opts.Ref, pw)
	if err != nil {
		return err
	}
	return user.PrintUser(p, u)
}
