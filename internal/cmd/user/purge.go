package user

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// PurgeOptions are the parsed command line of "user purge".
type PurgeOptions struct {
	Factory *cmdutil.Factory
	DryRun  bool
}

// NewCmdPurge returns "user purge". runF, if not nil, replaces the
// command's work.
func NewCmdPurge(f *cmdutil.Factory, runF func(context.Context, *PurgeOptions) error) *cobra.Command {
	opts := &PurgeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Erase the accounts whose deletion hold has run out",
		Long: cmdutil.LongHelp(`Erase every account whose deletion hold has run out, and print their ids.
Accounts still on hold are left alone, so the command asks for no
confirmation: it is meant to run from cron. Running it again finds nothing
more to erase.

On a terminal it prints a summary ("purged 3 accounts"); piped, the ids one
per line; with -o json the object {"dry_run": …, "purged": [ids]}.`),
		Example: `  acctl user purge --dry-run
  acctl user purge

  # crontab: every night at 03:00
  0 3 * * * acctl user purge -o json >> /var/log/acctl-purge.log`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPurge(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "list the accounts that would be erased, erase nothing")
	return cmd
}

func runPurge(ctx context.Context, opts *PurgeOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	res, err := svc.PurgeHeld(ctx, acct.PurgeOptions{DryRun: opts.DryRun})
	if err != nil {
		return err
	}
	if res.Purged == nil {
		res.Purged = []int64{}
	}
	ids := make([]string, len(res.Purged))
	rows := make([][]string, len(res.Purged))
	for i, id := range res.Purged {
		ids[i] = strconv.FormatInt(id, 10)
		rows[i] = []string{ids[i]}
	}
	if !p.Human() {
		return p.PrintTable(cmdutil.Table{Columns: []string{"ID"}, Rows: rows, JSON: res})
	}
	n := accounts(len(ids))
	switch {
	case res.DryRun && len(ids) > 0:
		return p.Textf("would purge %s: %s", n, strings.Join(ids, " "))
	case res.DryRun:
		return p.Textf("would purge %s", n)
	default:
		return p.Textf("purged %s", n)
	}
}

func accounts(n int) string {
	if n == 1 {
		return "1 account"
	}
	return strconv.Itoa(n) + " accounts"
}
