package apikey

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// CreateOptions are the parsed command line of "apikey create".
type CreateOptions struct {
	Factory *cmdutil.Factory
	Name    string
	Role    acct.Role
}

// createColumns are the columns of a new key in tsv and csv (given with
// -o): the list's first columns with the token.
var createColumns = []string{"NAME", "ROLE", "TOKEN", "PREFIX", "CREATED", "CREATED_BY"}

// NewCmdCreate returns "apikey create". runF, if not nil, replaces the
// command's work.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	var role string
	cmd := &cobra.Command{
		Use:   "create NAME --role ROLE",
		Short: "Create an API key and print its token, once",
		Long: cmdutil.LongHelp(`Create an API key for "acctl serve" and print it with its secret token.
The token is shown this once and never again (only its hash is stored):
keep it, for example in the file that --token-file names.

NAME is 1 to 64 characters of a-z, 0-9, '.', '_' and '-' (capitals are
written in lower case); it must not be the name of another key, not even a
revoked one. --role is admin, support or auditor:

  admin    everything, on every account
  support  looks users and sessions up; issues reset codes, sends and
           checks passcodes, ends sessions and unlocks, on accounts that
           are not admins only (refused on an admin account: exit 6)
  auditor  read only, the audit trail included

Output: on a terminal, every field of the key, token included, and a note
on stderr that it is shown once; piped (without -o), the bare token on one
line, so that acctl apikey create … > key.txt works; with -o json the key
object with its token.

A name already taken is exit 4; a name or role that is not valid, or a
remote (https://) store, is exit 2.`),
		Example: `  acctl apikey create help-desk --role support

  # in a script: the bare token into a private file
  (umask 077; acctl apikey create ci-deploy --role admin > ~/.config/acctl/token)

  acctl apikey create monthly-audit --role auditor -o json`,
		Args: cmdutil.ExactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.Role = acct.Role(strings.ToLower(strings.TrimSpace(role)))
			switch {
			case !cmd.Flags().Changed("role"):
				return cmdutil.UsageErrorf("--role is required: one of %s", strings.Join(roles, ", "))
			case !opts.Role.Valid():
				return cmdutil.UsageErrorf("--role: unknown role %q (want %s)", role, strings.Join(roles, ", "))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCreate(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "what the key may do: `ROLE` "+strings.Join(roles, ", "))
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions(roles, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runCreate(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	p, km, err := keyManager(ctx, f)
	if err != nil {
		return err
	}
	k, err := km.CreateAPIKey(ctx, acct.NewAPIKey{Name: opts.Name, Role: opts.Role})
	if err != nil {
		return err
	}
	switch {
	case p.JSON():
		return p.PrintJSON(k)
	case format == "" && !p.Human():
		// Piped without -o: the bare token, for acctl apikey create … > file.
		_, err := fmt.Fprintln(f.IO.Out, k.Token)
		return err
	}
	all := fields(k.APIKey)[:5] // a new key has not been used or revoked
	fs := append([]cmdutil.Field{all[0], all[1], {Key: "token", Value: k.Token}}, all[2:]...)
	err = p.PrintRecord(cmdutil.Record{
		Fields:  fs,
		Columns: createColumns,
		Row:     []string{k.Name, string(k.Role), k.Token, k.Prefix, cmdutil.FormatTime(k.CreatedAt), k.CreatedBy},
		JSON:    k,
	})
	if err == nil && p.Human() {
		fmt.Fprintln(f.IO.ErrOut, "The token is shown only this once: store it now.")
	}
	return err
}
