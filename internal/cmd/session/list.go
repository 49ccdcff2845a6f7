package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ListOptions are the parsed command line of "session list".
type ListOptions struct {
	Factory *cmdutil.Factory
	User    string
	Status  string
	Limit   int
}

var statuses = []string{
	string(acct.SessionActive), string(acct.SessionExpired), string(acct.SessionEnded), string(acct.SessionAll),
}

// NewCmdList returns "session list". runF, if not nil, replaces the
// command's work.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List login sessions, newest first",
		Long: cmdutil.LongHelp(`List login sessions, newest first: ID USER_ID USER CREATED LAST_SEEN
EXPIRES PERSISTENT STATUS LABEL. EXPIRES is when the session expires if it
is not freshened; it is never after its absolute deadline
(absolute_expires_at in the JSON). A token is never listed.

Without --status only active sessions are listed; --status expired, ended
or all shows the others, until "session purge" deletes them. When --limit
sessions are listed, a note on stderr says there may be more.

On a terminal narrower than the table, USER and LABEL are shortened with
an ellipsis, then PERSISTENT, CREATED, USER_ID and LAST_SEEN are left out;
ids and times are never cut (-o tsv or json has every column).`),
		Example: `  acctl session list
  acctl session list --user alice@example.com
  acctl session list --status all --limit 1000 -o json`,
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !acct.SessionStatus(opts.Status).Valid() {
				return cmdutil.UsageErrorf("--status: unknown status %q (want %s)", opts.Status, strings.Join(statuses, ", "))
			}
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.User, "user", "", "only the sessions of the user `REF` (id, username, email or phone)")
	fl.StringVar(&opts.Status, "status", string(acct.SessionActive), "only sessions in this `STATE`: "+strings.Join(statuses, ", "))
	fl.IntVar(&opts.Limit, "limit", acct.DefaultPageSize, "at most `N` sessions")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(statuses, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	sessions, err := svc.ListSessions(ctx, acct.SessionQuery{User: opts.User, Status: acct.SessionStatus(opts.Status), Limit: opts.Limit})
	if err != nil {
		return err
	}
	if err := printSessions(p, sessions); err != nil {
		return err
	}
	if len(sessions) >= opts.Limit {
		fmt.Fprintf(f.IO.ErrOut, "showing the newest %d sessions; there may be more (raise --limit)\n", len(sessions))
	}
	return nil
}
