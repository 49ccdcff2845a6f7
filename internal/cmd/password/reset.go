package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ResetOptions are the parsed command line of "password reset".
type ResetOptions struct {
	Factory   *cmdutil.Factory
	CodeStdin bool
	Password  cmdutil.PasswordFlags
	// Phone makes the code a recovery passcode sent to this phone
	// ("otp send PHONE --purpose recovery").
	Phone string
}

// NewCmdReset returns "password reset". runF, if not nil, replaces the
// command's work.
func NewCmdReset(f *cmdutil.Factory, runF func(context.Context, *ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Set a new password with a reset code or a recovery passcode",
		Long: cmdutil.LongHelp(`Use a reset code (from "password reset-code", or the token of a
forgot-password link) to set a new password, and print the account. The
code names the user; it works once. Every session of the user ends, every
other outstanding code is voided and a lockout after failed logins is
lifted.

With --phone PHONE the code is instead the 6-digit recovery passcode sent
to that phone by "acctl otp send PHONE --purpose recovery". It works once,
for otp.ttl (default 10m), and allows otp.attempts (default 5) tries: a
wrong passcode is exit 5 and says how many tries are left; after the last
one the passcode is void and a new one must be sent. The phone counts as
verified afterwards, since the passcode reached it. A phone that belongs to
no account is exit 3.

A code that is wrong, expired, already used or voided is exit 5, and the
message says which. A new password that the password policy refuses is
exit 6 with the reason, and the code stays usable: try again with a
better password.

Neither the code nor the password is ever an argument (the command line is
visible to every user of the machine):

  on a terminal     "Reset code:" (with --phone "Passcode:") is asked
                    once, then "New password:" twice, without echo
  --code-stdin      the code is the first line of stdin
  --password-stdin  the new password is the next line of stdin: with
                    --code-stdin too, the first line is the code and the
                    second the password
  --password-file   the new password is read from FILE (one trailing
                    newline is dropped)

Letter case, spaces and hyphens in the code do not matter.`),
		Example: `  # asks for the code and the new password on the terminal
  acctl password reset

  # in a script: the code, then the new password, on stdin
  printf '%s\n%s\n' "$CODE" "$NEW_PASSWORD" | acctl password reset --code-stdin --password-stdin

  printf '%s\n' "$CODE" | acctl password reset --code-stdin --password-file new.txt -o json

  # with the passcode from "acctl otp send +14155550123 --purpose recovery"
  printf '%s\n%s\n' "$PASSCODE" "$NEW_PASSWORD" |
    acctl password reset --phone +14155550123 --code-stdin --password-stdin`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Password.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runReset(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.CodeStdin, "code-stdin", false, "read the reset code (or passcode) from the first line of stdin")
	fl.StringVar(&opts.Phone, "phone", "", "the code is the recovery passcode sent to `PHONE` (see \"acctl otp send\")")
	fl.BoolVar(&opts.Password.Stdin, "password-stdin", false, "read the new password from the next line of stdin (after the code with --code-stdin)")
	fl.StringVar(&opts.Password.File, "password-file", "", "read the new password from `FILE` (one trailing newline is dropped)")
	return cmd
}

func runReset(ctx context.Context, opts *ResetOptions) error {
	f := opts.Factory
	// Fail before asking anything when the code or the password would
	// have no source.
	if !f.IO.IsStdinTTY() {
		if !opts.CodeStdin {
			return acct.FieldError("code", "no terminal to prompt on; use --code-stdin")
		}
		if !opts.Password.Given() {
			return acct.FieldError("password", "no terminal to prompt on; use --password-stdin (the line after the code) or --password-file")
		}
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true})
	if err != nil {
		return err
	}
	label := "Reset code"
	if opts.Phone != "" {
		label = "Passcode"
	}
	code, err := cmdutil.ReadCode(ctx, f.IO, label, "code")
	if err != nil {
		return err
	}
	var pw string
	switch {
	case opts.Password.Stdin:
		pw, err = cmdutil.ReadPasswordLine(ctx, f.IO)
		if err != nil && opts.CodeStdin && !f.IO.IsStdinTTY() {
			err = acct.FieldError("password", "--code-stdin with --password-stdin reads two lines: the code, then the new password")
		}
	case opts.Password.File != "":
		pw, err = cmdutil.ReadPasswordFile(opts.Password.File)
	default:
		pw, err = cmdutil.PromptNewPassword(ctx, f.IO, "New password", f.NewPasswordCheck("", ""))
	}
	if err != nil {
		return err
	}
	u, err := svc.ResetPassword(ctx, acct.PasswordReset{Code: code, Password: pw, Phone: opts.Phone})
	if err != nil {
		return err
	}
	return user.PrintUser(p, u)
}
