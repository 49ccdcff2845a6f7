package user

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// phoneNoun is the kind of address of "user phone".
var phoneNoun = addressNoun{
	kind:   acct.AddressPhone,
	arg:    "PHONE",
	noun:   "phone number",
	an:     "a phone number",
	plural: "phone numbers",
	column: "PHONE",
	verify: `The number is unverified until the user enters the passcode sent to
it: "acctl otp send PHONE --purpose verify-phone", then "acctl otp verify
PHONE --purpose verify-phone".`,
	examples: [2]string{"+447400123456", "+14155552671"},
}

// NewCmdPhone returns "user phone" and its verbs: add, list, remove and
// primary.
func NewCmdPhone(f *cmdutil.Factory) *cobra.Command {
	return newCmdAddresses(f, phoneNoun, "Add, list, remove and choose the phone numbers of an account",
		`Manage the phone numbers of a user account. An account has one primary
phone number (its phone field: SMS messages and codes go there) and may
have extra ones, each unverified until the user enters a passcode sent to
it. Numbers are kept in E.164 form (+ and digits); one written without a
country code is read in the phone.region setting. "acctl user get" shows
them all.`)
}
