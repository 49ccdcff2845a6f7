// Package session holds the "acctl session" commands: create (log in),
// get, list, freshen, end and purge.
package session

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdSession returns the "session" command and its verbs.
func NewCmdSession(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "session <command>",
		Short: "Log users in, check, list and end their login sessions",
		Long: cmdutil.LongHelp(`Log users in and manage their login sessions.

A session has a public id (ses_…) for listing and ending it, and a secret
token (acctl_sess_…) that an application presents to prove the login. The
token is printed once, by "session create", and stored only as a hash: it
can never be shown again. A token is never a command-line argument (the
command line is visible to every user of the machine): commands read it
from stdin with --token-stdin or from the ACCTL_SESSION_TOKEN variable.

A session expires when it is not freshened for session.idle (default 1h),
and in any case session.absolute (default 24h) after the login; a
keep-me-logged-in session (--keep) lasts session.persistent (default 720h).
Expired and ended sessions stay listed until "session purge" deletes them.`),
		Example: `  TOKEN=$(acctl session create alice --password-stdin < pw.txt)
  printf '%s\n' "$TOKEN" | acctl session get --token-stdin
  acctl session list --user alice
  acctl session end --user alice`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdGet(f, nil),
		NewCmdList(f, nil),
		NewCmdFreshen(f, nil),
		NewCmdEnd(f, nil),
		NewCmdPurge(f, nil),
	)
	return cmd
}
