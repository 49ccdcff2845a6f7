package apikey

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// ListOptions are the parsed command line of "apikey list".
type ListOptions struct {
	Factory *cmdutil.Factory
}

// NewCmdList returns "apikey list". runF, if not nil, replaces the
// command's work.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the API keys, revoked ones included",
		Long: cmdutil.LongHelp(`List every API key in name order: NAME ROLE PREFIX CREATED CREATED_BY
LAST_USED REVOKED. PREFIX is the first characters of the key's token, to
recognise it; the token itself is never listed. LAST_USED is recorded at
most once a minute; REVOKED is empty for a key that still works.

A remote (https://) store is exit 2: keys are managed where the store is.`),
		Example: `  acctl apikey list
  acctl apikey list -o json`,
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	p, km, err := keyManager(ctx, opts.Factory)
	if err != nil {
		return err
	}
	keys, err := km.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	rows := make([][]string, len(keys))
	for i, k := range keys {
		rows[i] = row(k)
	}
	return p.PrintTable(cmdutil.Table{Columns: columns, Rows: rows, JSON: keys, Empty: "no API keys"})
}
