package points

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// AddOptions are the parsed command line of "points add".
type AddOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Delta   int64
	Reason  string
}

// NewCmdAdd returns "points add". runF, if not nil, replaces the
// command's work.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *AddOptions) error) *cobra.Command {
	opts := &AddOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "add REF N --reason TEXT",
		Short: "Give a user points, or take them away",
		Long: cmdutil.LongHelp(`Change a user's points balance by N and print the ledger row: ID AT
DELTA BALANCE_AFTER ACTOR REASON (with -o json the object {"id",
"user_id", "delta", "balance_after", "reason", "actor", "at"}).

N is a whole number other than 0, at most 1000000000 either way; a
negative N takes points away. A number that starts with "-" would be read
as a flag: put it after "--", as in "acctl points add alice --reason
refund -- -20". --reason is required: it is kept in the ledger and the
audit trail.

A balance never goes below 0: a change that would take it there is
refused (exit 6) and changes nothing, even when several are made at once.
An account on deletion hold gets no points (exit 6), nor does a deleted
one (exit 4); a locked or pending account does.

A REF names a user: an id, a username, an email address or a phone
number.`),
		Example: `  acctl points add alice 50 --reason "beta tester"
  acctl points add alice@example.com --reason "redeemed a voucher" -- -20
  acctl points add 42 5 --reason "survey" -o json`,
		Args: cmdutil.ExactArgs(2, "REF", "N"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			n, err := strconv.ParseInt(strings.TrimPrefix(args[1], "+"), 10, 64)
			if err != nil || n == 0 {
				return cmdutil.UsageErrorf("N: want a whole number other than 0, such as 10 or -5, got %q", args[1])
			}
			opts.Delta = n
			if strings.TrimSpace(opts.Reason) == "" {
				return cmdutil.UsageErrorf("--reason is required: say why the balance changes")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAdd(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why the balance changes (`TEXT`, required; kept in the ledger and the audit trail)")
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		// "-5" reads as the shorthand flags -5: say how to write it.
		if msg := err.Error(); strings.Contains(msg, "unknown shorthand flag") && strings.ContainsAny(msg, "0123456789") {
			return cmdutil.WithHint(cmdutil.FlagErrorFunc(cmd, err),
				`to take points away, put the number after "--": acctl points add REF --reason TEXT -- -N`)
		}
		return cmdutil.FlagErrorFunc(cmd, err)
	})
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	e, err := svc.AddPoints(ctx, acct.PointsChange{User: opts.Ref, Delta: opts.Delta, Reason: opts.Reason})
	if err != nil {
		return err
	}
	return printEntry(p, e)
}

// printEntry writes one ledger row: one field per line on a terminal.
func printEntry(p *cmdutil.Printer, e *acct.PointsEntry) error {
	row := entryRow(*e)
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "id", Value: row[0]},
			{Key: "user_id", Value: strconv.FormatInt(e.UserID, 10)},
			{Key: "delta", Value: row[2]},
			{Key: "balance_after", Value: row[3]},
			{Key: "reason", Value: e.Reason},
			{Key: "actor", Value: e.Actor},
			{Key: "at", Value: row[1]},
		},
		Columns: entryColumns,
		Row:     row,
		JSON:    e,
	})
}
