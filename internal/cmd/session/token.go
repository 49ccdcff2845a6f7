package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// TokenEnv is the environment variable that may hold a session token.
const TokenEnv = "ACCTL_SESSION_TOKEN"

// tokenHelp explains where the token comes from, in the help of the
// commands that read one.
const tokenHelp = `The token is read from the first line of stdin with --token-stdin (asked
without echo on a terminal), or else from the ACCTL_SESSION_TOKEN
environment variable; it is never an argument, since the command line is
visible to every user of the machine.`

// errTokenArg refuses a token given as an argument.
var errTokenArg = cmdutil.UsageErrorf("a session token is never a command-line argument (every user of the machine can read those): " +
	"pipe it in with --token-stdin or set " + TokenEnv)

// addTokenFlag adds --token-stdin to cmd.
func addTokenFlag(cmd *cobra.Command, p *bool) {
	cmd.Flags().BoolVar(p, "token-stdin", false, "read the session token from the first line of stdin (default: $"+TokenEnv+")")
}

// readToken returns the session token: the first line of stdin (spaces
// trimmed) with fromStdin, else $ACCTL_SESSION_TOKEN. On a terminal the
// token is asked for without echo, like a password.
func readToken(ctx context.Context, f *cmdutil.Factory, fromStdin bool) (string, error) {
	if fromStdin {
		read := f.IO.ReadLine
		if f.IO.IsStdinTTY() {
			fmt.Fprint(f.IO.ErrOut, "Session token: ")
			read = f.IO.ReadSecret
		}
		line, err := read(ctx)
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read token from stdin: %w", err)
		}
		if tok := strings.TrimSpace(line); tok != "" {
			return tok, nil
		}
		return "", acct.FieldError("token", "nothing on the first line of stdin")
	}
	if tok := strings.TrimSpace(f.Env(TokenEnv)); tok != "" {
		return tok, nil
	}
	return "", cmdutil.UsageErrorf("no session token: pipe it in with --token-stdin or set %s", TokenEnv)
}
