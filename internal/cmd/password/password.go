// Package password holds the "acctl password" commands: set, change,
// verify, the reset codes: reset-code, reset, codes and forgot, and hashes.
package password

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdPassword returns the "password" command and its verbs.
func NewCmdPassword(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password <command>",
		Short: "Set, change, check and reset passwords",
		Long: cmdutil.LongHelp(`Set, change and check the passwords of user accounts, and reset lost ones
with one-time codes: support staff issue a code ("reset-code") that the
user sets a new password with ("reset"); "forgot" emails a reset link.

A password or a code is never a flag value: the command line is visible to
every user of the machine. It is asked on the terminal without echo (a new
password twice), or read from stdin (--password-stdin, --code-stdin) or
from a file (--password-file). Setting, changing or resetting a password
ends the user's sessions and voids the codes sent to the user. "hashes"
counts the accounts per password hash scheme.`),
		Example: `  acctl password set alice
  acctl password change alice
  acctl password verify alice@example.com --password-stdin < pw.txt
  acctl password reset-code alice --reason "ticket 4411"
  acctl password reset
  acctl password hashes`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdSet(f, nil),
		NewCmdChange(f, nil),
		NewCmdVerify(f, nil),
		NewCmdResetCode(f, nil),
		NewCmdReset(f, nil),
		NewCmdCodes(f, nil),
		NewCmdForgot(f, nil),
		NewCmdHashes(f, nil),
	)
	return cmd
}
