package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"

	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// VerifyOptions are the parsed command line of "password verify".
type VerifyOptions struct {
	Factory  *cmdutil.Factory
	Ref      string
	Password cmdutil.PasswordFlags
	// AllowPlain lets a remote check send the password itself when the
	// account has no SCRAM verifier yet.
	AllowPlain bool
}

// NewCmdVerify returns "password verify". runF, if not nil, replaces the
// command's work.
func NewCmdVerify(f *cmdutil.Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify REF",
		Short: "Check a user's password without logging in",
		Long: cmdutil.LongHelp(`Check a user's password without opening a session: exit 0 and "password is
correct" ({"ok": true} with -o json) when it is right; exit 5 when it is
wrong. Nothing changes except the count of failed logins: a wrong password
counts towards the lockout and the login limit (auth.rate.account) like a
failed login, and a locked account, or one whose limit is used up, is exit
6 whatever the password.

The password is asked on the terminal without echo; in scripts give it on
the first line of stdin with --password-stdin, or in a file with
--password-file.

On a remote store (--store https://…) the password never reaches the
server: acctl proves it with a SCRAM-SHA-256 challenge (RFC 5802). An
account without a SCRAM verifier yet is refused with a hint; --allow-plain
then sends the password over TLS instead.

` + user.RefHelp),
		Example: `  acctl password verify alice
  printf '%s\n' "$PASSWORD" | acctl password verify alice@example.com --password-stdin

  # in a script
  if acctl password verify alice --password-file pw.txt >/dev/null 2>&1; then …`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := opts.Password.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVerify(cmd.Context(), opts)
		},
	}
	cmdutil.AddPasswordFlags(cmd, &opts.Password)
	cmd.Flags().BoolVar(&opts.AllowPlain, "allow-plain", false, "on a remote store, send the password itself when the account has no SCRAM verifier yet")
	return cmd
}

func runVerify(ctx context.Context, opts *VerifyOptions) error {
	f := opts.Factory
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	pw, err := cmdutil.ReadPassword(ctx, f.IO, opts.Password)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	_, err = cmdutil.PasswordLogin(ctx, cfg, svc, opts.Ref, pw, acct.ChallengeAnswer{VerifyOnly: true}, opts.AllowPlain,
		func() error { return svc.VerifyPassword(ctx, opts.Ref, pw) })
	if err != nil {
		return err
	}
	if p.JSON() {
		return p.PrintJSON(VerifyResult{OK: true})
	}
	return p.Textf("password is correct")
}

// VerifyResult is the JSON of "password verify" when the password is
// correct (a wrong one exits 5 with an error).
type VerifyResult struct {
	OK bool `json:"ok"`
}
