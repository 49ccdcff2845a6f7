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

// ListOptions are the parsed command line of "user list".
type ListOptions struct {
	Factory *cmdutil.Factory
	Status  string
	Search  string
	Limit   int
	Cursor  string
	MFA     string // "with", "without" or "" for all
	// Paging: --all lists every page, streamed; --page-object prints the
	// page as a UserListPage (-o json only).
	cmdutil.Paging
}

// UserListPage is the JSON of "user list -o json --page-object": one page
// of accounts and the cursor of the next one, so that a script can page
// without reading stderr.
type UserListPage struct {
	// Users are the accounts of the page, in id order.
	Users []acct.User `json:"users"`
	// NextCursor is the --cursor of the next page; "" on the last page.
	NextCursor string `json:"next_cursor"`
}

var statuses = []string{
	string(acct.StatusActive), string(acct.StatusPending), string(acct.StatusLocked),
	string(acct.StatusHeld), string(acct.StatusDeleted),
}

// NewCmdList returns "user list". runF, if not nil, replaces the command's
// work.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List user accounts",
		Long: cmdutil.LongHelp(`List user accounts, in id order, one page at a time.

Without --status every account but the deleted ones is listed. --search
matches part of the username, email, phone or name, ignoring case (at most
254 characters). --mfa with lists only the accounts with an active second
factor ("acctl mfa"), --mfa without the others (none, or only pending).

When there are more accounts than --limit, the command for the next page is
printed on stderr; stdout holds only the accounts. A script pages in one of
two ways, without reading stderr:

  --all           every page, one after another (--limit accounts a page),
                  streamed to stdout as one list: one JSON array, one CSV
                  header
  --page-object   with -o json, the page as an object:
                  {"users": [...], "next_cursor": "..."}; next_cursor is
                  "" on the last page, else the --cursor of the next one

-o json without --page-object prints the array of accounts, as always.`),
		Example: `  acctl user list
  acctl user list --status held
  acctl user list --mfa without --status active
  acctl user list --search example.com -o csv > users.csv
  acctl user list --limit 500 --cursor 1200
  acctl user list --all -o json > users.json
  acctl user list -o json --page-object --cursor "$next" | jq -r .next_cursor`,
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Status != "" && !acct.Status(opts.Status).Valid() {
				return cmdutil.UsageErrorf("--status: unknown status %q (want %s)", opts.Status, strings.Join(statuses, ", "))
			}
			if opts.MFA != "" && opts.MFA != string(acct.MFAWith) && opts.MFA != string(acct.MFAWithout) {
				return cmdutil.UsageErrorf("--mfa: %q is not one of with, without", opts.MFA)
			}
			if opts.Limit < 1 || opts.Limit > acct.MaxPageSize {
				return cmdutil.UsageErrorf("--limit: must be between 1 and %d", acct.MaxPageSize)
			}
			if err := opts.Paging.Check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Status, "status", "", "only accounts in this `STATE`: "+strings.Join(statuses, ", "))
	fl.StringVar(&opts.Search, "search", "", "only accounts whose username, email, phone or name contains `TEXT`")
	fl.StringVar(&opts.MFA, "mfa", "", "only accounts `with` or `without` an active second factor")
	fl.IntVar(&opts.Limit, "limit", acct.DefaultPageSize, "at most `N` accounts")
	fl.StringVar(&opts.Cursor, "cursor", "", "start after this `CURSOR`, printed with the previous page")
	opts.Paging.AddFlags(fl, "accounts", `{"users": [...], "next_cursor": CURSOR}`)
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(statuses, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("mfa", cobra.FixedCompletions([]string{"with", "without"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	if err := opts.Paging.CheckFormat(p); err != nil {
		return err
	}
	q := acct.UserQuery{
		Status: acct.Status(opts.Status),
		Search: opts.Search,
		Limit:  opts.Limit,
		Cursor: opts.Cursor,
		MFA:    acct.MFAFilter(opts.MFA),
	}
	if opts.All {
		return cmdutil.PrintAllPages(p, cmdutil.Table{Columns: columns, Empty: "no users"}, q.Cursor,
			func(cursor string) ([]acct.User, string, error) {
				q.Cursor = cursor
				page, err := svc.ListUsers(ctx, q)
				if err != nil {
					return nil, "", err
				}
				return page.Users, page.Next, nil
			}, row)
	}
	page, err := svc.ListUsers(ctx, q)
	if err != nil {
		return err
	}
	if opts.PageObject {
		users := page.Users
		if users == nil {
			users = []acct.User{}
		}
		return p.PrintJSON(UserListPage{Users: users, NextCursor: page.Next})
	}
	if err := printUsers(p, page.Users); err != nil {
		return err
	}
	if page.Next != "" {
		fmt.Fprintf(f.IO.ErrOut, "next page: %s\n", nextPageCommand(opts, page.Next))
	}
	return nil
}

// nextPageCommand is the command line that lists the page after this one.
func nextPageCommand(opts *ListOptions, next string) string {
	args := []string{"acctl", "user", "list"}
	if opts.Status != "" {
		args = append(args, "--status", opts.Status)
	}
	if opts.Search != "" {
		args = append(args, "--search", shellQuote(opts.Search))
	}
	if opts.MFA != "" {
		args = append(args, "--mfa", opts.MFA)
	}
	if opts.Limit != acct.DefaultPageSize {
		args = append(args, "--limit", strconv.Itoa(opts.Limit))
	}
	args = append(args, "--cursor", shellQuote(next))
	return strings.Join(args, " ")
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
