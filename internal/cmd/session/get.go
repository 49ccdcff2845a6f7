package session

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// GetOptions are the parsed command line of "session get".
type GetOptions struct {
	Factory    *cmdutil.Factory
	TokenStdin bool
}

// NewCmdGet returns "session get". runF, if not nil, replaces the
// command's work.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Check a session token and show its session and user",
		Long: cmdutil.LongHelp(`Check a session token: when its session is active, print the session and
the account it belongs to; otherwise fail with exit 5 and a message that
says whether the token is invalid, or its session expired or was ended
(with -o json, the error's "reason" says it as "invalid", "expired" or
"ended").
Checking a token does not freshen its session (see "session freshen").

` + tokenHelp + `

Output: on a terminal the session's fields and its user's status; piped,
one tab-separated line (the columns of "session list"); with -o json the
object {"session": {…}, "user": {…}}.`),
		Example: `  printf '%s\n' "$TOKEN" | acctl session get --token-stdin
  ACCTL_SESSION_TOKEN=$TOKEN acctl session get -o json

  # in a script: is the token still good?
  if printf '%s\n' "$TOKEN" | acctl session get --token-stdin >/dev/null 2>&1; then …`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return errTokenArg
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runGet(cmd.Context(), opts)
		},
	}
	addTokenFlag(cmd, &opts.TokenStdin)
	return cmd
}

func runGet(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	token, err := readToken(ctx, f, opts.TokenStdin)
	if err != nil {
		return err
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	info, err := svc.ValidateSession(ctx, token)
	if err != nil {
		return err
	}
	return printInfo(p, info)
}

// printInfo writes a validated session and its user.
func printInfo(p *cmdutil.Printer, info *acct.SessionInfo) error {
	info.Session.Token = ""
	fs := fields(info.Session)
	fs = append(fs[:len(fs)-1], // ended_at: an active session has not ended
		cmdutil.Field{Key: "user_status", Value: string(info.User.Status)},
		cmdutil.Field{Key: "user_admin", Value: cmdutil.FormatBool(info.User.Admin)},
	)
	return p.PrintRecord(cmdutil.Record{Fields: fs, Columns: columns, Row: row(info.Session), JSON: info})
}
