package job

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ListOptions are the parsed command line of "job list".
type ListOptions struct {
	Factory *cmdutil.Factory
	States  []acct.JobState
	Limit   int
}

// NewCmdList returns "job list". runF, if not nil, replaces the
// command's work.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	var states string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the queue's jobs, newest first",
		Long: cmdutil.LongHelp(`List the queue's jobs, newest first: ID KIND STATE ATTEMPTS DUE ERROR.

STATE is pending (DUE is when it may run), claimed (a runner has it; DUE
is when its lease ends, after which another may take it), done, or dead
(given up after jobs.attempts tries). What a job carries (an address, a
password hash) is never shown. Finished jobs are deleted after 7 days.`),
		Example: `  acctl job list
  acctl job list --state pending,claimed
  acctl job list --state dead -o json`,
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			opts.States = nil
			for s := range strings.SplitSeq(states, ",") {
				if strings.TrimSpace(s) == "" {
					continue
				}
				st, err := acct.ParseJobState(s)
				if err != nil {
					return cmdutil.UsageErrorf("--state: %q is not one of pending, claimed, done, dead", s)
				}
				opts.States = append(opts.States, st)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&states, "state", "", "only jobs in these `STATES` (comma-separated: pending, claimed, done, dead)")
	fl.IntVar(&opts.Limit, "limit", acct.DefaultPageSize, "at most `N` jobs")
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	jobs, err := svc.ListJobs(ctx, acct.JobQuery{States: opts.States, Limit: opts.Limit})
	if err != nil {
		return err
	}
	return printJobs(p, jobs, "no jobs")
}
