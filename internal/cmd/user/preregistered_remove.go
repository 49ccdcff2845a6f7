package user

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// PreregRemoveOptions are the parsed command line of "user preregistered
// remove".
type PreregRemoveOptions struct {
	Factory *cmdutil.Factory
	Email   string
}

// NewCmdPreregRemove returns "user preregistered remove". runF, if not
// nil, replaces the command's work.
func NewCmdPreregRemove(f *cmdutil.Factory, runF func(context.Context, *PreregRemoveOptions) error) *cobra.Command {
	opts := &PreregRemoveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Take an email address off the pre-registration waiting list",
		Long: cmdutil.LongHelp(`Take an email address off the pre-registration waiting list (the person
changed their mind, or asked to be forgotten) and print the entry that was
removed. Registering an account with the address does this by itself.

It asks for no confirmation: the entry holds nothing but the address,
which "acctl user preregister" puts back. An address that is not on the
list is exit 3.`),
		Example: `  acctl user preregistered remove carol@example.com
  acctl user preregistered remove carol@example.com -o json`,
		Aliases: []string{"rm"},
		Args:    cmdutil.ExactArgs(1, "EMAIL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Email = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPreregRemove(cmd.Context(), opts)
		},
	}
	return cmd
}

func runPreregRemove(ctx context.Context, opts *PreregRemoveOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	pr, err := svc.RemovePreregistration(ctx, opts.Email)
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
