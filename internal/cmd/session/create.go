package session

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// CreateOptions are the parsed command line of "session create".
type CreateOptions struct {
	Factory  *cmdutil.Factory
	Ref      string
	Password cmdutil.PasswordFlags
	Keep     bool
	Label    string
	Foreign  string
	// AllowPlain lets a remote login send the password itself when the
	// account has no SCRAM verifier yet.
	AllowPlain bool
}

// createColumns are the columns of a new session in tsv and csv (given
// with -o): its JSON fields, token included.
var createColumns = []string{"ID", "TOKEN", "USER_ID", "CREATED", "EXPIRES", "ABSOLUTE_EXPIRES", "PERSISTENT", "LABEL"}

// NewCmdCreate returns "session create". runF, if not nil, replaces the
// command's work.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "create {REF | --foreign ORIGIN:SUBJECT}",
		Aliases: []string{"login"},
		Short:   "Log a user in: check the password and open a session",
		Long: cmdutil.LongHelp(`Log a user in: check the password, open a session and print it with its
secret token. The token is shown this once and never again (only its hash
is stored): keep it.

The password is asked on the terminal without echo; in scripts give it on
the first line of stdin with --password-stdin, or in a file with
--password-file. --foreign ORIGIN:SUBJECT, instead of REF and a password,
logs in the account linked to that outside identity (see "user register
--foreign"): the caller vouches that the identity was proven.

Output: on a terminal, every field of the session, token included; piped
(without -o), the bare token on one line, so that TOKEN=$(acctl session
create …) works; with -o json the session object with its token.

A wrong password is exit 5 and counts towards the lockout: after
lockout.threshold failures in a row (default 10) the account is locked for
lockout.duration (default 15m), and every login is exit 6 until then, even
with the right password. Failed logins also draw on the account's login
limit (auth.rate.account, default 10/15m), shared by every spelling of the
account and by password verify and change: once it is used up, every login
of the account is exit 6 with the time to wait, whatever the password. A
login lifts a deletion hold: the account is
restored to the status it had before the hold, as "acctl user restore"
does. An account that was locked or pending before the hold may log in
only as it could then: a locked one not at all, a pending one not while
login.require_verified is on (the default). Once the hold has run out, a
login fails as for an unknown account (exit 3): only a purge is left.
--keep opens a keep-me-logged-in session that lasts session.persistent
(default 720h) instead of session.idle and session.absolute.

On a remote store (--store https://…) the password never reaches the
server: acctl proves it with a SCRAM-SHA-256 challenge (RFC 5802) and
checks the server's own proof. An account without a SCRAM verifier yet (an
imported hash never used since) is refused with a hint; --allow-plain then
sends the password over TLS instead, and that login makes the verifier.

` + user.RefHelp),
		Example: `  # asks for the password on the terminal
  acctl session create alice --label "alice's laptop"

  # in a script: the bare token on stdout
  TOKEN=$(printf '%s\n' "$PASSWORD" | acctl session create alice@example.com --password-stdin)

  acctl session create alice --keep --password-file ~/.secrets/alice -o json
  acctl session create --foreign github:12345 --label "web app"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("foreign") {
				if len(args) > 0 {
					return cmdutil.UsageErrorf("--foreign replaces REF and the password: give one or the other")
				}
				return nil
			}
			if len(args) == 0 {
				return cmdutil.UsageErrorf("missing argument REF (or --foreign ORIGIN:SUBJECT)")
			}
			return cmdutil.ExactArgs(1, "REF")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if opts.Foreign != "" && opts.Password.Given() {
				return cmdutil.UsageErrorf("--foreign logs in without a password: drop --password-stdin and --password-file")
			}
			if err := opts.Password.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCreate(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddPasswordFlags(cmd, &opts.Password)
	fl.BoolVar(&opts.Keep, "keep", false, "keep me logged in: a session that lasts session.persistent")
	fl.StringVar(&opts.Label, "label", "", "a short `TEXT` naming the session, e.g. the device")
	fl.BoolVar(&opts.AllowPlain, "allow-plain", false, "on a remote store, send the password itself when the account has no SCRAM verifier yet")
	fl.StringVar(&opts.Foreign, "foreign", "", "log in the account linked to the outside identity `ORIGIN:SUBJECT`, without a password")
	return cmd
}

func runCreate(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	in := acct.Login{Ref: opts.Ref, Foreign: opts.Foreign, Keep: opts.Keep, Label: opts.Label}
	if opts.Foreign == "" {
		if in.Password, err = cmdutil.ReadPassword(ctx, f.IO, opts.Password); err != nil {
			return err
		}
	}
	var s *acct.Session
	if opts.Foreign != "" {
		s, err = svc.Login(ctx, in)
	} else {
		s, err = login(ctx, f, svc, in, opts.AllowPlain)
	}
	if err != nil {
		return err
	}
	switch {
	case p.JSON():
		return p.PrintJSON(s)
	case format == "" && !p.Human():
		// Piped without -o: the bare token, for TOKEN=$(acctl session create …).
		_, err := fmt.Fprintln(f.IO.Out, s.Token)
		return err
	}
	all := fields(*s)
	all = all[:len(all)-1] // ended_at: a new session has not ended
	fs := append([]cmdutil.Field{all[0], {Key: "token", Value: s.Token}}, all[1:]...)
	err = p.PrintRecord(cmdutil.Record{
		Fields:  fs,
		Columns: createColumns,
		Row: []string{
			s.ID, s.Token, strconv.FormatInt(s.UserID, 10), cmdutil.FormatTime(s.CreatedAt),
			cmdutil.FormatTime(s.ExpiresAt), cmdutil.FormatTime(s.AbsoluteExpiresAt),
			cmdutil.FormatBool(s.Persistent), s.Label,
		},
		JSON: s,
	})
	if err == nil && p.Human() {
		fmt.Fprintln(f.IO.ErrOut, "The token is shown only this once: store it now.")
	}
	return err
}

// login checks the password and opens the session: on a remote store by
// the challenge login, so that the password stays here (cmdutil.PasswordLogin).
func login(ctx context.Context, f *cmdutil.Factory, svc acct.Service, in acct.Login, allowPlain bool) (*acct.Session, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	var s *acct.Session
	res, err := cmdutil.PasswordLogin(ctx, cfg, svc, in.Ref, in.Password,
		acct.ChallengeAnswer{Keep: in.Keep, Label: in.Label}, allowPlain, func() (err error) {
			s, err = svc.Login(ctx, in)
			return err
		})
	if err != nil {
		return nil, err
	}
	if res != nil {
		s = res.Session
	}
	return s, nil
}
