// Package mfa holds the "acctl mfa" commands: enrol, confirm, status,
// reset and recovery codes of a user's second factor (TOTP).
package mfa

import (
	"fmt"
	"io"
	"strconv"

	"github.com/mdp/qrterminal/v3"
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// NewCmdMFA returns the "mfa" command and its verbs.
func NewCmdMFA(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa <command>",
		Short: "Manage the second factor (TOTP) of users",
		Long: cmdutil.LongHelp(`Manage a user's second factor: a TOTP authenticator (RFC 6238: SHA-1, 6
digits, 30-second steps, what authenticator apps support) with ten
single-use recovery codes.

  enroll          a pending factor: its secret is shown once, as an
                  otpauth:// URI and, on a terminal, as a QR code
  confirm         a valid code from the app makes it active and gives the
                  recovery codes, shown once
  status          none, pending or active, and the recovery codes left
  recovery-codes  --regenerate replaces the recovery codes
  reset           removes the factor and its recovery codes, ends the
                  user's sessions (audited with --reason)

Once a factor is active, a right password no longer opens a session by
itself: "acctl session create" (and POST /auth/login) answers
mfa_required, and a code from the app or a recovery code completes the
login. A code works once (the last accepted time step is stored), within
one step of the clock either way; wrong codes count towards the lockout
and the factor's attempt limit. The secret is stored encrypted (AES-GCM
under a key derived from the installation secret) and is never printed
again, nor logged, audited or exported without --with-hashes.`),
		Example: `  acctl mfa enroll alice
  acctl mfa confirm alice
  acctl mfa status alice
  acctl mfa recovery-codes alice --regenerate
  acctl mfa reset alice --reason "lost phone, ticket 4211"`,
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		NewCmdEnroll(f, nil),
		NewCmdConfirm(f, nil),
		NewCmdStatus(f, nil),
		NewCmdRecoveryCodes(f, nil),
		NewCmdReset(f, nil),
	)
	return cmd
}

// secretNeeds is what every mfa command opens the store with: the
// installation secret seals the factors and keys the recovery codes.
var secretNeeds = cmdutil.Needs{Secret: true}

// printInfo prints a factor's state.
func printInfo(p *cmdutil.Printer, info *acct.MFAInfo) error {
	created, confirmed, used := "", "", ""
	if info.CreatedAt != nil {
		created = cmdutil.FormatTime(*info.CreatedAt)
	}
	if info.ConfirmedAt != nil {
		confirmed = cmdutil.FormatTime(*info.ConfirmedAt)
	}
	if info.LastUsedAt != nil {
		used = cmdutil.FormatTime(*info.LastUsedAt)
	}
	codes := strconv.Itoa(info.RecoveryCodes)
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{{Key: "user_id", Value: strconv.FormatInt(info.UserID, 10)},
			{Key: "status", Value: string(info.Status)}, {Key: "kind", Value: info.Kind},
			{Key: "created_at", Value: created}, {Key: "confirmed_at", Value: confirmed},
			{Key: "last_used_at", Value: used}, {Key: "recovery_codes", Value: codes}},
		Columns: []string{"USER_ID", "STATUS", "KIND", "CREATED", "CONFIRMED", "LAST_USED", "RECOVERY_CODES"},
		Row:     []string{strconv.FormatInt(info.UserID, 10), string(info.Status), info.Kind, created, confirmed, used, codes},
		JSON:    info,
	})
}

// printCodes prints recovery codes: one a line when piped, with a note on
// a terminal.
func printCodes(f *cmdutil.Factory, p *cmdutil.Printer, rc *acct.RecoveryCodes) error {
	if p.JSON() {
		return p.PrintJSON(rc)
	}
	for _, c := range rc.Codes {
		if _, err := fmt.Fprintln(f.IO.Out, c); err != nil {
			return err
		}
	}
	if p.Human() {
		fmt.Fprintf(f.IO.ErrOut, "These %d recovery codes are shown only this once: each opens one login without the app. Store them now.\n", len(rc.Codes))
	}
	return nil
}

// printQR draws uri as a QR code for a terminal, in half blocks so that
// it fits in a small window. mdp/qrterminal (MIT, released 2025, on
// rsc.io/qr's encoder) is the maintained terminal renderer; rsc.io/qr
// alone draws images, not text.
func printQR(w io.Writer, uri string) {
	qrterminal.GenerateWithConfig(uri, qrterminal.Config{
		Level: qrterminal.L, Writer: w, HalfBlocks: true,
		BlackChar: qrterminal.BLACK_BLACK, WhiteBlackChar: qrterminal.WHITE_BLACK,
		WhiteChar: qrterminal.WHITE_WHITE, BlackWhiteChar: qrterminal.BLACK_WHITE, QuietZone: 1,
	})
}
