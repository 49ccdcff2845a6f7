package user

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// UpdateOptions are the parsed command line of "user update".
type UpdateOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Update  acct.UserUpdate
}

// NewCmdUpdate returns "user update". runF, if not nil, replaces the
// command's work.
func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{Factory: f}
	var ff fieldFlags
	cmd := &cobra.Command{
		Use:   "update REF",
		Short: "Change a user account",
		Long: cmdutil.LongHelp(`Change the fields given as flags, leave the others as they are, and print
the account. A flag set to "" clears an optional field (an account keeps an
email address or a phone number). A changed email or phone is no longer
verified. Use --admin=false to take the administrator role away.

Email addresses and usernames are compared and stored in normal form
(NFKC, lower case: a fullwidth ｋｎｏｗｎ@example.com is known@example.com).
One that only looks like an address or username in use, such as
knоwn@example.com with a Cyrillic о or rnodern beside modern, is a
conflict (exit 4) naming the field. Invisible and bidi control characters
(zero-width space, right-to-left override) are refused in addresses,
usernames and names (exit 2).

` + RefHelp),
		Example: `  acctl user update alice --email alice@example.org
  acctl user update 42 --first-name Alice --last-name Liddell
  acctl user update bob --admin=false
  acctl user update alice --phone ""`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			opts.Update = ff.update(cmd)
			if opts.Update.Empty() {
				return cmdutil.UsageErrorf("nothing to update: give at least one of --%s", strings.Join(fieldFlagNames, ", --"))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUpdate(cmd.Context(), opts)
		},
	}
	addFieldFlags(cmd, &ff, "give the administrator role (--admin=false takes it away)")
	return cmd
}

func runUpdate(ctx context.Context, opts *UpdateOptions) error {
	return RunAndPrintUser(ctx, opts.Factory, func(svc acct.Service) (*acct.User, error) {
		return svc.UpdateUser(ctx, opts.Ref, opts.Update)
	})
}
