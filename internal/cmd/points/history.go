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
	// Paging: --all lists every page, streamed; --page-object prints the
	// page as a HistoryPage (-o json only).
	cmdutil.Paging
}

// HistoryPage is the JSON of "points history -o json --page-object": one
// page of ledger rows and the cursor of the next (older) one, so that a
// script can page without reading stderr.
type HistoryPage struct {
	// Entries are the rows of the page, newest first.
	Entries []acct.PointsEntry `json:"entries"`
	// NextCursor is the --cursor of the next page; "" on the last page.
	NextCursor string `json:"next_cursor"`
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
changes, which is not an error). A script pages in one of two ways,
without reading stderr:

  --all           every page, one after another (--limit rows a page),
                  streamed to stdout as one list: one JSON array, one CSV
                  header
  --page-object   with -o json, the page as an object:
                  {"entries": [...], "next_cursor": "..."}; next_cursor
                  is "" on the last page, else the --cursor of the next
                  one

A REF names a user: an id, a username, an email address or a phone
number.`),
		Example: `  acctl points history alice
  acctl points history alice@example.com -o json
  acctl points history 42 --limit 20 --cursor 310
  acctl points history alice --all -o csv > alice-points.csv
  acctl points history alice -o json --page-object --cursor "$next" | jq -r .next_cursor`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			if err := opts.Paging.Check(); err != nil {
				return err
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
	opts.Paging.AddFlags(fl, "rows", `{"entries": [...], "next_cursor": CURSOR}`)
	return cmd
}

func runHistory(ctx context.Context, opts *HistoryOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	if err := opts.Paging.CheckFormat(p); err != nil {
		return err
	}
	q := acct.PointsQuery{User: opts.Ref, Limit: opts.Limit, Cursor: opts.Cursor}
	if opts.All {
		return cmdutil.PrintAllPages(p, cmdutil.Table{Columns: entryColumns, Empty: "no points changes"}, q.Cursor,
			func(cursor string) ([]acct.PointsEntry, string, error) {
				q.Cursor = cursor
				page, err := svc.PointsHistory(ctx, q)
				if err != nil {
					return nil, "", err
				}
				return page.Entries, page.Next, nil
			}, entryRow)
	}
	page, err := svc.PointsHistory(ctx, q)
	if err != nil {
		return err
	}
	if opts.PageObject {
		entries := page.Entries
		if entries == nil {
			entries = []acct.PointsEntry{}
		}
		return p.PrintJSON(HistoryPage{Entries: entries, NextCursor: page.Next})
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
