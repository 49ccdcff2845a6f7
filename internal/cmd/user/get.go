package user

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// GetOptions are the parsed command line of "user get".
type GetOptions struct {
	Factory *cmdutil.Factory
	Ref     string
}

// NewCmdGet returns "user get". runF, if not nil, replaces the command's
// work.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "get REF",
		Short: "Show a user account",
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

` + RefHelp),
		Example: `  acctl user get alice
  acctl user get alice@example.com -o json
  acctl user get +447400123456
  acctl user get 42`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
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
	u, err := svc.User(ctx, opts.Ref)
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
