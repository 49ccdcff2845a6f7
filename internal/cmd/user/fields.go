package user

import (
	"github.com/spf13/cobra"

	"github.com/acctl/acctl/internal/acct"
)

// fieldFlags are the account fields that register and update take as
// flags.
type fieldFlags struct {
	Username  string
	Email     string
	Phone     string
	FirstName string
	LastName  string
	Language  string
	Admin     bool
}

// fieldFlagNames lists the field flags, in help order.
var fieldFlagNames = []string{"email", "phone", "username", "first-name", "last-name", "language", "admin"}

func addFieldFlags(cmd *cobra.Command, ff *fieldFlags, adminHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&ff.Email, "email", "", "email `ADDRESS`")
	fl.StringVar(&ff.Phone, "phone", "", "phone `NUMBER`, +country form (or national with phone.region set)")
	fl.StringVar(&ff.Username, "username", "", "user `NAME` (unique)")
	fl.StringVar(&ff.FirstName, "first-name", "", "first `NAME`")
	fl.StringVar(&ff.LastName, "last-name", "", "last `NAME`")
	fl.StringVar(&ff.Language, "language", "", "preferred language, a BCP 47 `TAG` such as en or pt-BR")
	fl.BoolVar(&ff.Admin, "admin", false, adminHelp)
}

// update returns the fields whose flag was given: a flag set to "" clears
// the field.
func (ff *fieldFlags) update(cmd *cobra.Command) acct.UserUpdate {
	changed := cmd.Flags().Changed
	str := func(name string, v string) *string {
		if !changed(name) {
			return nil
		}
		return &v
	}
	u := acct.UserUpdate{
		Username:  str("username", ff.Username),
		Email:     str("email", ff.Email),
		Phone:     str("phone", ff.Phone),
		FirstName: str("first-name", ff.FirstName),
		LastName:  str("last-name", ff.LastName),
		Language:  str("language", ff.Language),
	}
	if changed("admin") {
		admin := ff.Admin
		u.Admin = &admin
	}
	return u
}
