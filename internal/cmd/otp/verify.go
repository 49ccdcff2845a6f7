package otp

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// VerifyOptions are the parsed command line of "otp verify".
type VerifyOptions struct {
	Factory   *cmdutil.Factory
	Ref       string
	Purpose   string
	CodeStdin bool
}

// verifyPurposes are the purposes "otp verify" checks; a recovery
// passcode goes to "password reset --phone" with the new password.
var verifyPurposes = []string{acct.PurposeVerifyPhone, acct.PurposeSignup}

// NewCmdVerify returns "otp verify". runF, if not nil, replaces the
// command's work.
func NewCmdVerify(f *cmdutil.Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	var purpose string
	cmd := &cobra.Command{
		Use:   "verify REF|PHONE --purpose PURPOSE",
		Short: "Check a one-time passcode and do what it proves",
		Long: cmdutil.LongHelp(`Check the passcode that "acctl otp send" sent for PURPOSE, and print the
account:

  verify-phone  the phone is marked verified (phone_verified: true)
  signup        the pending account is activated (status: active)

A recovery passcode is not checked here: "acctl password reset --phone
PHONE" takes it with the new password.

The passcode is asked on the terminal without echo ("Passcode:"), or read
from the first line of stdin with --code-stdin; it is never an argument.
Spaces and hyphens in it do not matter.

A wrong passcode is exit 5 and the message says how many tries are left;
after otp.attempts (default 5) wrong tries the passcode is void, and even
the right one is then refused (exit 5): send a new one. An expired, used or
voided passcode, or none sent, is exit 5 too, and the message says which.
Wrong passcodes also count towards the account's lockout, like wrong
passwords; a locked account is exit 6. A signup passcode of an account that
is active already is exit 4. A phone that belongs to no account is exit 3.

` + user.RefHelp),
		Example: `  # asks for the passcode on the terminal
  acctl otp verify +14155550123 --purpose verify-phone

  # in a script, the passcode on stdin
  printf '%s\n' "$PASSCODE" | acctl otp verify alice --purpose signup --code-stdin -o json`,
		Args: cmdutil.ExactArgs(1, "REF|PHONE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if p, err := parsePurpose(purpose, purposes); err == nil && p == acct.PurposeRecovery {
				return cmdutil.WithHint(cmdutil.UsageErrorf("--purpose recovery: a recovery passcode is used with the new password"),
					"acctl password reset --phone PHONE")
			}
			var err error
			if opts.Purpose, err = parsePurpose(purpose, verifyPurposes); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	addPurposeFlag(cmd, &purpose, verifyPurposes)
	cmd.Flags().BoolVar(&opts.CodeStdin, "code-stdin", false, "read the passcode from the first line of stdin")
	return cmd
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	f := opts.Factory
	if !f.IO.IsStdinTTY() && !opts.CodeStdin {
		return acct.FieldError("code", "no terminal to prompt on; use --code-stdin")
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true})
	if err != nil {
		return err
	}
	code, err := cmdutil.ReadCode(ctx, f.IO, "Passcode", "code")
	if err != nil {
		return err
	}
	u, err := svc.VerifyOTP(ctx, acct.OTPCheck{Ref: opts.Ref, Purpose: opts.Purpose, Code: code})
	if err != nil {
		return err
	}
	return user.PrintUser(p, u)
}
