package password

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// ResetCodeOptions are the parsed command line of "password reset-code".
type ResetCodeOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	TTL     time.Duration
	Send    acct.Channel
	Reason  string
}

// sendChoices are the values of --send.
var sendChoices = []string{string(acct.ChannelNone), string(acct.ChannelEmail), string(acct.ChannelSMS)}

// resetCodeColumns are the columns of a new code in tsv and csv (given
// with -o): its JSON fields but the warnings.
var resetCodeColumns = []string{"ID", "CODE", "USER_ID", "EXPIRES", "ISSUED_BY", "SENT_BY"}

// NewCmdResetCode returns "password reset-code". runF, if not nil,
// replaces the command's work.
func NewCmdResetCode(f *cmdutil.Factory, runF func(context.Context, *ResetCodeOptions) error) *cobra.Command {
	opts := &ResetCodeOptions{Factory: f}
	var ttl, send string
	cmd := &cobra.Command{
		Use:   "reset-code REF",
		Short: "Issue a password reset code for a user who lost the password",
		Long: cmdutil.LongHelp(`Issue a one-time code with which a user who lost the password sets a new
one ("acctl password reset"). This is the support desk's tool: the staff
member reads the code out on the phone, or sends it to the user's email
address or phone.

The code is shown this once; only a keyed hash of it is stored. It looks
like 7KQ2-MX9D-4TFA-R1ZC (80 bits, no I, L, O or U) and is accepted in any
letter case, with or without the hyphens. It works once, for --ttl (default
1h; less than 5m or more than 24h is brought within those bounds, with a
warning on stderr). A new code voids the user's older ones; "password
codes" lists them and "password codes revoke" voids them.

Output without --send: on a terminal the code with its id and expiry (and a
reminder on stderr that it is shown once); piped, the bare code on one
line, so that CODE=$(acctl password reset-code …) works; with -o json the
object {id, code, user_id, expires_at, issued_by, sent_by, warnings}.

--send email or --send sms sends the code to the user's address or phone
instead (configured by email.smtp.*, email.from, sms.* or outbox: see
"acctl config show" and docs/architecture.md) and prints where it went,
never the code. A delivery that fails is
exit 7 with the reason, and the code is voided: no valid code is left that
nobody received.

--reason, like who issued the code, goes into the audit trail.

Codes are keyed by the installation secret (secret_file). Everyone who
uses a store must use the same secret file: the store remembers the
first one, and with another one every code command is exit 2 naming
secret_file. Through a server with a support key, the code of an admin
account is refused (exit 6).

` + user.RefHelp),
		Example: `  # read the code out to the user on the phone
  acctl password reset-code alice@example.com --reason "ticket 4411: lost phone"

  # in a script: the bare code on stdout
  CODE=$(acctl password reset-code alice --ttl 15m)

  acctl password reset-code alice --send email
  acctl password reset-code +14155550123 --send sms --ttl 10m -o json`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			d, err := cmdutil.ParseDuration(ttl)
			if err != nil || d < 0 {
				return cmdutil.UsageErrorf("--ttl: want a duration such as 15m or 2h, got %q", ttl)
			}
			opts.TTL = d
			switch s := strings.ToLower(strings.TrimSpace(send)); s {
			case string(acct.ChannelNone), string(acct.ChannelEmail), string(acct.ChannelSMS):
				opts.Send = acct.Channel(s)
			default:
				return cmdutil.UsageErrorf("--send: unknown channel %q (want %s)", send, strings.Join(sendChoices, ", "))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runResetCode(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&ttl, "ttl", "1h", "how long the code works: a `DURATION` from 5m to 24h")
	fl.StringVar(&send, "send", string(acct.ChannelNone), "send the code by `CHANNEL` instead of printing it: none, email or sms")
	fl.StringVar(&opts.Reason, "reason", "", "`TEXT` for the audit trail: why the code is issued, e.g. a ticket number")
	_ = cmd.RegisterFlagCompletionFunc("send", cobra.FixedCompletions(sendChoices, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runResetCode(ctx context.Context, opts *ResetCodeOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	needs := cmdutil.Needs{Secret: true}
	needs.Delivery = opts.Send != acct.ChannelNone // Local checks the channel before it makes a code
	p, svc, err := f.PrinterAndServiceFor(ctx, needs)
	if err != nil {
		return err
	}
	rc, err := svc.IssueResetCode(ctx, acct.ResetCodeRequest{Ref: opts.Ref, TTL: opts.TTL, Send: opts.Send, Reason: opts.Reason})
	if err != nil {
		return err
	}
	for _, w := range rc.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "acctl: warning: %s\n", w)
	}
	sent := rc.SentBy != "" && rc.SentBy != acct.ChannelNone
	switch {
	case p.JSON():
		return p.PrintJSON(rc)
	case format == "" && sent:
		return p.Textf("sent reset code %s by %s to %s; it works once, until %s",
			rc.ID, rc.SentBy, rc.SentTo, cmdutil.FormatTime(rc.ExpiresAt))
	case format == "" && !p.Human():
		// Piped without -o: the bare code, for CODE=$(acctl password reset-code …).
		_, err := fmt.Fprintln(f.IO.Out, rc.Code)
		return err
	}
	err = p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "id", Value: rc.ID},
			{Key: "code", Value: rc.Code},
			{Key: "user_id", Value: strconv.FormatInt(rc.UserID, 10)},
			{Key: "expires_at", Value: cmdutil.FormatTime(rc.ExpiresAt)},
			{Key: "issued_by", Value: rc.IssuedBy},
			{Key: "sent_by", Value: string(rc.SentBy)},
		},
		Columns: resetCodeColumns,
		Row: []string{rc.ID, rc.Code, strconv.FormatInt(rc.UserID, 10), cmdutil.FormatTime(rc.ExpiresAt),
			rc.IssuedBy, string(rc.SentBy)},
		JSON: rc,
	})
	if err == nil && p.Human() && !sent {
		fmt.Fprintln(f.IO.ErrOut, "The code is shown only this once and works once: give it to the user now.")
	}
	return err
}
