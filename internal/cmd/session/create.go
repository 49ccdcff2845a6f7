package session

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	// OTPStdin reads the second factor's code from stdin (the line after
	// the password with --password-stdin).
	OTPStdin bool
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

When the password is right but the account may not log in (exit 6), the
-o json error says why in "reason" ("locked", "unverified" or "held") and
names the account in "user_id"; a wrong password never does.

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

An account with an active second factor ("acctl mfa") needs a code too:
on a terminal it is asked after the password ("Code:"); with
--password-stdin it is the line after the password; with --otp-stdin it is
read from stdin (the password then comes from the terminal or
--password-file). A recovery code may stand for the code, once; the answer
then says how many are left. A wrong code is exit 5 and counts towards the
lockout; a code works once. Without a code to give, the login is exit 5
with reason mfa_required.

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

  # an account with a second factor: the code on the line after the password
  printf '%s\n%s\n' "$PASSWORD" "$(oathtool --totp -b "$SECRET")" | acctl session create alice --password-stdin
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
			if opts.OTPStdin && opts.Foreign != "" {
				return cmdutil.UsageErrorf("--otp-stdin goes with a password: drop --foreign or --otp-stdin")
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
	fl.BoolVar(&opts.OTPStdin, "otp-stdin", false, "read the second factor's code (or a recovery code) from stdin")
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
	// The installation secret opens the second factors (VerifyMFA).
	p, svc, err := f.PrinterAndServiceFor(ctx, cmdutil.Needs{SecretIfAny: true})
	if err != nil {
		return err
	}
	in := acct.Login{Ref: opts.Ref, Foreign: opts.Foreign, Keep: opts.Keep, Label: opts.Label}
	if opts.Foreign == "" {
		if in.Password, err = cmdutil.ReadPassword(ctx, f.IO, opts.Password); err != nil {
			return err
		}
	}
	var left *int
	var s *acct.Session
	if opts.Foreign != "" {
		s, err = svc.Login(ctx, in)
	} else {
		s, err = login(ctx, f, svc, in, opts.AllowPlain)
	}
	if acct.ErrorReason(err) == acct.ReasonMFARequired {
		var ms *acct.MFASession
		if ms, err = secondFactor(ctx, f, svc, opts, err); err == nil {
			s, left = &ms.Session, ms.RecoveryCodesLeft
		}
	}
	if err != nil {
		return err
	}
	if left != nil {
		defer fmt.Fprintf(f.IO.ErrOut, "A recovery code opened this session: %d left (acctl mfa recovery-codes --regenerate makes new ones).\n", *left)
		if p.JSON() {
			return p.PrintJSON(acct.MFASession{Session: *s, RecoveryCodesLeft: left})
		}
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

// secondFactor completes a login that answered mfa_required: it reads
// the code (on the terminal, as the line after the password with
// --password-stdin, or from stdin with --otp-stdin) and gives it with the
// answer's mfa_token. Six digits are a code from the app; anything else
// is taken for a recovery code.
func secondFactor(ctx context.Context, f *cmdutil.Factory, svc acct.Service, opts *CreateOptions, required error) (*acct.MFASession, error) {
	fromStdin := opts.OTPStdin || opts.Password.Stdin
	if !fromStdin && !f.IO.IsStdinTTY() {
		return nil, acct.Errorf(acct.CodeUnauthenticated,
			"the account has a second factor: give its code with --otp-stdin (no terminal to ask on)").WithReason(acct.ReasonMFARequired)
	}
	code, err := cmdutil.ReadCode(ctx, f.IO, "Code", "code")
	if err != nil {
		if fromStdin && !f.IO.IsStdinTTY() && acct.ErrorField(err) == "code" { // nothing more on stdin
			return nil, acct.Errorf(acct.CodeUnauthenticated,
				"the account has a second factor: give its code on the line after the password (or with --otp-stdin)").WithReason(acct.ReasonMFARequired)
		}
		return nil, err
	}
	in := acct.MFAVerify{Token: acct.ErrorMFAToken(required)}
	if c := strings.NewReplacer(" ", "", "-", "").Replace(code); len(c) == acct.TOTPDigits && isDigits(c) {
		in.Code = c
	} else {
		in.RecoveryCode = code
	}
	return svc.VerifyMFA(ctx, in)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
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
