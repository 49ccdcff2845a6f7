package session

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// FreshenOptions are the parsed command line of "session freshen".
type FreshenOptions struct {
	Factory    *cmdutil.Factory
	ID         string
	TokenStdin bool
}

// NewCmdFreshen returns "session freshen". runF, if not nil, replaces the
// command's work.
func NewCmdFreshen(f *cmdutil.Factory, runF func(context.Context, *FreshenOptions) error) *cobra.Command {
	opts := &FreshenOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "freshen [ID]",
		Short: "Move a session's idle deadline forward",
		Long: cmdutil.LongHelp(`Mark a session as used now: its idle deadline moves to session.idle from
now (session.persistent for a keep-me-logged-in session), never past its
absolute deadline. Print the session. An expired or ended session cannot be
freshened (exit 5; with -o json the error's "reason" is "expired" or
"ended", "invalid" for a token of no session): the user must log in again.

An operator names the session by its public ID (from "session list"). An
application freshening its own session gives the token instead: without
ID, the token is read from the first line of stdin with --token-stdin, or
else from the ACCTL_SESSION_TOKEN environment variable.`),
		Example: `  acctl session freshen ses_4k7q2mx9d1tf
  printf '%s\n' "$TOKEN" | acctl session freshen --token-stdin -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return cmdutil.UsageErrorf("too many arguments: want at most one session ID, got %d", len(args))
			case len(args) == 1 && opts.TokenStdin:
				return cmdutil.UsageErrorf("give a session ID or --token-stdin, not both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFreshen(cmd.Context(), opts)
		},
	}
	addTokenFlag(cmd, &opts.TokenStdin)
	return cmd
}

func runFreshen(ctx context.Context, opts *FreshenOptions) error {
	f := opts.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	ref := acct.SessionRef{ID: opts.ID}
	if opts.ID == "" {
		if ref.Token, err = readToken(ctx, f, opts.TokenStdin); err != nil {
			if cmdutil.ExitCode(err) == cmdutil.ExitUsage && !opts.TokenStdin {
				return cmdutil.UsageErrorf("no session: give its ID, or its token with --token-stdin or in %s", TokenEnv)
			}
			return err
		}
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	s, err := svc.FreshenSession(ctx, ref)
	if err != nil {
		return err
	}
	return printSession(p, s)
}
