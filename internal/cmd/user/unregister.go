package user

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// UnregisterOptions are the parsed command line of "user unregister".
type UnregisterOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Hold    time.Duration
	HoldSet bool // --hold was given; otherwise the config's deletion.hold
	Purge   bool
	Yes     bool
}

// NewCmdUnregister returns "user unregister". runF, if not nil, replaces
// the command's work.
func NewCmdUnregister(f *cmdutil.Factory, runF func(context.Context, *UnregisterOptions) error) *cobra.Command {
	opts := &UnregisterOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "unregister REF",
		Short: "Put a user account on deletion hold, or erase it",
		Long: cmdutil.LongHelp(`Put a user account on deletion hold and print it. During the hold the
account cannot be changed, and "acctl user restore" or a login brings it
back with the status it had. Once the hold has run out the account can no
longer be restored and no login brings it back (a login fails as for an
unknown account; "acctl user get" shows hold_expired); "acctl user purge"
erases it.

The hold lasts --hold, by default the deletion.hold setting (14d unless
configured); it is a positive duration (0 or less is exit 2). With --purge
the account is erased at once: its personal data is gone and only a
tombstone with its id is left for the audit trail.

On a terminal the command asks you to type the user's name to confirm;
elsewhere it needs --yes.

` + RefHelp),
		Example: `  acctl user unregister alice
  acctl user unregister alice@example.com --hold 30d --yes
  acctl user unregister 42 --purge --yes`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			opts.HoldSet = cmd.Flags().Changed("hold")
			if opts.HoldSet && opts.Purge {
				return cmdutil.UsageErrorf("--hold and --purge cannot be used together")
			}
			if opts.HoldSet && opts.Hold <= 0 {
				return cmdutil.UsageErrorf("--hold: must be a positive duration such as 14d or 36h, got %s (--purge erases the account now)", cmdutil.FormatDuration(opts.Hold))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUnregister(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Var(cmdutil.NewDurationValue(&opts.Hold, 0), "hold", "keep the account restorable for `DURATION` such as 14d or 36h (default: the deletion.hold setting)")
	fl.BoolVar(&opts.Purge, "purge", false, "erase the account now, without a hold")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runUnregister(ctx context.Context, opts *UnregisterOptions) error {
	f := opts.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	hold := cfg.DeletionHold
	if opts.HoldSet {
		hold = opts.Hold
	}
	if !opts.Yes && !f.IO.CanPrompt() {
		return cmdutil.ErrNeedYes
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	ref := opts.Ref
	if !opts.Yes {
		u, err := svc.User(ctx, ref)
		if err != nil {
			return err
		}
		question := fmt.Sprintf("User %d (%s) will be put on deletion hold for %s.", u.ID, describe(u), cmdutil.FormatDuration(hold))
		if opts.Purge {
			question = fmt.Sprintf("User %d (%s) will be erased now; this cannot be undone.", u.ID, describe(u))
		}
		if err := cmdutil.ConfirmTyped(ctx, f.IO, false, question, confirmName(u)); err != nil {
			return err
		}
		ref = strconv.FormatInt(u.ID, 10) // the very account that was confirmed
	}
	u, err := svc.Unregister(ctx, ref, acct.UnregisterOptions{Hold: hold, Purge: opts.Purge})
	if err != nil {
		return err
	}
	return PrintUser(p, u)
}

// confirmName is what the user must type to confirm: the username, else
// the email, else the phone, else the id.
func confirmName(u *acct.User) string {
	if names := userNames(u); len(names) > 0 {
		return names[0]
	}
	return strconv.FormatInt(u.ID, 10)
}

// describe names a user for people: the username and the email or phone.
func describe(u *acct.User) string {
	names := userNames(u)
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names[:min(2, len(names))], ", ")
}

// userNames are the user's username, email and phone that are set, in
// that order.
func userNames(u *acct.User) []string {
	var names []string
	for _, s := range []string{u.Username, u.Email, u.Phone} {
		if s != "" {
			names = append(names, s)
		}
	}
	return names
}
