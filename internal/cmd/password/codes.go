package password

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// CodesOptions are the parsed command line of "password codes".
type CodesOptions struct {
	Factory *cmdutil.Factory
	Ref     string
}

// codeColumns are the columns of a code in tables, tsv and csv.
var codeColumns = []string{"ID", "KIND", "CREATED", "EXPIRES", "ISSUED_BY", "SENT_BY"}

// NewCmdCodes returns "password codes" and its verb "revoke". runF, if
// not nil, replaces the listing's work.
func NewCmdCodes(f *cmdutil.Factory, runF func(context.Context, *CodesOptions) error) *cobra.Command {
	opts := &CodesOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "codes REF",
		Short: "List a user's outstanding reset codes",
		Long: cmdutil.LongHelp(`List the codes of a user that still work (not used, not voided, not
expired), newest first: ID KIND CREATED EXPIRES ISSUED_BY SENT_BY. KIND is
reset (from "password reset-code") or forgot (a forgot-password link);
SENT_BY is none when the code was handed over by the staff member who
issued it. A code itself is never shown: only its keyed hash is stored.

"password codes revoke" voids codes.

` + user.RefHelp),
		Example: `  acctl password codes alice@example.com
  acctl password codes 42 -o json
  acctl password codes revoke cod_4k7q2mx9d1tf`,
		Aliases: []string{"code"},
		Args:    cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCodes(cmd.Context(), opts)
		},
	}
	cmd.AddCommand(NewCmdRevoke(f, nil))
	return cmd
}

func runCodes(ctx context.Context, opts *CodesOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	codes, err := svc.ListCodes(ctx, opts.Ref)
	if err != nil {
		return err
	}
	rows := make([][]string, len(codes))
	for i, c := range codes {
		rows[i] = []string{c.ID, string(c.Kind), cmdutil.FormatTime(c.CreatedAt), cmdutil.FormatTime(c.ExpiresAt), c.IssuedBy, string(c.SentBy)}
	}
	return p.PrintTable(cmdutil.Table{Columns: codeColumns, Rows: rows, JSON: codes, Empty: "no outstanding codes"})
}

// RevokeOptions are the parsed command line of "password codes revoke".
type RevokeOptions struct {
	Factory *cmdutil.Factory
	ID      string
	User    string
}

// NewCmdRevoke returns "password codes revoke". runF, if not nil,
// replaces the command's work.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke {ID | --user REF}",
		Short: "Void reset codes so that they no longer work",
		Long: cmdutil.LongHelp(`Void codes: one code by its ID (from "password codes" or "password
reset-code"), or every outstanding code of a user with --user. A voided
code is refused (exit 5, "voided") when someone tries to use it.

It asks for no confirmation: it destroys nothing but the codes, and a new
one is issued with "password reset-code".

Print the codes that were voided: on a terminal a summary ("revoked 1
code: …"); piped, their ids one per line; with -o json the object
{"revoked": [ids]}. A user without outstanding codes is not an error;
a code ID that is already used, voided or expired is exit 4.

To list the codes of a user whose username is "revoke", name the user by
id or email address.`),
		Example: `  acctl password codes revoke cod_4k7q2mx9d1tf
  acctl password codes revoke --user alice@example.com -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			user := cmd.Flags().Changed("user")
			switch {
			case len(args) > 0 && user:
				return cmdutil.UsageErrorf("give a code ID or --user, not both")
			case len(args) == 0 && !user:
				return cmdutil.UsageErrorf("missing argument ID (or --user REF to void every code of a user)")
			}
			if user {
				return nil
			}
			return cmdutil.ExactArgs(1, "ID")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if opts.ID == "" && strings.TrimSpace(opts.User) == "" {
				return cmdutil.UsageErrorf("--user: want a REF")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRevoke(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.User, "user", "", "void every outstanding code of the user `REF`")
	return cmd
}

func runRevoke(ctx context.Context, opts *RevokeOptions) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	res, err := svc.RevokeCodes(ctx, acct.RevokeCodes{ID: opts.ID, User: opts.User})
	if err != nil {
		return err
	}
	if res.Revoked == nil {
		res.Revoked = []string{}
	}
	if !p.Human() {
		rows := make([][]string, len(res.Revoked))
		for i, id := range res.Revoked {
			rows[i] = []string{id}
		}
		return p.PrintTable(cmdutil.Table{Columns: []string{"ID"}, Rows: rows, JSON: res})
	}
	switch n := len(res.Revoked); n {
	case 0:
		return p.Textf("revoked 0 codes: none was outstanding")
	case 1:
		return p.Textf("revoked 1 code: %s", res.Revoked[0])
	default:
		return p.Textf("revoked %s codes: %s", strconv.Itoa(n), strings.Join(res.Revoked, " "))
	}
}
