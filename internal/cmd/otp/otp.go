// Package otp holds the "acctl otp" commands: send and verify one-time
// passcodes.
package otp

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdOTP returns the "otp" command and its verbs.
func NewCmdOTP(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "otp <command>",
		Short: "Send and verify one-time passcodes",
		Long: cmdutil.LongHelp(`Send a user a 6-digit one-time passcode by SMS (or email), and check the
passcode the user types back. A passcode proves one thing, its purpose:

  verify-phone  the phone it was sent to is the user's: "otp verify" marks
                the phone verified
  recovery      the user may set a new password: "acctl password reset
                --phone PHONE" takes the passcode and the new password
  signup        a pending account is the user's: "otp verify" activates it

A passcode works once, for otp.ttl (default 10m), and allows otp.attempts
(default 5) tries; it is good only for its purpose, its account and the
number it was sent to. A new passcode voids the older one of the same
purpose; another to the same number or address may be sent only
otp.cooldown (default 60s) after the last, and at most 5 are sent to one number in 10 minutes.

A passcode is never printed and never an argument: the user reads it from
the message and types it at the prompt (or a program gives it on stdin).`),
		Example: `  acctl otp send +14155550123 --purpose verify-phone
  acctl otp verify +14155550123 --purpose verify-phone
  acctl otp send alice --purpose recovery
  acctl password reset --phone +14155550123`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdSend(f, nil),
		NewCmdVerify(f, nil),
	)
	return cmd
}

// purposes are the values of --purpose.
var purposes = []string{acct.PurposeVerifyPhone, acct.PurposeRecovery, acct.PurposeSignup}

// parsePurpose checks the value of --purpose against valid.
func parsePurpose(s string, valid []string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(s))
	if p == "" {
		return "", cmdutil.UsageErrorf("--purpose is required: %s", orList(valid))
	}
	for _, v := range valid {
		if p == v {
			return p, nil
		}
	}
	return "", cmdutil.UsageErrorf("--purpose: unknown purpose %q (want %s)", s, orList(valid))
}

// orList writes "a, b or c".
func orList(l []string) string {
	if len(l) < 2 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}

// addPurposeFlag adds --purpose with completion of valid.
func addPurposeFlag(cmd *cobra.Command, p *string, valid []string) {
	cmd.Flags().StringVar(p, "purpose", "", fmt.Sprintf("the `PURPOSE` of the passcode: %s (required)", orList(valid)))
	_ = cmd.RegisterFlagCompletionFunc("purpose", cobra.FixedCompletions(valid, cobra.ShellCompDirectiveNoFileComp))
}
