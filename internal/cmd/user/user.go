// Package user holds the "acctl user" commands: register, get, list,
// update, lock, unlock, unregister, restore, purge, import and export.
package user

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// RefHelp explains a user REF in the help of the commands that take one
// (the session and password commands use it too).
const RefHelp = `A REF names a user: an id (all digits), an email address (with an @),
a phone number (+ and digits) or a username. Any email address or phone
number of the user will do, its extra ones included.`

// NewCmdUser returns the "user" command and its verbs.
func NewCmdUser(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user <command>",
		Short: "Register, find, change, lock and remove user accounts",
		Long: cmdutil.LongHelp(`Register, find, change, lock and remove user accounts.

` + RefHelp),
		Example: `  acctl user register --email alice@example.com --username alice
  acctl user get alice
  acctl user list --search example.com
  acctl user lock alice --reason "suspected account takeover"
  acctl user unregister alice --yes`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdRegister(f, nil),
		NewCmdActivate(f, nil),
		NewCmdGet(f, nil),
		NewCmdList(f, nil),
		NewCmdUpdate(f, nil),
		NewCmdLock(f, nil),
		NewCmdUnlock(f, nil),
		NewCmdUnregister(f, nil),
		NewCmdRestore(f, nil),
		NewCmdPurge(f, nil),
		NewCmdEmail(f),
		NewCmdPhone(f),
		NewCmdPreregister(f, nil),
		NewCmdCheck(f, nil),
		NewCmdPreregistered(f, nil),
		NewCmdImport(f, nil),
		NewCmdExport(f, nil),
	)
	return cmd
}
