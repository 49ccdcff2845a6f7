package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ChangeOptions are the parsed command line of "password change".
type ChangeOptions struct {
	Factory     *cmdutil.Factory
	Ref         string
	Password    cmdutil.PasswordFlags // --password-stdin (both passwords), --password-file (the new one)
	CurrentFile string                // --current-password-file
	KeepSession string
}

// NewCmdChange returns "password change". runF, if not nil, replaces the
// command's work.
func NewCmdChange(f *cmdutil.Factory, runF func(context.Context, *ChangeOptions) error) *cobra.Command {
	opts := &ChangeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "change REF",
		Short: "Change a user's password, given the current one",
		Long: cmdutil.LongHelp(`Change a user's password: check the current password, set the new one and
print the account. A wrong current password is exit 5 and counts towards
the lockout, like a failed login. Every other session of the user ends: all
of them, or all but the one named by --keep-session (the session the user
changed the password from). The new password must pass the password policy
(exit 6 with the reason if it does not).

Where the two passwords come from:

  on a terminal     "Current password:" is asked once, then "New password:"
                    twice, without echo (a weak one is refused after the
                    first entry and asked again, three tries)
  --password-stdin  two lines of stdin: the current password, then the new
  files             --current-password-file FILE and --password-file FILE
                    (one trailing newline is dropped); a password without
                    a file is asked on the terminal

--password-stdin reads both passwords, so it does not go with the file
flags. An operator who does not know the current password uses "password
set" instead.

` + user.RefHelp),
		Example: `  # asks on the terminal
  acctl password change alice

  # in a script: the current password, then the new one
  printf '%s\n%s\n' "$OLD" "$NEW" | acctl password change alice --password-stdin

  acctl password change alice --current-password-file old.txt --password-file new.txt
  acctl password change alice --keep-session ses_4k7q2mx9d1tf`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := opts.Password.Validate(); err != nil {
				return err
			}
			if opts.Password.Stdin && opts.CurrentFile != "" {
				return cmdutil.UsageErrorf("--password-stdin reads both passwords (the current, then the new): it cannot be used with --current-password-file")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runChange(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Password.Stdin, "password-stdin", false, "read two lines from stdin: the current password, then the new one")
	fl.StringVar(&opts.CurrentFile, "current-password-file", "", "read the current password from `FILE`")
	fl.StringVar(&opts.Password.File, "password-file", "", "read the new password from `FILE`")
	fl.StringVar(&opts.KeepSession, "keep-session", "", "keep the session `ID` open (the one the change is made from)")
	return cmd
}

func runChange(ctx context.Context, opts *ChangeOptions) error {
	f := opts.Factory
	// Fail before asking anything when a password would have no source.
	if !opts.Password.Stdin && !f.IO.IsStdinTTY() {
		switch {
		case opts.CurrentFile == "":
			return acct.FieldError("current", "no terminal to prompt on; use --current-password-file, or --password-stdin with two lines")
		case opts.Password.File == "":
			return acct.FieldError("password", "no terminal to prompt on; use --password-file, or --password-stdin with two lines")
		}
	}
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	in := acct.PasswordChange{Ref: opts.Ref, KeepSession: opts.KeepSession}
	if in.Current, in.New, err = readPasswords(ctx, f.IO, opts, f.AccountPasswordCheck(ctx, svc, opts.Ref)); err != nil {
		return err
	}
	u, err := svc.ChangePassword(ctx, in)
	if err != nil {
		return err
	}
	return user.PrintUser(p, u)
}

// readPasswords reads the current and the new password from the sources
// the flags name.
func readPasswords(ctx context.Context, ios *cmdutil.IOStreams, opts *ChangeOptions, check func(string) error) (current, next string, err error) {
	if opts.Password.Stdin {
		if current, err = cmdutil.ReadPasswordLine(ctx, ios); err != nil {
			return "", "", err
		}
		if next, err = cmdutil.ReadPasswordLine(ctx, ios); err != nil {
			return "", "", acct.FieldError("password", "--password-stdin needs two lines: the current password, then the new one")
		}
		return current, next, nil
	}
	if opts.CurrentFile != "" {
		current, err = cmdutil.ReadPasswordFile(opts.CurrentFile)
	} else {
		current, err = cmdutil.PromptPassword(ctx, ios, "Current password", false)
	}
	if err != nil {
		return "", "", err
	}
	if opts.Password.File != "" {
		next, err = cmdutil.ReadPasswordFile(opts.Password.File)
	} else {
		next, err = cmdutil.PromptNewPassword(ctx, ios, "New password", check)
	}
	return current, next, err
}
