package mfa

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/cmd/user"
	"github.com/acctl/acctl/internal/cmdutil"
)

// EnrollOptions are the parsed command line of "mfa enroll".
type EnrollOptions struct {
	Factory *cmdutil.Factory
	Ref     string
	NoQR    bool
}

// NewCmdEnroll returns "mfa enroll". runF, if not nil, replaces the
// command's work.
func NewCmdEnroll(f *cmdutil.Factory, runF func(context.Context, *EnrollOptions) error) *cobra.Command {
	opts := &EnrollOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "enroll REF",
		Short: "Give a user a pending TOTP second factor",
		Long: cmdutil.LongHelp(`Give a user a pending TOTP second factor and show its secret, this once:
as an otpauth:// URI (what an authenticator app's QR code carries) and, on a
terminal, as a QR code to scan. The factor stays pending, and logins work
without it, until "acctl mfa confirm" gets a valid code from the app.

Enrolling again replaces a pending factor (its secret stops working); a
user whose factor is active already is a conflict (exit 4): "acctl mfa
reset" first.

Output: on a terminal the QR code, the URI and the secret; piped (without
-o), the bare otpauth:// URI on one line; with -o json the enrolment
object (secret and uri included).

` + user.RefHelp),
		Example: `  acctl mfa enroll alice
  acctl mfa enroll alice -o json | jq -r .secret`,
		Args: cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEnroll(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.NoQR, "no-qr", false, "do not draw the QR code on the terminal")
	return cmd
}

func runEnroll(ctx context.Context, opts *EnrollOptions) error {
	f := opts.Factory
	format, err := f.OutputFormat()
	if err != nil {
		return err
	}
	p, svc, err := f.PrinterAndServiceFor(ctx, secretNeeds)
	if err != nil {
		return err
	}
	en, err := svc.EnrollMFA(ctx, opts.Ref)
	if err != nil {
		return err
	}
	switch {
	case p.JSON():
		return p.PrintJSON(en)
	case format == "" && !p.Human():
		_, err := fmt.Fprintln(f.IO.Out, en.URI)
		return err
	}
	if p.Human() && !opts.NoQR {
		printQR(f.IO.Out, en.URI)
	}
	err = p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{{Key: "user_id", Value: strconv.FormatInt(en.UserID, 10)},
			{Key: "status", Value: string(en.Status)}, {Key: "uri", Value: en.URI}, {Key: "secret", Value: en.Secret},
			{Key: "algorithm", Value: en.Algorithm}, {Key: "digits", Value: strconv.Itoa(en.Digits)},
			{Key: "period", Value: strconv.Itoa(en.Period)}},
		Columns: []string{"USER_ID", "STATUS", "URI", "SECRET", "ALGORITHM", "DIGITS", "PERIOD"},
		Row: []string{strconv.FormatInt(en.UserID, 10), string(en.Status), en.URI, en.Secret, en.Algorithm,
			strconv.Itoa(en.Digits), strconv.Itoa(en.Period)},
		JSON: en,
	})
	if err == nil && p.Human() {
		fmt.Fprintf(f.IO.ErrOut, "The secret is shown only this once. Scan the code, then: acctl mfa confirm %s\n", opts.Ref)
	}
	return err
}
