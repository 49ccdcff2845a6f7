// Package job holds the "acctl job" commands: the durable queue of the
// work that answers promise (sign-up and forgot-password messages).
package job

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdJob returns the "job" command and its verbs.
func NewCmdJob(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "job <command>",
		Short: "Run and list the queue of messages that answers promised",
		Long: cmdutil.LongHelp(`The store keeps a queue of jobs: the work that an answer promised, such as
the link of "acctl password forgot" or of a sign-up on the auth API,
committed before the answer, so that a crash loses none of it.

"acctl serve" runs the queue of the store it serves (every jobs.interval,
and at once for its own jobs), trying a failed job again after 30s, then
1m, 2m… (at most 1h between tries), up to jobs.attempts times; each
failure and each give-up is in the audit trail. Several servers on one
PostgreSQL share the queue and never run one job twice. With no server on
the store, "acctl job run" runs it: from cron, every minute.`),
		Example: `  acctl job run
  acctl job list --state pending,dead

  # crontab: send what is due, every minute
  * * * * * acctl job run --quiet`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(NewCmdRun(f, nil), NewCmdList(f, nil))
	return cmd
}
