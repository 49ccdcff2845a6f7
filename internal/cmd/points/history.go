package points

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// HistoryOptions are the parsed command line of "points history".
type HistoryOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Limit   int
	Cursor  string
}

// NewCmdHistory returns "points history". runF, if not nil, replaces the
// command's work.
func NewCmdHistory(f *cmdutil.Factory, runF func(context.Context, *HistoryOptions) error) *cobra.Command {
	opts := &HistoryOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "history REF",
		Short: "List the changes of a user's points balance, newest first",
		Long: cmdutil.LongHelp(`List a user's points ledger, newest first, one page at a time: ID AT
DELTA BALANCE_AFTER ACTOR REASON. Every change of the balance has a row:
referral awards (reason "referral: …") and operators' changes ("acctl
points add"). Each row's BALANCE_AFTER is the balance the change left.

When there are more rows than --limit, the command for the next (older)
page is printed on stderr; stdout holds only the rows. With -o json the
page is a JSON array of objects {"id", "user_id", "delta",
"balance_after", "reason", "actor", "at"} ([] for an account without
changes, which is not an error).

A REF names a user: an id, a username, an email address or a phone
number.`),
		Example: `  acctl points history alice
  acctl points history alice@example.com -o json
  acctl points history 42 --limit 20 --cursor 310`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runHistory(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Limit, "limit", acct.DefaultPageSize, "at most `N` rows")
	fl.StringVar(&opts.Cursor, "cursor", "", "start before this `CURSOR`, printed with the previous page")
	return cmd
}

func runHistory(ctx context.Context, opts *HistoryOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	page, err := svc.PointsHistory(ctx, acct.PointsQuery{User: opts.Ref, Limit: opts.Limit, Cursor: opts.Cursor})
	if err != nil {
		return err
	}
	rows := make([][]string, len(page.Entries))
	for i, e := range page.Entries {
		rows[i] = entryRow(e)
	}
	if err := p.PrintTable(cmdutil.Table{Columns: entryColumns, Rows: rows, JSON: page.Entries, Empty: "no points changes"}); err != nil {
		return err
	}
	if page.Next != "" {
		args := []string{"acctl", "points", "history", shellQuote(opts.Ref)}
		if opts.Limit != acct.DefaultPageSize {
			args = append(args, "--limit", strconv.Itoa(opts.Limit))
		}
		args = append(args, "--cursor", page.Next)
		fmt.Fprintf(f.IO.ErrOut, "next page: %s\n", strings.Join(args, " "))
	}
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == '+' || r == '/' || r == ':' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
