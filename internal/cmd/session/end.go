package session

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// EndOptions are the parsed command line of "session end".
type EndOptions struct {
	Factory    *cmdutil.Factory
	IDs        []string
	User       string
	Except     string
	TokenStdin bool
}

// NewCmdEnd returns "session end". runF, if not nil, replaces the
// command's work.
func NewCmdEnd(f *cmdutil.Factory, runF func(context.Context, *EndOptions) error) *cobra.Command {
	opts := &EndOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "end {ID... | --user REF [--except ID] | --token-stdin}",
		Aliases: []string{"logout"},
		Short:   "Log sessions out",
		Long: cmdutil.LongHelp(`Log sessions out: their tokens stop working at once. Name the sessions by
their public IDs, or give --user to log a user out everywhere (all the
user's active sessions, but the one named by --except).

An application logging its own session out holds the token, not the public
ID: without ID and --user, the token is read from the first line of stdin
with --token-stdin, or else from the ACCTL_SESSION_TOKEN environment
variable (it is never an argument). An unknown token is exit 5.

Logging a user out everywhere asks for no confirmation: it is the everyday
support action (a lost phone, a shared computer, a suspected takeover), it
destroys nothing, and the user only has to log in again.

Print the sessions that were ended: on a terminal a summary ("ended 2
sessions: …"); piped, their ids one per line; with -o json the object
{"ended": [ids]}. Sessions that had already ended or expired are left out;
ending them again is not an error.`),
		Example: `  acctl session end ses_4k7q2mx9d1tf
  acctl session end ses_4k7q2mx9d1tf ses_9b3c0t5hxw2a
  acctl session end --user alice@example.com
  acctl session end --user alice --except ses_4k7q2mx9d1tf -o json
  printf '%s\n' "$TOKEN" | acctl session end --token-stdin`,
		Args: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if strings.HasPrefix(strings.TrimSpace(a), "acctl_sess_") {
					return errTokenArg // a token, not a public id: never on the command line
				}
			}
			user := cmd.Flags().Changed("user")
			switch {
			case len(args) > 0 && user:
				return cmdutil.UsageErrorf("give session IDs or --user, not both")
			case opts.TokenStdin && (len(args) > 0 || user):
				return cmdutil.UsageErrorf("--token-stdin names the session: give no ID and no --user with it")
			case cmd.Flags().Changed("except") && !user:
				return cmdutil.UsageErrorf("--except goes with --user")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEnd(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.User, "user", "", "end every active session of the user `REF`")
	fl.StringVar(&opts.Except, "except", "", "with --user, keep the session `ID` open")
	addTokenFlag(cmd, &opts.TokenStdin)
	return cmd
}

func runEnd(ctx context.Context, opts *EndOptions) error {
	in := acct.EndSessions{IDs: opts.IDs, User: opts.User, Except: opts.Except}
	if len(opts.IDs) == 0 && opts.User == "" {
		tok, err := readToken(ctx, opts.Factory, opts.TokenStdin)
		if err != nil {
			if cmdutil.ExitCode(err) == cmdutil.ExitUsage && !opts.TokenStdin {
				return cmdutil.UsageErrorf("missing argument ID (or --user REF to log a user out everywhere, or the session's token with --token-stdin or in %s)", TokenEnv)
			}
			return err
		}
		in.Token = tok
	}
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	res, err := svc.EndSessions(ctx, in)
	if err != nil {
		return err
	}
	if res.Ended == nil {
		res.Ended = []string{}
	}
	if !p.Human() {
		rows := make([][]string, len(res.Ended))
		for i, id := range res.Ended {
			rows[i] = []string{id}
		}
		return p.PrintTable(cmdutil.Table{Columns: []string{"ID"}, Rows: rows, JSON: res})
	}
	n := plural(int64(len(res.Ended)))
	if len(res.Ended) == 0 {
		return p.Textf("ended 0 sessions: none was active")
	}
	return p.Textf("ended %s: %s", n, strings.Join(res.Ended, " "))
}
