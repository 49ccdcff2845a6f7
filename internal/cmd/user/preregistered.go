package user

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// PreregisteredOptions are the parsed command line of "user
// preregistered".
type PreregisteredOptions struct {
	Factory *cmdutil.Factory
	Limit   int
	Cursor  string
	// Paging: --all lists every page, streamed; --page-object prints the
	// page as a PreregisteredPage (-o json only).
	cmdutil.Paging
}

// PreregisteredPage is the JSON of "user preregistered -o json
// --page-object": one page of the waiting list and the cursor of the
// next one, so that a script can page without reading stderr.
type PreregisteredPage struct {
	// Preregistrations are the entries of the page, in the order they
	// were added.
	Preregistrations []acct.Preregistration `json:"preregistrations"`
	// NextCursor is the --cursor of the next page; "" on the last page.
	NextCursor string `json:"next_cursor"`
}

// NewCmdPreregistered returns "user preregistered". runF, if not nil,
// replaces the command's work.
func NewCmdPreregistered(f *cmdutil.Factory, runF func(context.Context, *PreregisteredOptions) error) *cobra.Command {
	opts := &PreregisteredOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "preregistered",
		Short: "List the pre-registration waiting list",
		Long: cmdutil.LongHelp(`List the email addresses on the pre-registration waiting list ("acctl
user preregister"), in the order they were added, one page at a time:
ID EMAIL CREATED CREATED_BY. An address leaves the list when an account is
registered with it, or with "acctl user preregistered remove EMAIL".

When there are more entries than --limit, the command for the next page is
printed on stderr; stdout holds only the entries. With -o json the page is
a JSON array of objects {"id", "email", "created_at", "created_by"} ([]
when the list is empty, which is not an error). A script pages in one of
two ways, without reading stderr:

  --all           every page, one after another (--limit entries a page),
                  streamed to stdout as one list: one JSON array, one CSV
                  header
  --page-object   with -o json, the page as an object:
                  {"preregistrations": [...], "next_cursor": "..."};
                  next_cursor is "" on the last page, else the --cursor of
                  the next one`),
		Example: `  acctl user preregistered
  acctl user preregistered -o csv > waiting-list.csv
  acctl user preregistered --limit 500 --cursor 1200
  acctl user preregistered --all -o json > waiting-list.json
  acctl user preregistered -o json --page-object --cursor "$next" | jq -r .next_cursor
  acctl user preregistered remove carol@example.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			if err := opts.Paging.Check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPreregistered(cmd.Context(), opts)
		},
	}
	cmd.AddCommand(NewCmdPreregRemove(f, nil))
	fl := cmd.Flags()
	fl.IntVar(&opts.Limit, "limit", acct.DefaultPageSize, "at most `N` entries")
	fl.StringVar(&opts.Cursor, "cursor", "", "start after this `CURSOR`, printed with the previous page")
	opts.Paging.AddFlags(fl, "entries", `{"preregistrations": [...], "next_cursor": CURSOR}`)
	return cmd
}

func runPreregistered(ctx context.Context, opts *PreregisteredOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	if err := opts.Paging.CheckFormat(p); err != nil {
		return err
	}
	q := acct.PreregQuery{Limit: opts.Limit, Cursor: opts.Cursor}
	if opts.All {
		return cmdutil.PrintAllPages(p, cmdutil.Table{Columns: preregColumns, Empty: "no addresses on the waiting list"}, q.Cursor,
			func(cursor string) ([]acct.Preregistration, string, error) {
				q.Cursor = cursor
				page, err := svc.ListPreregistrations(ctx, q)
				if err != nil {
					return nil, "", err
				}
				return page.Preregistrations, page.Next, nil
			}, preregRow)
	}
	page, err := svc.ListPreregistrations(ctx, q)
	if err != nil {
		return err
	}
	if opts.PageObject {
		entries := page.Preregistrations
		if entries == nil {
			entries = []acct.Preregistration{}
		}
		return p.PrintJSON(PreregisteredPage{Preregistrations: entries, NextCursor: page.Next})
	}
	rows := make([][]string, len(page.Preregistrations))
	for i, pr := range page.Preregistrations {
		rows[i] = preregRow(pr)
	}
	err = p.PrintTable(cmdutil.Table{Columns: preregColumns, Rows: rows, JSON: page.Preregistrations,
		Empty: "no addresses on the waiting list"})
	if err != nil {
		return err
	}
	if page.Next != "" {
		args := []string{"acctl", "user", "preregistered"}
		if opts.Limit != acct.DefaultPageSize {
			args = append(args, "--limit", strconv.Itoa(opts.Limit))
		}
		args = append(args, "--cursor", shellQuote(page.Next))
		fmt.Fprintf(f.IO.ErrOut, "next page: %s\n", strings.Join(args, " "))
	}
	return nil
}
