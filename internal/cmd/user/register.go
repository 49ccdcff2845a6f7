package user

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// RegisterOptions are the parsed command line of "user register".
type RegisterOptions struct {
	Factory    *cmdutil.Factory
	Fields     fieldFlags
	Password   cmdutil.PasswordFlags
	NoPassword bool
}

// NewCmdRegister returns "user register". runF, if not nil, replaces the
// command's work (tests of the parsing use it).
func NewCmdRegister(f *cmdutil.Factory, runF func(context.Context, *RegisterOptions) error) *cobra.Command {
	opts := &RegisterOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Create a user account",
		Long: cmdutil.LongHelp(`Create a user account and print it.

An account needs an email address or a phone number (or both). The password
is asked twice on the terminal without echo; in scripts give it on the first
line of stdin with --password-stdin, or in a file with --password-file. A
password is never a flag value: the command line is visible to every user
of the machine. With --no-password the account gets no password; it can get
one through a reset later.`),
		Example: `  # asks for the password on the terminal
  acctl user register --email alice@example.com --username alice --first-name Alice

  # in a script
  printf '%s\n' "$PASSWORD" | acctl user register --email bob@example.com --password-stdin

  acctl user register --phone +447400123456 --no-password -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRegister(cmd.Context(), opts)
		},
	}
	addFieldFlags(cmd, &opts.Fields, "make the user an administrator")
	cmdutil.AddPasswordFlags(cmd, &opts.Password)
	cmd.Flags().BoolVar(&opts.NoPassword, "no-password", false, "create the account without a password")
	return cmd
}

func runRegister(ctx context.Context, opts *RegisterOptions) error {
	if opts.NoPassword && opts.Password.Given() {
		return cmdutil.UsageErrorf("--no-password cannot be used with --password-stdin or --password-file")
	}
	if err := opts.Password.Validate(); err != nil {
		return err
	}
	ff := opts.Fields
	if ff.Email == "" && ff.Phone == "" {
		return cmdutil.WithHint(acct.FieldError("email", "an email address or a phone number is required"),
			"give --email ADDRESS, --phone NUMBER or both")
	}
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	in := acct.NewUser{
		Username:   ff.Username,
		Email:      ff.Email,
		Phone:      ff.Phone,
		FirstName:  ff.FirstName,
		LastName:   ff.LastName,
		Language:   ff.Language,
		Admin:      ff.Admin,
		NoPassword: opts.NoPassword,
	}
	if !opts.NoPassword {
		if in.Password, err = cmdutil.ReadNewPassword(ctx, f.IO, opts.Password); err != nil {
			return err
		}
	}
	u, err := svc.Register(ctx, in)
	if err != nil {
		return err
	}
	return printUser(p, u)
}
