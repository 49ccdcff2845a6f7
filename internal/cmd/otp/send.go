package otp

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// SendOptions are the parsed command line of "otp send".
type SendOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	Purpose string
	Channel acct.Channel
}

// channels are the values of --channel.
var channels = []string{string(acct.ChannelSMS), string(acct.ChannelEmail)}

// sentColumns are the columns of a sent passcode in tsv and csv.
var sentColumns = []string{"ID", "USER_ID", "TO", "CHANNEL", "PURPOSE", "EXPIRES"}

// NewCmdSend returns "otp send". runF, if not nil, replaces the command's
// work.
func NewCmdSend(f *cmdutil.Factory, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{Factory: f}
	var purpose, channel string
	cmd := &cobra.Command{
		Use:   "send REF|PHONE --purpose PURPOSE",
		Short: "Send a user a one-time passcode by SMS or email",
		Long: cmdutil.LongHelp(`Send a 6-digit one-time passcode for PURPOSE (verify-phone, recovery or
signup; see "acctl otp --help") and print where it went: the passcode's
id, the user's id, the number or address, the channel, the purpose and the
expiry. The passcode itself is never printed: it is in the message alone.

The passcode goes by SMS: to PHONE when the argument is a phone number
(one of the account's), else to the account's phone. --channel email sends
a signup passcode to the account's email address instead; a verify-phone
or recovery passcode goes to the phone only (a lost password is reset by
email with "acctl password forgot").

A phone that belongs to no account is exit 3, and no message is sent. A
second passcode of the same purpose to the same number or address within
otp.cooldown (default 60s) of the last is exit 6 (a passcode to another
phone of the account is not held up), and the message says how long to wait; so is a sixth
passcode to one number or address within 10 minutes. A verify-phone
passcode for a phone that is verified already is exit 4, as is a signup
passcode for an account that is active already.

It needs delivery in the configuration (sms.webhook.url, sms.command,
email.smtp.* or outbox: see "acctl config show"); without it the command
is exit 2 before anything is sent. A delivery that fails is exit 7, and the
passcode is voided.

Output: on a terminal a line saying where the passcode went; piped, the
tab-separated fields ID, USER_ID, TO, CHANNEL, PURPOSE, EXPIRES; with -o
json the object {id, user_id, to, channel, purpose, expires_at}.

` + user.RefHelp),
		Example: `  # the user proves the phone by typing the passcode back
  acctl otp send +14155550123 --purpose verify-phone
  acctl otp verify +14155550123 --purpose verify-phone

  # a lost password, recovered by SMS
  acctl otp send +14155550123 --purpose recovery -o json
  acctl password reset --phone +14155550123

  acctl otp send alice --purpose signup --channel email`,
		Args: cmdutil.ExactArgs(1, "REF|PHONE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			var err error
			if opts.Purpose, err = parsePurpose(purpose, purposes); err != nil {
				return err
			}
			switch c := strings.ToLower(strings.TrimSpace(channel)); c {
			case string(acct.ChannelSMS), string(acct.ChannelEmail):
				opts.Channel = acct.Channel(c)
			default:
				return cmdutil.UsageErrorf("--channel: unknown channel %q (want sms or email)", channel)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSend(cmd.Context(), opts)
		},
	}
	addPurposeFlag(cmd, &purpose, purposes)
	cmd.Flags().StringVar(&channel, "channel", string(acct.ChannelSMS), "send the passcode by `CHANNEL`: sms, or email (signup only)")
	_ = cmd.RegisterFlagCompletionFunc("channel", cobra.FixedCompletions(channels, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runSend(ctx context.Context, opts *SendOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{Secret: true, Delivery: true})
	if err != nil {
		return err
	}
	sent, err := svc.SendOTP(ctx, acct.OTPRequest{Ref: opts.Ref, Purpose: opts.Purpose, Channel: opts.Channel})
	if err != nil {
		return err
	}
	if format == "" && p.Human() {
		return p.Textf("sent a %s passcode (%s) by %s to %s; it works once, until %s",
			sent.Purpose, sent.ID, sent.Channel, sent.To, cmdutil.FormatTime(sent.ExpiresAt))
	}
	uid := strconv.FormatInt(sent.UserID, 10)
	expires := cmdutil.FormatTime(sent.ExpiresAt)
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "id", Value: sent.ID},
			{Key: "user_id", Value: uid},
			{Key: "to", Value: sent.To},
			{Key: "channel", Value: string(sent.Channel)},
			{Key: "purpose", Value: sent.Purpose},
			{Key: "expires_at", Value: expires},
		},
		Columns: sentColumns,
		Row:     []string{sent.ID, uid, sent.To, string(sent.Channel), sent.Purpose, expires},
		JSON:    sent,
	})
}
