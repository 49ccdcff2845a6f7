package user

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// CheckOptions are the parsed command line of "user check".
type CheckOptions struct {
	Factory *cmdutil.Factory
	Check   acct.IdentifierCheck
}

// NewCmdCheck returns "user check". runF, if not nil, replaces the
// command's work.
func NewCmdCheck(f *cmdutil.Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "check [--email EMAIL] [--phone PHONE] [--username USERNAME]",
		Short: "Tell whether an email address, a phone number or a username is taken",
		Long: cmdutil.LongHelp(`Tell whether an email address, a phone number or a username is taken,
before an app offers it to a new account: one line per value given, its
field and "taken" or "free".

A value is taken when an account holds it (an email address or a phone
number as its primary or an extra address, verified or not; an account
on deletion hold keeps its own), or, for an email address or a username,
when it looks like one that an account holds (the same letters in another
script): registering it would be a conflict.

Exit 0 when every value is free; exit 4 when one is taken, naming each
taken field ("acctl: taken: email, username"; with -o json the answer
lists them under "taken" on stdout); exit 2 for a value that is not valid.
The auth API has no such endpoint (it would tell anyone who has an
account): app back ends use the admin API's CheckIdentifiers operation
with a key, which support keys may call.`),
		Example: `  acctl user check --email carol@example.com --username carol
  acctl user check --phone +14155550123 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Check == (acct.IdentifierCheck{}) {
				return cmdutil.UsageErrorf("name at least one of --email, --phone, --username")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCheck(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Check.Email, "email", "", "an email address")
	fl.StringVar(&opts.Check.Phone, "phone", "", "a phone number")
	fl.StringVar(&opts.Check.Username, "username", "", "a username")
	return cmd
}

func runCheck(ctx context.Context, opts *CheckOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	res, err := svc.CheckIdentifiers(ctx, opts.Check)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, f := range []string{"email", "phone", "username"} {
		switch {
		case contains(res.Taken, f):
			rows = append(rows, []string{f, "taken"})
		case contains(res.Free, f):
			rows = append(rows, []string{f, "free"})
		}
	}
	if err := p.PrintTable(cmdutil.Table{Columns: []string{"FIELD", "STATUS"}, Rows: rows, JSON: res}); err != nil {
		return err
	}
	if len(res.Taken) > 0 {
		return &acct.Error{Code: acct.CodeConflict, Field: res.Taken[0], Message: "taken: " + strings.Join(res.Taken, ", ")}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
