package user

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// addressNoun describes one kind of address for the commands of "user
// email" and "user phone", which differ only in it.
type addressNoun struct {
	kind   acct.AddressKind
	arg    string // the argument's name: EMAIL or PHONE
	noun   string // "email address"
	an     string // "an email address"
	plural string // "email addresses"
	column string // the list's first column: EMAIL or PHONE
	// verify says how an added address gets verified, for the help of add.
	verify string
	// examples are two addresses for the examples.
	examples [2]string
}

// AddressAddOptions are the parsed command line of "user email add" and
// "user phone add".
type AddressAddOptions struct {
	Factory  *cmdutil.Factory
	Kind     acct.AddressKind
	Ref      string
	Value    string
	Verified bool
	Send     bool // email only: send the verification link
}

// AddressListOptions are the parsed command line of "user email list" and
// "user phone list".
type AddressListOptions struct {
	Factory *cmdutil.Factory
	Kind    acct.AddressKind
	Ref     string
}

// AddressRemoveOptions are the parsed command line of "user email remove"
// and "user phone remove".
type AddressRemoveOptions struct {
	Factory *cmdutil.Factory
	Kind    acct.AddressKind
	Ref     string
	Value   string
	Yes     bool
}

// AddressPrimaryOptions are the parsed command line of "user email
// primary" and "user phone primary".
type AddressPrimaryOptions struct {
	Factory *cmdutil.Factory
	Kind    acct.AddressKind
	Ref     string
	Value   string
}

// addressRules is the part of every address command's help that says
// what holds for all of them.
const addressRules = `Each address belongs to one account at most, whether it is that account's
primary address or an extra one.`

// newCmdAddresses returns the group command of one kind of address and its
// verbs.
func newCmdAddresses(f *cmdutil.Factory, n addressNoun, short, long string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   string(n.kind) + " <command>",
		Short: short,
		Long:  cmdutil.LongHelp(long + "\n\n" + addressRules + "\n\n" + RefHelp),
		Example: fmt.Sprintf(`  acctl user %[1]s add alice %[2]s
  acctl user %[1]s list alice
  acctl user %[1]s primary alice %[2]s
  acctl user %[1]s remove alice %[3]s --yes`, n.kind, n.examples[0], n.examples[1]),
		Args: cobra.ArbitraryArgs,
		RunE: cmdutil.GroupRunE,
	}
	cmd.AddCommand(
		newCmdAddressAdd(f, n, nil),
		newCmdAddressList(f, n, nil),
		newCmdAddressRemove(f, n, nil),
		newCmdAddressPrimary(f, n, nil),
	)
	return cmd
}

// newCmdAddressAdd returns "user email add" or "user phone add". runF, if
// not nil, replaces the command's work.
func newCmdAddressAdd(f *cmdutil.Factory, n addressNoun, runF func(context.Context, *AddressAddOptions) error) *cobra.Command {
	opts := &AddressAddOptions{Factory: f, Kind: n.kind}
	cmd := &cobra.Command{
		Use:   "add REF " + n.arg,
		Short: "Add " + n.an + " to a user account",
		Long: cmdutil.LongHelp(fmt.Sprintf(`Add %[6]s to a user account and print it: its fields on a
terminal; one tab-separated line (%[2]s PRIMARY VERIFIED ADDED) when piped;
the address object with -o json.

%[3]s

With --verified it is recorded as verified at once: use it only when you
have checked yourself that the user controls it (the audit trail says that
an operator vouched for it).

An account without %[6]s gets the new one as its primary address;
otherwise it is an extra address, which "acctl user %[4]s primary" can make
the primary once it is verified. An account has at most %[5]d %[7]s.

An address that an account has already, this one or another, as its
primary or as an extra address, is a conflict (exit 4); one more than the
most an account may have is refused (exit 6), as is a change to an account
on deletion hold.

`, n.noun, n.column, n.verify, n.kind, acct.MaxAddresses, n.an, n.plural) + RefHelp),
		Example: fmt.Sprintf(`  acctl user %[1]s add alice %[2]s
  acctl user %[1]s add 42 %[3]s --verified -o json`, n.kind, n.examples[0], n.examples[1]),
		Args: cmdutil.ExactArgs(2, "REF", n.arg),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref, opts.Value = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAddressAdd(cmd.Context(), opts, n)
		},
	}
	cmd.Flags().BoolVar(&opts.Verified, "verified", false, "record the address as verified: you vouch that the user controls it")
	if n.kind == acct.AddressEmail {
		cmd.Flags().BoolVar(&opts.Send, "send", false, "send the link that verifies the address")
		cmd.MarkFlagsMutuallyExclusive("send", "verified")
	}
	return cmd
}

