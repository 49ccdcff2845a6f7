package config

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdShow returns "config show".
func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show each setting, its value and where it comes from",
		Long: cmdutil.LongHelp(`Show each setting: KEY VALUE SOURCE FROM, where SOURCE is flag, env, file or
default and FROM names the flag (--store), the environment variable
(ACCTL_STORE) or the config file that set it. docs/config.md describes
every key. Secrets (keys naming a password, secret or token, and the password
in a URL) are shown as ********; the *_file keys (secret_file, token_file,
email.smtp.password_file, sms.webhook.token_file) name files that hold
secrets, so their paths are shown and the files are not read. In a URL,
the password and query parameters that name a secret (password, token,
api_key, sig…) are masked too. The hash.*
keys set to auto show the number they stand for on this machine. On a
terminal the config file read is named on stderr, with the most memory
password hashing may take at once (hash.max_concurrent ×
password.argon2.memory), and an unknown key in it is warned about, with the
nearest known key. A value that
is not valid is shown, then reported as an error (exit 2).`),
		Example: `  acctl config show
  ACCTL_DELETION_HOLD=30d acctl config show -o json
  acctl --config ./staging.yaml config show`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Printer()
			if err != nil {
				return err
			}
			entries, file, err := f.ConfigEntries()
			if err != nil {
				return err
			}
			rows := make([][]string, len(entries))
			for i, e := range entries {
				rows[i] = []string{e.Key, e.Value, e.Source, e.Origin}
			}
			if err := p.PrintTable(cmdutil.Table{Columns: []string{"KEY", "VALUE", "SOURCE", "FROM"}, Rows: rows, JSON: entries}); err != nil {
				return err
			}
			if p.Human() {
				if file == "" {
					file = "none"
				}
				fmt.Fprintf(f.IO.ErrOut, "config file: %s\n", file)
			}
			// Shown as given above, so that a bad value can be found;
			// then checked, so that a script sees it fail.
			cfg, err := f.Config()
			if err == nil && p.Human() {
				fmt.Fprintf(f.IO.ErrOut, "password hashing: up to %s at once, %d more may wait\n",
					cfg.HashMemory(), cfg.HashMaxQueue)
			}
			return err
		},
	}
}
