package user

import (
	"context"
	"strconv"
	"strings"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/cmdutil"
)

// columns are the columns of a user in tables, tsv and csv.
var columns = []string{"ID", "USERNAME", "EMAIL", "PHONE", "NAME", "STATUS", "CREATED"}

func row(u acct.User) []string {
	return []string{
		strconv.FormatInt(u.ID, 10),
		u.Username,
		u.Email,
		u.Phone,
		fullName(u),
		string(u.Status),
		cmdutil.FormatTime(u.CreatedAt),
	}
}

func fullName(u acct.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// printUsers writes a list of users: a table, tsv lines, csv, or a JSON
// array ([] when empty).
func printUsers(p *cmdutil.Printer, users []acct.User) error {
	rows := make([][]string, len(users))
	for i, u := range users {
		rows[i] = row(u)
	}
	return p.PrintTable(cmdutil.Table{Columns: columns, Rows: rows, JSON: users, Empty: "no users"})
}

// PrintUser writes one user: every field, one per line, on a terminal; the
// list's columns in tsv and csv; the JSON object. The commands of other
// nouns that return a user (password set, for one) print it with this.
func PrintUser(p *cmdutil.Printer, u *acct.User) error {
	return p.PrintRecord(userRecord(u))
}

// userRecord is PrintUser's record of u ("user get" adds the addresses).
func userRecord(u *acct.User) cmdutil.Record {
	b := cmdutil.FormatBool
	return cmdutil.Record{
		Fields: []cmdutil.Field{
			{Key: "id", Value: strconv.FormatInt(u.ID, 10)},
			{Key: "username", Value: u.Username},
			{Key: "email", Value: u.Email},
			{Key: "email_verified", Value: b(u.EmailVerified)},
			{Key: "phone", Value: u.Phone},
			{Key: "phone_verified", Value: b(u.PhoneVerified)},
			{Key: "first_name", Value: u.FirstName},
			{Key: "last_name", Value: u.LastName},
			{Key: "language", Value: u.Language},
			{Key: "admin", Value: b(u.Admin)},
			{Key: "foreign", Value: u.Foreign},
			{Key: "has_password", Value: b(u.HasPassword)},
			{Key: "status", Value: string(u.Status)},
			{Key: "locked_until", Value: lockedUntil(u)},
			{Key: "lock_reason", Value: u.LockReason},
			{Key: "failed_logins", Value: strconv.Itoa(u.FailedLogins)},
			{Key: "hold_until", Value: holdUntil(u)},
			{Key: "referral_code", Value: u.ReferralCode},
			{Key: "referred_by", Value: formatID(u.ReferredBy)},
			{Key: "points", Value: strconv.FormatInt(u.Points, 10)},
			{Key: "created_at", Value: cmdutil.FormatTime(u.CreatedAt)},
			{Key: "updated_at", Value: cmdutil.FormatTime(u.UpdatedAt)},
		},
		Columns: columns,
		Row:     row(*u),
		JSON:    u,
	}
}

// lockedUntil says when a lock ends: its time, "until unlocked" for an
// operator's lock without an end, "" when the account is not locked.
func lockedUntil(u *acct.User) string {
	if u.LockedUntil != nil {
		return cmdutil.FormatTime(*u.LockedUntil)
	}
	if u.Status == acct.StatusLocked {
		return "until unlocked"
	}
	return ""
}

// RunAndPrintUser opens the Service, runs op and prints the user it
// returns: the shared body of the commands that act on one user.
func RunAndPrintUser(ctx context.Context, f *cmdutil.Factory, op func(acct.Service) (*acct.User, error)) error {
	p, svc, err := f.PrinterAndService(ctx)
	if err != nil {
		return err
	}
	u, err := op(svc)
	if err != nil {
		return err
	}
	return PrintUser(p, u)
}

// holdUntil shows the end of a deletion hold, and says when it has run
// out (the account can then only be purged).
func holdUntil(u *acct.User) string {
	s := cmdutil.FormatTimePtr(u.HoldUntil)
	if u.HoldExpired {
		s += " (ran out: only a purge is left)"
	}
	return s
}
