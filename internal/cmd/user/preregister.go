package user

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// PreregisterOptions are the parsed command line of "user preregister".
type PreregisterOptions struct {
	Factory *cmdutil.Factory
	Email   string
}

// preregColumns are the columns of a waiting-list entry in tables, tsv
// and csv.
var preregColumns = []string{"ID", "EMAIL", "CREATED", "CREATED_BY"}

func preregRow(p acct.Preregistration) []string {
	return []string{strconv.FormatInt(p.ID, 10), p.Email, cmdutil.FormatTime(p.CreatedAt), p.CreatedBy}
}

// NewCmdPreregister returns "user preregister". runF, if not nil,
// replaces the command's work.
func NewCmdPreregister(f *cmdutil.Factory, runF func(context.Context, *PreregisterOptions) error) *cobra.Command {
	opts := &PreregisterOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "preregister EMAIL",
		Short: "Put an email address on the pre-registration waiting list",
		Long: cmdutil.LongHelp(`Put an email address on the pre-registration waiting list, for someone
who asked to be told when they may sign up, and print the entry: its id,
the address (in lower case), when and by whom it was added.

"acctl user preregistered" lists the waiting list. Whatever makes the
address an account's takes it off the list, in the same transaction:
registering an account with it ("acctl user register --email EMAIL"),
making it an account's email ("acctl user update REF --email EMAIL"),
adding it to one ("acctl user email add REF EMAIL") or importing it
("acctl user import"). "acctl user preregistered remove EMAIL" takes it
off by hand. Nothing is sent to the address.

An address that belongs to an account (as its primary or an extra address,
also while the account is on deletion hold) or that is on the list already
is a conflict: exit 4, and the list is unchanged. The audit trail records
the entry by its id, never the address: it belongs to no account.`),
		Example: `  acctl user preregister carol@example.com
  acctl user preregister carol@example.com -o json`,
		Args: cmdutil.ExactArgs(1, "EMAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Email = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPreregister(cmd.Context(), opts)
		},
	}
	return cmd
}

func runPreregister(ctx context.Context, opts *PreregisterOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	pr, err := svc.Preregister(ctx, opts.Email)
	if err != nil {
		return err
	}
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "id", Value: strconv.FormatInt(pr.ID, 10)},
			{Key: "email", Value: pr.Email},
			{Key: "created_at", Value: cmdutil.FormatTime(pr.CreatedAt)},
			{Key: "created_by", Value: pr.CreatedBy},
		},
		Columns: preregColumns,
		Row:     preregRow(*pr),
		JSON:    pr,
	})
}