func runAddressAdd(ctx context.Context, opts *AddressAddOptions, n addressNoun) error {
	f := opts.Factory
	// Local checks the delivery before it adds the address.
	needs := cmdutil.Needs{Secret: opts.Send, Delivery: opts.Send}
	p, svc, err := f.PrinterAndServiceFor(ctx, needs)
	if err != nil {
		return err
	}
	a, err := svc.AddAddress(ctx, acct.NewAddress{User: opts.Ref, Kind: opts.Kind, Value: opts.Value,
		Verified: opts.Verified, Send: opts.Send})
	if err != nil {
		return err
	}
	if err := printAddress(p, n, a); err != nil {
		return err
	}
	if opts.Send {
		fmt.Fprintf(f.IO.ErrOut, "sent the verification link to %s; acctl user activate KEY verifies the address\n", a.Value)
	}
	return nil
}

// newCmdAddressList returns "user email list" or "user phone list". runF,
// if not nil, replaces the command's work.
func newCmdAddressList(f *cmdutil.Factory, n addressNoun, runF func(context.Context, *AddressListOptions) error) *cobra.Command {
	opts := &AddressListOptions{Factory: f, Kind: n.kind}
	cmd := &cobra.Command{
		Use:   "list REF",
		Short: "List the " + n.plural + " of a user account",
		Long: cmdutil.LongHelp(fmt.Sprintf(`List the %[1]s of a user account, the primary one first, then the
others in the order they were added: %[2]s PRIMARY VERIFIED ADDED. A table
on a terminal, tab-separated lines when piped, a JSON array with -o json.
An account without any is an empty list, not an error.

`, n.plural, n.column) + RefHelp),
		Example: fmt.Sprintf(`  acctl user %[1]s list alice
  acctl user %[1]s list %[2]s -o json`, n.kind, n.examples[1]),
		Aliases: []string{"ls"},
		Args:    cmdutil.ExactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAddressList(cmd.Context(), opts, n)
		},
	}
	return cmd
}

func runAddressList(ctx context.Context, opts *AddressListOptions, n addressNoun) error {
	p, svc, err := opts.Factory.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	list, err := svc.ListAddresses(ctx, opts.Ref, opts.Kind)
	if err != nil {
		return err
	}
	rows := make([][]string, len(list))
	for i, a := range list {
		rows[i] = addressRow(a)
	}
	return p.PrintTable(cmdutil.Table{Columns: addressColumns(n), Rows: rows, JSON: list, Empty: "no " + n.plural})
}

