package points

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// ShowOptions are the parsed command line of "points show".
type ShowOptions struct {
	Factory *cmdutil.Factory
	Ref     string
}

// NewCmdShow returns "points show". runF, if not nil, replaces the
// command's work.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show REF",
		Short: "Show a user's points balance and referral code",
		Long: cmdutil.LongHelp(`Show a user's points balance, with the account's own referral code (to
share: "acctl user register --invite CODE") and the id of the account that
referred it, if any.

On a terminal one field per line; piped, one tab-separated line USER_ID
USERNAME POINTS REFERRAL_CODE REFERRED_BY; with -o json the object
{"user_id", "username", "points", "referral_code", "referred_by"}
(username and referred_by only when set).

A REF names a user: an id, a username, an email address or a phone
number.`),
		Example: `  acctl points show alice
  acctl points show alice@example.com -o json
  acctl points show 42 | cut -f3`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runShow(cmd.Context(), opts)
		},
	}
	return cmd
}

func runShow(ctx context.Context, opts *ShowOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	b, err := svc.Points(ctx, opts.Ref)
	if err != nil {
		return err
	}
	referredBy := ""
	if b.ReferredBy != nil {
		referredBy = strconv.FormatInt(*b.ReferredBy, 10)
	}
	id, points := strconv.FormatInt(b.UserID, 10), strconv.FormatInt(b.Points, 10)
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "user_id", Value: id},
			{Key: "username", Value: b.Username},
			{Key: "points", Value: points},
			{Key: "referral_code", Value: b.ReferralCode},
			{Key: "referred_by", Value: referredBy},
		},
		Columns: []string{"USER_ID", "USERNAME", "POINTS", "REFERRAL_CODE", "REFERRED_BY"},
		Row:     []string{id, b.Username, points, b.ReferralCode, referredBy},
		JSON:    b,
	})
}
