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
	// Lines checks every line of stdin, one token per line (with
	// TokenStdin).
	Lines bool
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
object {"session": {…}, "user": {…}}.

Many tokens in one process: with --token-stdin --lines, every line of
stdin to its end is a token, and the answer is JSON lines: one compact
object per token, in their order, {"session": {…}, "user": {…}} for an
active session and {"error":{"code":"unauthenticated","message":…}} for a
token that is not (the message says invalid, expired or ended, as alone;
never the token). Every token is answered; the exit code is then 5 if
any was not valid. The tokens go to the store in batches (one request per
batch to a server). --lines reads a pipe or a file, never a terminal.`),
		Example: `  printf '%s\n' "$TOKEN" | acctl session get --token-stdin
  ACCTL_SESSION_TOKEN=$TOKEN acctl session get -o json

  # in a script: is the token still good?
  if printf '%s\n' "$TOKEN" | acctl session get --token-stdin >/dev/null 2>&1; then …

  # many tokens: one JSON object per line, in order
  acctl session get --token-stdin --lines < tokens.txt > sessions.jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return errTokenArg
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Lines && !opts.TokenStdin {
				return cmdutil.UsageErrorf("--lines reads the tokens from stdin: give --token-stdin too")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Lines {
				return runGetLines(cmd.Context(), opts)
			}
			return runGet(cmd.Context(), opts)
		},
	}
	addTokenFlag(cmd, &opts.TokenStdin)
	cmd.Flags().BoolVar(&opts.Lines, "lines", false, "with --token-stdin: check every line of stdin, one token per line, and answer in JSON lines")
	return cmd
}

// runGetLines answers every token of stdin in JSON lines, through
// ValidateSessions.
func runGetLines(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	if err := f.BatchFormat(); err != nil {
		return err
	}
	if f.IO.IsStdinTTY() {
		return cmdutil.UsageErrorf("--lines reads tokens from a pipe or a file, not typed at a terminal")
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	var tally cmdutil.Tally
	err = cmdutil.RunBatches(ctx, f.IO.Out, cmdutil.LineItems(f.IO.In), func(ctx context.Context, tokens []string) ([]any, error) {
		res, err := svc.ValidateSessions(ctx, tokens)
		if err != nil {
			return nil, err
		}
		lines := make([]any, len(res))
		errs := make([]*acct.ItemError, len(res))
		for i, r := range res {
			if r.Error != nil || r.Session == nil || r.User == nil {
				if r.Error == nil {
					r.Error = &acct.ItemError{Code: acct.CodeInternal, Message: "no answer"}
				}
				lines[i], errs[i] = cmdutil.ErrorLine{Error: r.Error}, r.Error
				continue
			}
			r.Session.Token = ""
			lines[i] = acct.SessionInfo{Session: *r.Session, User: *r.User}
		}
		tally.Add(len(res), errs...)
		return lines, nil
	})
	if err != nil {
		return err
	}
	return tally.Err("tokens", acct.CodeUnauthenticated, acct.CodeInvalid)
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