// newCmdAddressRemove returns "user email remove" or "user phone remove".
// runF, if not nil, replaces the command's work.
func newCmdAddressRemove(f *cmdutil.Factory, n addressNoun, runF func(context.Context, *AddressRemoveOptions) error) *cobra.Command {
	opts := &AddressRemoveOptions{Factory: f, Kind: n.kind}
	cmd := &cobra.Command{
		Use:   "remove REF " + n.arg,
		Short: "Remove " + n.an + " from a user account",
		Long: cmdutil.LongHelp(fmt.Sprintf(`Remove an extra %[1]s from a user account. The codes and links sent to
it stop working, and any account may take the address afterwards.

The primary %[1]s cannot be removed (exit 6): make another one the primary
first ("acctl user %[2]s primary"), or change it with "acctl user update
--%[2]s". An address the account does not have is exit 3.

On a terminal the command asks for confirmation; elsewhere it needs --yes.
It prints what it removed: a sentence on a terminal, the address's line
(%[3]s PRIMARY VERIFIED ADDED) when piped, the address object with -o json.

`, n.noun, n.kind, n.column) + RefHelp),
		Example: fmt.Sprintf(`  acctl user %[1]s remove alice %[2]s
  acctl user %[1]s remove 42 %[2]s --yes`, n.kind, n.examples[1]),
		Aliases: []string{"rm"},
		Args:    cmdutil.ExactArgs(2, "REF", n.arg),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref, opts.Value = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAddressRemove(cmd.Context(), opts, n)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runAddressRemove(ctx context.Context, opts *AddressRemoveOptions, n addressNoun) error {
	f := opts.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	if !opts.Yes && !f.IO.CanPrompt() {
		return cmdutil.ErrNeedYes
	}
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	ref := opts.Ref
	if !opts.Yes {
		u, err := svc.User(ctx, ref)
		if err != nil {
			return err
		}
		question := fmt.Sprintf("Remove the %s %s from user %d (%s)?", n.noun, strings.TrimSpace(opts.Value), u.ID, describe(u))
		if err := cmdutil.ConfirmYesNo(ctx, f.IO, false, question); err != nil {
			return err
		}
		ref = strconv.FormatInt(u.ID, 10) // the very account that was confirmed
	}
	a, err := svc.RemoveAddress(ctx, acct.AddressRef{User: ref, Kind: opts.Kind, Value: opts.Value})
	if err != nil {
		return err
	}
	if !p.Human() {
		return printAddress(p, n, a)
	}
	return p.Textf("removed the %s %s from user %d", n.noun, a.Value, a.UserID)
}

// newCmdAddressPrimary returns "user email primary" or "user phone
// primary". runF, if not nil, replaces the command's work.
func newCmdAddressPrimary(f *cmdutil.Factory, n addressNoun, runF func(context.Context, *AddressPrimaryOptions) error) *cobra.Command {
	opts := &AddressPrimaryOptions{Factory: f, Kind: n.kind}
	cmd := &cobra.Command{
		Use:   "primary REF " + n.arg,
		Short: "Make " + n.an + " the primary one of a user account",
		Long: cmdutil.LongHelp(fmt.Sprintf(`Make one of the %[3]s of a user account its primary %[1]s (the
account's %[2]s field, where messages, reset links and codes go) and print
the account. The former primary stays as an extra address.

Only a verified address can become the primary (exit 6 otherwise): the
primary address receives password resets, so it must be one the user is
known to control. An address the account does not have is exit 3; the
address that is the primary already is exit 4.

`, n.noun, n.kind, n.plural) + RefHelp),
		Example: fmt.Sprintf(`  acctl user %[1]s primary alice %[2]s
  acctl user %[1]s primary 42 %[2]s -o json`, n.kind, n.examples[0]),
		Args: cmdutil.ExactArgs(2, "REF", n.arg),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref, opts.Value = args[0], args[1]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAddressPrimary(cmd.Context(), opts)
		},
	}
	return cmd
}

func runAddressPrimary(ctx context.Context, opts *AddressPrimaryOptions) error {
	return RunAndPrintUser(ctx, opts.Factory, func(svc acct.Service) (*acct.User, error) {
		return svc.SetPrimaryAddress(ctx, acct.AddressRef{User: opts.Ref, Kind: opts.Kind, Value: opts.Value})
	})
}

// addressColumns are the columns of an address in tables, tsv and csv.
func addressColumns(n addressNoun) []string {
	return []string{n.column, "PRIMARY", "VERIFIED", "ADDED"}
}

func addressRow(a acct.Address) []string {
	return []string{a.Value, cmdutil.FormatBool(a.Primary), cmdutil.FormatBool(a.Verified), cmdutil.FormatTime(a.CreatedAt)}
}

// printAddress writes one address: its fields, one per line, on a
// terminal; the list's columns in tsv and csv; the JSON object.
func printAddress(p *cmdutil.Printer, n addressNoun, a *acct.Address) error {
	b := cmdutil.FormatBool
	return p.PrintRecord(cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "user_id", Value: strconv.FormatInt(a.UserID, 10)},
			{Key: "kind", Value: string(a.Kind)},
			{Key: "value", Value: a.Value},
			{Key: "primary", Value: b(a.Primary)},
			{Key: "verified", Value: b(a.Verified)},
			{Key: "verified_at", Value: cmdutil.FormatTimePtr(a.VerifiedAt)},
			{Key: "created_at", Value: cmdutil.FormatTime(a.CreatedAt)},
		},
		Columns: addressColumns(n),
		Row:     addressRow(*a),
		JSON:    a,
	})
}

// UserWithAddresses is the JSON of "user get": the account's fields and
// its addresses.
type UserWithAddresses struct {
	*acct.User
	Addresses []acct.Address `json:"addresses"`
}

// printUserAddresses writes a user as PrintUser does, with its extra
// addresses after its primary ones on a terminal (other_emails,
// other_phones) and every address in the JSON (addresses).
func printUserAddresses(p *cmdutil.Printer, u *acct.User, addrs []acct.Address) error {
	r := userRecord(u)
	if addrs == nil {
		addrs = []acct.Address{}
	}
	r.JSON = UserWithAddresses{User: u, Addresses: addrs}
	var fields []cmdutil.Field
	for _, fl := range r.Fields {
		fields = append(fields, fl)
		switch fl.Key {
		case "email_verified":
			fields = append(fields, cmdutil.Field{Key: "other_emails", Value: otherAddresses(addrs, acct.AddressEmail)})
		case "phone_verified":
			fields = append(fields, cmdutil.Field{Key: "other_phones", Value: otherAddresses(addrs, acct.AddressPhone)})
		}
	}
	r.Fields = fields
	return p.PrintRecord(r)
}

// otherAddresses lists the extra addresses of kind for a terminal:
// "alice@work.example, al@old.example (unverified)".
func otherAddresses(addrs []acct.Address, kind acct.AddressKind) string {
	var out []string
	for _, a := range addrs {
		if a.Kind != kind || a.Primary {
			continue
		}
		s := a.Value
		if !a.Verified {
			s += " (unverified)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
