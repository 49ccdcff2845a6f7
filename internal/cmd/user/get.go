package user

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// GetOptions are the parsed command line of "user get".
type GetOptions struct {
	Factory *cmdutil.Factory
	// Refs are the REFs to look up; Stdin reads them from stdin instead
	// (the REF "-").
	Refs  []string
	Stdin bool
}

// many reports whether the command answers in JSON lines: several REFs,
// or REFs from stdin.
func (o *GetOptions) many() bool { return o.Stdin || len(o.Refs) > 1 }

// NewCmdGet returns "user get". runF, if not nil, replaces the command's
// work.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "get REF... | get -",
		Short: "Show user accounts",
		Long: cmdutil.LongHelp(`Show a user account: every field, one per line, on a terminal; one
tab-separated line (ID USERNAME EMAIL PHONE NAME STATUS CREATED) when piped;
the account object with -o json.

The email and phone fields are the primary addresses; other_emails and
other_phones list the extra ones ("acctl user email", "acctl user phone"),
each marked "(unverified)" until the user proves to control it. The JSON
has every address, the primary ones included, in "addresses".

An account on deletion hold shows hold_until; once that time has passed,
hold_until says "(ran out: only a purge is left)" and the JSON has
"hold_expired": true: the account can no longer be restored or log in.

Many accounts in one process: several REFs, or "-" to read one REF per
line of stdin to its end. The answer is then JSON lines: one compact
object per REF, in their order, the account object of -o json for a REF
that names a user and {"error":{"code":"not_found","message":…}} for one
that names nobody (code invalid for a line that is not a REF). Every REF
is answered; the exit code is then 3 if any REF named nobody, else 2 if
any was not a REF. The REFs go to the store in batches (one request per
batch to a server), so a script that checks thousands of accounts starts
one process, not thousands.

` + RefHelp),
		Example: `  acctl user get alice
  acctl user get alice@example.com -o json
  acctl user get +447400123456
  acctl user get 42

  # many at once: one JSON object per line, in order
  acctl user get alice bob carol
  cut -d, -f2 emails.csv | acctl user get - > accounts.jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.UsageErrorf("missing argument REF (or - to read REFs from stdin)")
			}
			for _, a := range args {
				if a == "-" && len(args) > 1 {
					return cmdutil.UsageErrorf("- reads the REFs from stdin: give it alone, without other REFs")
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs, opts.Stdin = args, args[0] == "-"
			if opts.Stdin {
				opts.Refs = nil
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.many() {
				return runGetMany(cmd.Context(), opts)
			}
			return runGet(cmd.Context(), opts)
		},
	}
	return cmd
}

func runGet(ctx context.Context, opts *GetOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	u, err := svc.User(ctx, opts.Refs[0])
	if err != nil {
		return err
	}
	// address.go: the extra addresses too.
	addrs, err := svc.ListAddresses(ctx, strconv.FormatInt(u.ID, 10), "")
	if err != nil {
		return err
	}
	return printUserAddresses(p, u, addrs)
}

// runGetMany answers many REFs in JSON lines, through LookupUsers.
func runGetMany(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	if err := f.BatchFormat(); err != nil {
		return err
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	src := cmdutil.ArgItems(opts.Refs)
	if opts.Stdin {
		src = cmdutil.LineItems(f.IO.In)
	}
	var tally cmdutil.Tally
	err = cmdutil.RunBatches(ctx, f.IO.Out, src, func(ctx context.Context, refs []string) ([]any, error) {
		res, err := svc.LookupUsers(ctx, refs)
		if err != nil {
			return nil, err
		}
		lines := make([]any, len(res))
		errs := make([]*acct.ItemError, len(res))
		for i, r := range res {
			if r.Error != nil || r.User == nil {
				if r.Error == nil {
					r.Error = &acct.ItemError{Code: acct.CodeInternal, Message: "no answer"}
				}
				lines[i], errs[i] = cmdutil.ErrorLine{Error: r.Error}, r.Error
				continue
			}
			if r.Addresses == nil {
				r.Addresses = []acct.Address{}
			}
			lines[i] = UserWithAddresses{User: r.User, Addresses: r.Addresses}
		}
		tally.Add(len(res), errs...)
		return lines, nil
	})
	if err != nil {
		return err
	}
	return tally.Err("REFs", acct.CodeNotFound, acct.CodeInvalid)
}
