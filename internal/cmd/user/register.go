package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// RegisterOptions are the parsed command line of "user register".
type RegisterOptions struct {
	Factory    *cmdutil.Factory
	Fields     fieldFlags
	Password   cmdutil.PasswordFlags
	NoPassword bool
	Foreign    string
	Pending    bool
	Invite     string
}

// NewCmdRegister returns "user register". runF, if not nil, replaces the
// command's work (tests of the parsing use it).
func NewCmdRegister(f *cmdutil.Factory, runF func(context.Context, *RegisterOptions) error) *cobra.Command {
	opts := &RegisterOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Create a user account",
		Long: cmdutil.LongHelp(`Create a user account and print it.

An account needs an email address or a phone number (or both). The password
is asked twice on the terminal without echo (checked against the password
policy after the first entry and asked again if refused, three tries, as
passwd does); in scripts give it on the first line of stdin with
--password-stdin, or in a file with --password-file. A password is never a
flag value: the command line is visible to every user of the machine. With --no-password the account gets no password; it can get
one through a reset later.

--foreign ORIGIN:SUBJECT links an outside identity, such as github:12345,
to the account: "acctl session create --foreign github:12345" then logs it
in without a password (the caller vouches for the identity). Such an
account needs no email or phone, and no password: with --foreign nothing is
asked unless --password-stdin or --password-file gives a password too.

--pending creates the account pending (status "pending") and sends it an
activation link by email, or a signup passcode by SMS when it has no email:
"acctl user activate KEY" or "acctl otp verify PHONE --purpose signup"
activates it. With signup.verify set to email or phone in the
configuration every new account is pending, activated that way. While
login.require_verified is on (the default, whatever signup.verify says) a
pending account cannot log in (exit 6). The link is public_url with
"?confirm=KEY" added (or KEY in place of "{code}"), and works for
activation.ttl (default 24h); it needs public_url and email delivery
(email.smtp.* or outbox), the passcode SMS delivery, else the command is
exit 2 and creates nothing. If the message cannot be delivered the account
stays pending (exit 7): send it again with "acctl user activate --send
REF".

--invite CODE registers the account with another account's referral code
(every account has one: see "acctl user get"). The new account records
that account as referred_by, and both get points: referral.referrer_points
(default 10) to the owner of the code, referral.new_user_points (default
5) to the new account, each with a row in their points ledger ("acctl
points history"). Letter case, spaces and hyphens in the code do not
matter. An unknown code is exit 3, the code of an account on deletion hold
exit 6, and either way no account is created.

Registering an email address takes it off the pre-registration waiting
list ("acctl user preregistered").

Email addresses and usernames are compared and stored in normal form
(NFKC, lower case: a fullwidth ｋｎｏｗｎ@example.com is known@example.com).
One that only looks like an address or username in use, such as
knоwn@example.com with a Cyrillic о or rnodern beside modern, is a
conflict (exit 4) naming the field. Invisible and bidi control characters
(zero-width space, right-to-left override) are refused in addresses,
usernames and names (exit 2).`),
		Example: `  # asks for the password on the terminal
  acctl user register --email alice@example.com --username alice --first-name Alice

  # in a script
  printf '%s\n' "$PASSWORD" | acctl user register --email bob@example.com --password-stdin

  acctl user register --phone +447400123456 --no-password -o json

  # the account is activated by the link emailed to it
  acctl user register --email carol@example.com --pending

  # invited with the referral code of an existing account
  acctl user register --email dan@example.com --invite K7M2QX9R

  # an account that logs in through its GitHub identity only
  acctl user register --foreign github:12345 --username octocat`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRegister(cmd.Context(), opts)
		},
	}
	addFieldFlags(cmd, &opts.Fields, "make the user an administrator")
	cmdutil.AddPasswordFlags(cmd, &opts.Password)
	cmd.Flags().BoolVar(&opts.NoPassword, "no-password", false, "create the account without a password")
	cmd.Flags().StringVar(&opts.Foreign, "foreign", "", "link the outside identity `ORIGIN:SUBJECT` (e.g. github:12345); no password is asked")
	cmd.Flags().StringVar(&opts.Invite, "invite", "", "register with the referral `CODE` of the account that invited this one")
	cmd.Flags().BoolVar(&opts.Pending, "pending", false, "create the account pending, and send it an activation link (or a signup passcode by SMS)")
	return cmd
}

