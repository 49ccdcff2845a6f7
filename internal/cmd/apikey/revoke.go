package apikey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// RevokeOptions are the parsed command line of "apikey revoke".
type RevokeOptions struct {
	Factory *cmdutil.Factory
	Name    string
	Yes     bool
}

// NewCmdRevoke returns "apikey revoke". runF, if not nil, replaces the
// command's work.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke an API key: its token opens nothing any more",
		Long: cmdutil.LongHelp(`Revoke the API key NAME and print it: from now on every request with its
token is refused. This cannot be undone; the key stays listed with the time
it was revoked, and its name stays taken.

On a terminal the command asks you to type the key's name to confirm;
elsewhere it needs --yes.

No key of that name is exit 3; a key revoked already is exit 4; a remote
(https://) store is exit 2.`),
		Example: `  acctl apikey revoke help-desk
  acctl apikey revoke ci-deploy --yes -o json`,
		Args: cmdutil.ExactArgs(1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRevoke(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runRevoke(ctx context.Context, opts *RevokeOptions) error {
	f := opts.Factory
	if _, err := f.Printer(); err != nil {
		return err
	}
	if !opts.Yes && !f.IO.CanPrompt() {
		return cmdutil.ErrNeedYes
	}
	p, km, err := keyManager(ctx, f)
	if err != nil {
		return err
	}
	name := opts.Name
	if !opts.Yes {
		k, err := findKey(ctx, km, name)
		if err != nil {
			return err
		}
		// A key revoked already is refused below, without a question.
		if k.RevokedAt == nil {
			question := fmt.Sprintf("API key %s (role %s, %s…) will be revoked: whatever uses it is refused from now on. This cannot be undone.",
				k.Name, k.Role, k.Prefix)
			if err := cmdutil.ConfirmTyped(ctx, f.IO, false, question, k.Name); err != nil {
				return err
			}
		}
		name = k.Name
	}
	k, err := km.RevokeAPIKey(ctx, name)
	if err != nil {
		return err
	}
	return p.PrintRecord(cmdutil.Record{Fields: fields(*k), Columns: columns, Row: row(*k), JSON: k})
}

// findKey finds the key that name names, for the confirmation.
func findKey(ctx context.Context, km acct.KeyManager, name string) (*acct.APIKey, error) {
	norm, err := acct.NormalizeAPIKeyName(name)
	if err != nil {
		return nil, err
	}
	keys, err := km.ListAPIKeys(ctx)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i].Name == norm {
			return &keys[i], nil
		}
	}
	return nil, &acct.Error{Code: acct.CodeNotFound, Field: "name", Message: fmt.Sprintf("no API key named %q", norm)}
}
