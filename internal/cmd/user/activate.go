package user

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// ActivateOptions are the parsed command line of "user activate".
type ActivateOptions struct {
	Factory  *cmdutil.Factory
	Key      string
	KeyStdin bool
	// Send names the pending account to send the activation link to
	// again, instead of activating.
	Send string
}

// activationColumns are the columns of a sent activation link in tsv and
// csv.
var activationColumns = []string{"ID", "USER_ID", "TO", "EXPIRES"}

// NewCmdActivate returns "user activate". runF, if not nil, replaces the
// command's work.
func NewCmdActivate(f *cmdutil.Factory, runF func(context.Context, *ActivateOptions) error) *cobra.Command {
	opts := &ActivateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "activate [KEY | --key-stdin | --send REF]",
		Short: "Activate a pending account with the key of its activation link",
		Long: cmdutil.LongHelp(`Activate a pending account (see "user register --pending" and the
signup.verify setting) with the key of the activation link emailed to it,
and print the account: its status becomes active and its email address
verified.

The key is the part of the link after "confirm=" (or in place of "{code}"
in public_url). It may be given as the argument: it only ever activates an
account, once, and only for the address it was sent to. --key-stdin reads
it from the first line of stdin instead (as the activation page of a web
app would hand it over); on a terminal without either it is asked.

A key that was used already, or of an account that is active already, is
exit 4. A key that is wrong, expired or voided (by a newer link), or that
was sent to an address the account no longer has, is exit 5. A key of an
account that no longer exists is exit 3.

--send REF sends the pending account REF a new activation link (voiding the
older one), for when the first was lost or expired, and prints where it
went: exit 3 when no account is REF, exit 4 when it is active already. It
needs public_url and email delivery (email.smtp.* or outbox). Output: on a
terminal a line; piped, the tab-separated fields ID, USER_ID, TO, EXPIRES;
with -o json the object {id, user_id, to, expires_at}.

` + RefHelp),
		Example: `  acctl user activate 3ZK8Q0M7CWV5T2N9H4JD6XRB1PAE

  # from a web app's activation page
  printf '%s\n' "$KEY" | acctl user activate --key-stdin -o json

  # the link was lost: send a new one
  acctl user activate --send carol@example.com`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.Send != "" || opts.KeyStdin {
				return cmdutil.ExactArgs(0)(cmd, args)
			}
			if len(args) > 1 {
				return cmdutil.UsageErrorf("too many arguments: want one KEY, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Send != "" && opts.KeyStdin {
				return cmdutil.UsageErrorf("--send and --key-stdin cannot be used together")
			}
			if cmd.Flags().Changed("send") && strings.TrimSpace(opts.Send) == "" {
				return cmdutil.UsageErrorf("--send: want the REF of a pending account")
			}
			if len(args) == 1 {
				opts.Key = args[0]
				if strings.TrimSpace(opts.Key) == "" {
					return cmdutil.UsageErrorf("empty KEY")
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runActivate(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.KeyStdin, "key-stdin", false, "read the activation key from the first line of stdin")
	fl.StringVar(&opts.Send, "send", "", "send the pending account `REF` a new activation link instead")
	return cmd
}

func runActivate(ctx context.Context, opts *ActivateOptions) error {
	if opts.Send != "" {
		return runSendActivation(ctx, opts)
	}
	f := opts.Factory
	if opts.Key == "" && !opts.KeyStdin && !f.IO.IsStdinTTY() {
		return cmdutil.UsageErrorf("no KEY: give it as the argument, or on stdin with --key-stdin")
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true})
	if err != nil {
		return err
	}
	key := opts.Key
	if key == "" {
		if key, err = cmdutil.ReadCode(ctx, f.IO, "Activation key", "key"); err != nil {
			return err
		}
	}
	u, err := svc.Activate(ctx, key)
	if err != nil {
		return err
	}
	return PrintUser(p, u)
}

func runSendActivation(ctx context.Context, opts *ActivateOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true, Delivery: true})
	if err != nil {
		return err
	}
	sent, err := svc.SendActivation(ctx, opts.Send)
	if err != nil {
		return err
	}
	expires := cmdutil.FormatTime(sent.ExpiresAt)
	if format == "" && p.Human() {
		return p.Textf("sent activation link %s to %s; it works once, until %s", sent.ID, sent.To, expires)
	}
	uid := strconv.FormatInt(sent.UserID, 10)
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "id", Value: sent.ID},
			{Key: "user_id", Value: uid},
			{Key: "to", Value: sent.To},
			{Key: "expires_at", Value: expires},
		},
		Columns: activationColumns,
		Row:     []string{sent.ID, uid, sent.To, expires},
		JSON:    sent,
	})
}
