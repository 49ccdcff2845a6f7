package user

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// emailNoun is the kind of address of "user email".
var emailNoun = addressNoun{
	kind:   acct.AddressEmail,
	arg:    "EMAIL",
	noun:   "email address",
	an:     "an email address",
	plural: "email addresses",
	column: "EMAIL",
	verify: `The address is unverified until the user proves to control it by
the link sent to it: --send sends the link at once (it needs public_url
and email delivery, see "acctl config"); "acctl user activate --send
EMAIL" sends it, or a new one, later.`,
	examples: [2]string{"alice@work.example", "alice@old.example"},
}

// NewCmdEmail returns "user email" and its verbs: add, list, remove and
// primary.
func NewCmdEmail(f *cmdutil.Factory) *cobra.Command {
	return newCmdAddresses(f, emailNoun, "Add, list, remove and choose the email addresses of an account",
		`Manage the email addresses of a user account. An account has one primary
email address (its email field: messages, reset links and activation
links go there) and may have extra ones, each unverified until the user
proves to control it. "acctl user get" shows them all.`)
}
