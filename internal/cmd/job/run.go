package job

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// RunOptions are the parsed command line of "job run".
type RunOptions struct {
	Factory *cmdutil.Factory
	Max     int
	Quiet   bool
}

// NewCmdRun returns "job run". runF, if not nil, replaces the command's
// work.
func NewCmdRun(f *cmdutil.Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the queued jobs that are due",
		Long: cmdutil.LongHelp(`Run the queued jobs that are due, until none is left (or --max have run),
and list them: ID KIND STATE ATTEMPTS DUE ERROR, where STATE is done,
pending (failed: tried again at DUE) or dead (given up).

It needs what the jobs need: the installation secret, public_url and
email delivery (email.smtp.* or outbox). On a remote store the server
runs them. A job that another process (a server, another "job run") has
claimed is left to it. Exit 0 when every job ran, even when some failed
(they are tried again later, and the failures are in the audit trail).`),
		Example: `  acctl job run
  acctl job run --max 100 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Max < 0 {
				return cmdutil.UsageErrorf("--max: must not be negative")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Max, "max", 0, "run at most `N` jobs (0: all that are due)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing (for cron)")
	return cmd
}

func runRun(ctx context.Context, opts *RunOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true, Delivery: true})
	if err != nil {
		return err
	}
	ran := []acct.Job{}
	for opts.Max == 0 || len(ran) < opts.Max {
		n := acct.DefaultJobBatch
		if opts.Max > 0 {
			n = min(n, opts.Max-len(ran))
		}
		res, err := svc.RunJobs(ctx, acct.JobRun{Max: n})
		if err != nil {
			return err
		}
		ran = append(ran, res.Jobs...)
		if len(res.Jobs) < n || ctx.Err() != nil {
			break
		}
	}
	if opts.Quiet {
		return ctx.Err()
	}
	return printJobs(p, ran, "no job was due")
}

// printJobs prints jobs as a table, or as JSON.
func printJobs(p *cmdutil.Printer, jobs []acct.Job, empty string) error {
	rows := make([][]string, len(jobs))
	for i, j := range jobs {
		rows[i] = []string{strconv.FormatInt(j.ID, 10), string(j.Kind), string(j.State), strconv.Itoa(j.Attempts),
			cmdutil.FormatTime(j.DueAt), j.LastError}
	}
	return p.PrintTable(cmdutil.Table{
		Columns: []string{"ID", "KIND", "STATE", "ATTEMPTS", "DUE", "ERROR"},
		Rows:    rows,
		JSON:    jobs,
		Empty:   empty,
	})
}
