// Package points holds the "acctl points" commands: show, add and
// history.
package points

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdPoints returns the "points" command and its verbs.
func NewCmdPoints(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "points <command>",
		Short: "Show and change users' points, and their ledger",
		Long: cmdutil.LongHelp(`Show and change the points balance of a user account, and read its
ledger.

Points come from referrals ("acctl user register --invite CODE" gives
referral.referrer_points to the owner of the code and
referral.new_user_points to the new account) and from operators ("acctl
points add"). A balance never goes below 0. Every change is a row in the
account's ledger, with the balance after it, and an event in the audit
trail (points.award for a referral, points.add for an operator's change).

A REF names a user: an id, a username, an email address or a phone
number.`),
		Example: `  acctl points show alice
  acctl points add alice 50 --reason "beta tester"
  acctl points add alice --reason "redeemed a voucher" -- -20
  acctl points history alice -o json`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdShow(f, nil),
		NewCmdAdd(f, nil),
		NewCmdHistory(f, nil),
	)
	return cmd
}

// entryColumns are the columns of a ledger row in tables, tsv and csv.
var entryColumns = []string{"ID", "AT", "DELTA", "BALANCE_AFTER", "ACTOR", "REASON"}

func entryRow(e acct.PointsEntry) []string {
	return []string{
		strconv.FormatInt(e.ID, 10),
		cmdutil.FormatTime(e.At),
		formatDelta(e.Delta),
		strconv.FormatInt(e.Balance, 10),
		e.Actor,
		e.Reason,
	}
}

// formatDelta writes a change with its sign: +10, -5.
func formatDelta(d int64) string {
	if d > 0 {
		return "+" + strconv.FormatInt(d, 10)
	}
	return strconv.FormatInt(d, 10)
}
