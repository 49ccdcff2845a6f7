package session

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// PurgeOptions are the parsed command line of "session purge".
type PurgeOptions struct {
	Factory   *cmdutil.Factory
	OlderThan time.Duration
}

// NewCmdPurge returns "session purge". runF, if not nil, replaces the
// command's work.
func NewCmdPurge(f *cmdutil.Factory, runF func(context.Context, *PurgeOptions) error) *cobra.Command {
	opts := &PurgeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Delete expired and ended sessions",
		Long: cmdutil.LongHelp(`Delete the sessions that expired or were ended, and print how many. Active
sessions are never touched, so the command asks for no confirmation: it is
meant to run from cron, and running it twice is harmless. The work is done
in short batches, so that other commands are not held up.

--older-than keeps the sessions that expired or ended less than DURATION
ago (such as 7d or 36h), e.g. to keep showing them with "session list
--status all"; by default every expired or ended session goes. The
buckets of the login limit (auth.rate.account) that have filled up again
go too: they are as good as none.

On a terminal it prints "deleted N sessions"; piped, the number alone; with
-o json the object {"deleted": N}.`),
		Example: `  acctl session purge
  acctl session purge --older-than 30d

  # crontab: every hour
  0 * * * * acctl session purge -o json >> /var/log/acctl-session-purge.log`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.OlderThan < 0 {
				return cmdutil.UsageErrorf("--older-than: must not be negative")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPurge(cmd.Context(), opts)
		},
	}
	cmd.Flags().Var(cmdutil.NewDurationValue(&opts.OlderThan, 0), "older-than",
		"keep sessions that expired or ended less than `DURATION` ago, such as 7d or 36h (default 0: delete them all)")
	return cmd
}

func runPurge(ctx context.Context, opts *PurgeOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	res, err := svc.PurgeSessions(ctx, acct.SessionPurgeOptions{OlderThan: opts.OlderThan})
	if err != nil {
		return err
	}
	if p.Human() {
		return p.Textf("deleted %s", plural(res.Deleted))
	}
	return p.PrintTable(cmdutil.Table{
		Columns: []string{"DELETED"},
		Rows:    [][]string{{strconv.FormatInt(res.Deleted, 10)}},
		JSON:    res,
	})
}
