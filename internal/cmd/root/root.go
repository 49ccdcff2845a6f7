// Package root builds acctl's command tree and runs it: Main is the whole
// of the acctl binary, NewRootCmd the tree (also used to generate the
// documentation), and OpenService the composition root that picks the
// store.
package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/apikey"
	"github.com/acctl/acctl/internal/cmd/audit"
	"github.com/acctl/acctl/internal/cmd/completion"
	configcmd "github.com/acctl/acctl/internal/cmd/config"
	"github.com/acctl/acctl/internal/cmd/job"
	"github.com/acctl/acctl/internal/cmd/mfa"
	"github.com/acctl/acctl/internal/cmd/otp"
	"github.com/acctl/acctl/internal/cmd/password"
	"github.com/acctl/acctl/internal/cmd/points"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/cmd/session"
	storecmd "github.com/acctl/acctl/internal/cmd/store"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmd/version"
	"github.com/acctl/acctl/internal/cmdutil"
)

// NewDefaultFactory returns the Factory of the acctl binary: the process's
// streams, the real composition root (OpenService) and the real clock.
// Building it opens nothing.
func NewDefaultFactory() *cmdutil.Factory {
	return cmdutil.NewFactory(cmdutil.System(), OpenService)
}

// NewRootCmd builds the acctl command tree over f. It opens no store:
// commands open the Service through f when they run.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := newRootCmd(f)
	for _, n := range nouns {
		cmd.AddCommand(n.make(f))
	}
	cmd.AddCommand(newExitCodesTopic())
	addCompletions(cmd, f)
	return cmd
}

// NewRootCmdFor builds the part of the tree that the command line args
// runs: the root with only the noun that args name (user, session, …),
// or the whole tree when args name none that it knows (help, completion,
// the root's own flags, a mistyped noun, which the whole tree then
// answers with suggestions). Building every command and its help was
// about a third of acctl's own start-up (docs/benchmarks.md).
func NewRootCmdFor(f *cmdutil.Factory, args []string) *cobra.Command {
	name := nounOf(args)
	for _, n := range nouns {
		if n.name == name {
			cmd := newRootCmd(f)
			cmd.AddCommand(n.make(f))
			return cmd
		}
	}
	return NewRootCmd(f)
}

// nouns are the root's commands, by name, in the order of the help.
var nouns = []struct {
	name string
	make func(*cmdutil.Factory) *cobra.Command
}{
	{"user", user.NewCmdUser},
	{"session", session.NewCmdSession},
	{"password", password.NewCmdPassword},
	{"points", points.NewCmdPoints},
	{"otp", otp.NewCmdOTP},
	{"mfa", mfa.NewCmdMFA},
	{"audit", audit.NewCmdAudit},
	{"job", job.NewCmdJob},
	{"apikey", apikey.NewCmdAPIKey},
	{"serve", func(f *cmdutil.Factory) *cobra.Command { return serve.NewCmdServe(f, nil) }},
	{"store", func(f *cmdutil.Factory) *cobra.Command { return storecmd.NewCmdStore(f, OpenStore) }},
	{"config", configcmd.NewCmdConfig},
	{"version", version.NewCmdVersion},
	{"completion", completion.NewCmdCompletion},
}

// rootValueFlags are the root's flags whose value may be the next
// argument.
var rootValueFlags = map[string]bool{"--store": true, "--token-file": true, "--config": true, "--output": true, "-o": true}

// nounOf returns the first argument that is not one of the root's flags
// or its value: the noun of the command line, or "" when there is none.
func nounOf(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case strings.HasPrefix(a, "-"):
			if rootValueFlags[a] {
				i++
			}
			continue
		}
		return a
	}
	return ""
}

// newRootCmd is the root command, with its flags and without its nouns.
func newRootCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "acctl <command> <subcommand> [flags]",
		Short: "Administer user accounts",
		Long: cmdutil.LongHelp(`acctl administers the accounts of a user base: registration, lookup,
updates, login sessions, passwords, locks, the deletion hold and the audit
trail.

It works on a local SQLite file by default (created on first use at
$XDG_DATA_HOME/acctl/acctl.db, or $STATE_DIRECTORY/acctl.db in a systemd
service), or on the store named by --store.

A user is named by a REF: an id, a username, an email address or a phone
number.

Output is a table on a terminal and tab-separated lines without a header
when piped; -o json gives stable JSON, -o csv CSV with a header.

Configuration comes from flags, then ACCTL_* environment variables (for
example ACCTL_STORE, ACCTL_DELETION_HOLD, ACCTL_SESSION_IDLE), then the
config file (--config, else the file ACCTL_CONFIG names, else
$XDG_CONFIG_HOME/acctl/config.yaml), then the defaults; see "acctl config
show". docs/config.md describes every key, docs/json.md every JSON object
acctl prints.`),
		Example: `  acctl user register --email alice@example.com --username alice
  acctl user list --status held
  acctl user get alice -o json
  TOKEN=$(acctl session create alice --password-stdin < pw.txt)
  acctl --store /srv/acctl/accounts.db audit list --since 24h`,
		Version: version.Version,
		Args:    cobra.ArbitraryArgs,
		RunE:    cmdutil.GroupRunE,
		// A -o the command cannot print is refused, never ignored.
		PersistentPreRunE: cmdutil.CheckOutputFlag,
		SilenceErrors:     true,
		SilenceUsage:      true,
	}
	cmd.SetVersionTemplate("acctl {{.Version}}\n")
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	cmd.CompletionOptions.DisableDefaultCmd = true

	pf := cmd.PersistentFlags()
	pf.String("store", "", "the store `URL`: a path, sqlite:PATH, postgres://… or https://… (default $XDG_DATA_HOME/acctl/acctl.db)")
	pf.String("token-file", "", "read the API key of a remote (https://) store from `FILE` (or set ACCTL_TOKEN)")
	pf.StringVar(&f.ConfigFile, "config", "", "read the configuration from `FILE` (default $XDG_CONFIG_HOME/acctl/config.yaml)")
	pf.StringP("output", "o", "", "output `FORMAT`: table, tsv, json or csv (default table on a terminal, tsv otherwise)")
	f.BindFlag(cmdutil.KeyStore, pf.Lookup("store"))
	f.BindFlag(cmdutil.KeyTokenFile, pf.Lookup("token-file"))
	f.BindFlag(cmdutil.KeyOutput, pf.Lookup("output"))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]string{cmdutil.FormatTable, cmdutil.FormatTSV, cmdutil.FormatJSON, cmdutil.FormatCSV}, cobra.ShellCompDirectiveNoFileComp))

	return cmd
}

// newExitCodesTopic is the help topic "acctl help exit-codes": a command
// without a Run, which cobra lists under "Additional help topics".
func newExitCodesTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "The exit codes of every command, and their JSON error codes",
		Long:  cmdutil.ExitCodesTopic(),
	}
}
