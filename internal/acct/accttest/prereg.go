package accttest

import (
	"strconv"
	"strings"

	"github.com/acctl/acctl/internal/acct"
)

// wantPreregRemoved checks the prereg.remove events on the account ref:
// their details, in order, and that none names an address.
func (e *env) wantPreregRemoved(ref string, details ...string) {
	e.t.Helper()
	evs, _ := e.svc.ListEvents(e.ctx, acct.EventQuery{User: ref, Action: acct.ActionPreregRemoved, Limit: acct.MaxPageSize})
	var got []string
	for _, ev := range evs {
		if strings.Contains(ev.Detail, "@") {
			e.t.Errorf("audit event names an address: %+v", ev)
		}
		got = append(got, string(ev.Outcome)+": "+ev.Detail)
	}
	var want []string
	for _, d := range details {
		want = append(want, "ok: "+d)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		e.t.Fatalf("%s's prereg.remove events %q, want %q", ref, got, want)
	}
}

// preregister puts the addresses on the waiting list and returns their
// entries' ids, as the audit trail spells them.
func (e *env) preregister(emails ...string) []string {
	e.t.Helper()
	var ids []string
	for _, a := range emails {
		p, err := e.svc.Preregister(e.ctx, a)
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, strconv.FormatInt(p.ID, 10))
	}
	return ids
}

// testPreregUpdateEmail: an address that becomes an existing account's
// primary email by an update leaves the waiting list in the update's
// transaction, as with a registration.
func testPreregUpdateEmail(e *env) {
	e.register(acct.NewUser{Email: "dave@example.com", Username: "dave"})
	e.register(acct.NewUser{Email: "erin@example.com", Username: "erin"})
	id := e.preregister("new.dave@example.com", "other@example.com", "later@example.com")
	// The update's address is normalised as the list's are.
	u, err := e.svc.UpdateUser(e.ctx, "dave", acct.UserUpdate{Email: new(" New.Dave@EXAMPLE.com ")})
	if err != nil || u.Email != "new.dave@example.com" {
		e.t.Fatalf("update: %+v, %v", u, err)
	}
	e.preregistered("other@example.com", "later@example.com")
	e.wantPreregRemoved("dave", "preregistration "+id[0]+": email updated")
	// An update that leaves the email, or sets one not on the list, or
	// changes only the phone, leaves the list alone.
	for _, in := range []acct.UserUpdate{
		{Email: new("new.dave@example.com"), FirstName: new("Dave")},
		{Email: new("dave.again@example.com")},
		{Phone: new("+447400123123")},
	} {
		if _, err := e.svc.UpdateUser(e.ctx, "dave", in); err != nil {
			e.t.Fatalf("update %+v: %v", in, err)
		}
	}
	e.preregistered("other@example.com", "later@example.com")
	e.wantPreregRemoved("dave", "preregistration "+id[0]+": email updated")

	// The change and the removal commit together: an update that fails
	// after its new email was taken off the list (the username is
	// erin's, which only the store's constraint finds) leaves the address
	// on the list and the account as it was.
	_, err = e.svc.UpdateUser(e.ctx, "dave", acct.UserUpdate{Email: new("other@example.com"), Username: new("erin")})
	e.wantCode(err, acct.CodeConflict, "username")
	e.preregistered("other@example.com", "later@example.com")
	if u := e.user("dave"); u.Email != "dave.again@example.com" {
		e.t.Fatalf("dave after a failed update: %+v", u)
	}
	e.wantPreregRemoved("dave", "preregistration "+id[0]+": email updated")
	// Nor does an update that another account's email refuses.
	_, err = e.svc.UpdateUser(e.ctx, "dave", acct.UserUpdate{Email: new("erin@example.com")})
	e.wantCode(err, acct.CodeConflict, "email")
	e.preregistered("other@example.com", "later@example.com")

	// Erin takes the address: it is hers and off the list.
	if _, err := e.svc.UpdateUser(e.ctx, "erin", acct.UserUpdate{Email: new("OTHER@example.com")}); err != nil {
		e.t.Fatal(err)
	}
	e.preregistered("later@example.com")
	e.wantPreregRemoved("erin", "preregistration "+id[1]+": email updated")
	_, err = e.svc.Preregister(e.ctx, "other@example.com")
	e.wantCode(err, acct.CodeConflict, "email")
}

// testPreregAddAddress: an extra email address added to an account leaves
// the waiting list in the same transaction; a phone number is never on
// it.
func testPreregAddAddress(e *env) {
	e.register(acct.NewUser{Email: "dave@example.com", Username: "dave"})
	e.register(acct.NewUser{Phone: "+447400123123", Username: "pat"})
	id := e.preregister("extra@example.com", "first@example.com", "later@example.com")
	a, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "dave", Kind: acct.AddressEmail, Value: " Extra@Example.COM"})
	if err != nil || a.Value != "extra@example.com" || a.Primary {
		e.t.Fatalf("add address: %+v, %v", a, err)
	}
	e.preregistered("first@example.com", "later@example.com")
	e.wantPreregRemoved("dave", "preregistration "+id[0]+": address added")
	_, err = e.svc.Preregister(e.ctx, "extra@example.com")
	e.wantCode(err, acct.CodeConflict, "email")

	// An account without an email gets the address as its primary.
	a, err = e.svc.AddAddress(e.ctx, acct.NewAddress{User: "pat", Kind: acct.AddressEmail, Value: "first@example.com", Verified: true})
	if err != nil || !a.Primary {
		e.t.Fatalf("add a first email: %+v, %v", a, err)
	}
	e.preregistered("later@example.com")
	e.wantPreregRemoved("pat", "preregistration "+id[1]+": address added")

	// Phones and addresses not on the list change nothing; an address
	// refused (it is another account's) leaves the list as it is.
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "dave", Kind: acct.AddressPhone, Value: "+447400123124"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "dave", Kind: acct.AddressEmail, Value: "not.listed@example.com"}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.AddAddress(e.ctx, acct.NewAddress{User: "dave", Kind: acct.AddressEmail, Value: "first@example.com"})
	e.wantCode(err, acct.CodeConflict, "email")
	e.preregistered("later@example.com")
	e.wantPreregRemoved("dave", "preregistration "+id[0]+": address added")
}

// testPreregImportUpdate: an import that gives an existing account a new
// email, primary or extra, takes it off the waiting list, as it does a
// new account's addresses (extra ones too).
func testPreregImportUpdate(e *env) {
	e.register(acct.NewUser{Email: "dave@example.com", Username: "dave"})
	e.preregister("dave.new@example.com", "dave.extra@example.com", "new.extra@example.com", "later@example.com")
	res := e.importBatch(acct.ConflictUpdate, false,
		acct.ImportRow{Username: new("dave"), Email: new("Dave.New@example.com"),
			Addresses: []acct.Address{{Kind: acct.AddressEmail, Value: "dave.extra@example.com"}}},
		acct.ImportRow{Email: new("newcomer@example.com"),
			Addresses: []acct.Address{{Kind: acct.AddressEmail, Value: "new.extra@example.com"}}})
	wantCounts(e.t, res, 2, 1, 1, 0, 0)
	e.preregistered("later@example.com")
	evs, _ := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionUserImport})
	if len(evs) != 1 || !strings.HasSuffix(evs[0].Detail, "; 3 taken off the waiting list") {
		e.t.Fatalf("events: %+v", evs)
	}
}
