// Package completion holds "acctl completion", which writes shell
// completion scripts.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmdutil"
)

var shells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion returns "acctl completion SHELL".
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Write a shell completion script",
		Long: cmdutil.LongHelp(`Write the completion script for a shell to stdout.

bash: load it in the current shell with
  source <(acctl completion bash)
or install it for every session (bash-completion v2):
  acctl completion bash > ~/.local/share/bash-completion/completions/acctl

zsh: put it in a folder of your $fpath, e.g.
  acctl completion zsh > "${fpath[1]}/_acctl"

fish:
  acctl completion fish > ~/.config/fish/completions/acctl.fish

powershell:
  acctl completion powershell | Out-String | Invoke-Expression`),
		Example: `  source <(acctl completion bash)
  acctl completion zsh > "${fpath[1]}/_acctl"`,
		ValidArgs: shells,
		Args:      cmdutil.OneOfArgs(shells...),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.QuietUnknownKeys = true // the scripts do not depend on the config
			root := cmd.Root()
			out := f.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
	cmdutil.SetFormats(cmd) // a script, not data
	return cmd
}