func runRegister(ctx context.Context, opts *RegisterOptions) error {
	if opts.NoPassword && opts.Password.Given() {
		return cmdutil.UsageErrorf("--no-password cannot be used with --password-stdin or --password-file")
	}
	if err := opts.Password.Validate(); err != nil {
		return err
	}
	ff := opts.Fields
	if ff.Email == "" && ff.Phone == "" && opts.Foreign == "" {
		return cmdutil.WithHint(acct.FieldError("email", "an email address or a phone number is required"),
			"give --email ADDRESS, --phone NUMBER or both (or --foreign ORIGIN:SUBJECT)")
	}
	f := opts.Factory
	needs, ch, err := signupNeeds(f, opts)
	if err != nil {
		return err
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, needs)
	if err != nil {
		return err
	}
	in := acct.NewUser{
		Username:   ff.Username,
		Email:      ff.Email,
		Phone:      ff.Phone,
		FirstName:  ff.FirstName,
		LastName:   ff.LastName,
		Language:   ff.Language,
		Admin:      ff.Admin,
		NoPassword: opts.NoPassword,
		Foreign:    opts.Foreign,
		Pending:    opts.Pending,
		Invite:     opts.Invite,
	}
	// A foreign identity logs in without a password: ask for one only
	// when a flag says where it comes from.
	if !opts.NoPassword && (opts.Foreign == "" || opts.Password.Given()) {
		if in.Password, err = cmdutil.ReadNewPassword(ctx, f.IO, opts.Password, f.NewPasswordCheck(in.Username, in.Email)); err != nil {
			return err
		}
	}
	u, err := svc.Register(ctx, in)
	if err != nil {
		return err
	}
	if err := PrintUser(p, u); err != nil {
		return err
	}
	if u.Status == acct.StatusPending && f.IO.IsStderrTTY() {
		pendingNote(f.IO, u, ch)
	}
	return nil
}

// pendingNote tells the person at the terminal how a new pending account
// is activated.
func pendingNote(ios *cmdutil.IOStreams, u *acct.User, ch acct.Channel) {
	if ch == acct.ChannelSMS {
		fmt.Fprintf(ios.ErrOut, "User %d is pending: a signup passcode was sent to %s; activate it with \"acctl otp verify %s --purpose signup\".\n",
			u.ID, u.Phone, u.Phone)
		return
	}
	fmt.Fprintf(ios.ErrOut, "User %d is pending: an activation link was sent to %s; the key in it activates it (\"acctl user activate KEY\").\n",
		u.ID, u.Email)
}

// signupNeeds says what a registration needs besides the store: a pending
// account (--pending or signup.verify) is sent an activation link or a
// signup passcode, so the secret and the delivery of the channel that
// will carry it (returned), checked before anything is created.
func signupNeeds(f *cmdutil.Factory, opts *RegisterOptions) (cmdutil.Needs, acct.Channel, error) {
	cfg, err := f.Config()
	if err != nil {
		return cmdutil.Needs{}, "", err
	}
	ch, pending := cfg.SignupChannel(opts.Pending, opts.Fields.Email)
	if !pending {
		return cmdutil.Needs{}, "", nil
	}
	if err := cfg.CheckDelivery(ch); err != nil {
		return cmdutil.Needs{}, "", err
	}
	return cmdutil.Needs{Secret: true, Delivery: true}, ch, nil
}
