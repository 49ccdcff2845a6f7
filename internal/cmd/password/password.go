// Package password holds the "acctl password" commands: set, change and
// verify.
package password

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdPassword returns the "password" command and its verbs.
func NewCmdPassword(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password <command>",
		Short: "Set, change and check passwords",
		Long: cmdutil.LongHelp(`Set, change and check the passwords of user accounts.

A password is never a flag value: the command line is visible to every
user of the machine. It is asked on the terminal without echo (twice when
it is being set), or read from stdin (--password-stdin) or from a file
(--password-file). Setting or changing a password ends the user's sessions
and voids the codes sent to the user.`),
		Example: `  acctl password set alice
  acctl password change alice
  acctl password verify alice@example.com --password-stdin < pw.txt`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdSet(f, nil),
		NewCmdChange(f, nil),
		NewCmdVerify(f, nil),
	)
	return cmd
}
