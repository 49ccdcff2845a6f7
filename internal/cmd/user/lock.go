package user

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// LockOptions are the parsed command line of "user lock".
type LockOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Until   string // RFC 3339 time or a duration from now; resolved by cmdutil.UntilTime
	Reason  string
}

// NewCmdLock returns "user lock". runF, if not nil, replaces the command's
// work.
func NewCmdLock(f *cmdutil.Factory, runF func(context.Context, *LockOptions) error) *cobra.Command {
	opts := &LockOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "lock REF",
		Short: "Disable a user account and end its sessions",
		Long: cmdutil.LongHelp(`Disable a user account and print it: every session of the user ends at
once, and no login works (exit 6, whatever the password) until the lock
ends. The account keeps its data; "acctl user unlock" lifts the lock.

Without --until the lock lasts until an operator unlocks the account.
--until takes an RFC 3339 time or a duration from now such as 2h or 7d.
--reason is a short note for the other operators; it is shown by "user get"
and kept in the audit trail, so write no personal data in it.

The same state follows from too many failed logins in a row (see the
lockout.threshold and lockout.duration settings).

` + RefHelp),
		Example: `  acctl user lock alice --reason "suspected account takeover"
  acctl user lock alice@example.com --until 2h
  acctl user lock 42 --until 2026-04-01T00:00:00Z -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if opts.Until != "" {
				if _, err := cmdutil.UntilTime("--until", opts.Until, time.Now()); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLock(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Until, "until", "", "lock until `TIME` (RFC 3339) or for a duration from now (2h, 7d); default: until unlocked")
	fl.StringVar(&opts.Reason, "reason", "", "why the account is locked, a short `TEXT` shown to operators")
	return cmd
}

func runLock(ctx context.Context, opts *LockOptions) error {
	f := opts.Factory
	var lock acct.LockOptions
	lock.Reason = opts.Reason
	if opts.Until != "" {
		until, err := cmdutil.UntilTime("--until", opts.Until, f.Clock())
		if err != nil {
			return err
		}
		lock.Until = &until
	}
	return RunAndPrintUser(ctx, f, func(svc acct.Service) (*acct.User, error) {
		return svc.LockUser(ctx, opts.Ref, lock)
	})
}
