// Package audit holds the "acctl audit" commands.
package audit

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdAudit returns the "audit" command and its verbs.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Read the audit trail",
		Long: cmdutil.LongHelp(`Read the audit trail: every change to an account is recorded with when,
who, what, on whom and the outcome — never a secret.`),
		Example: `  acctl audit list --since 24h
  acctl audit list --user alice --action user.`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmd
}
