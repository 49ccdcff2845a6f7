package accttest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// addressCases hold every Service to the rules of extra addresses: an
// address belongs to one account at most, primary or extra, also under
// racing writers; a REF that is any address finds its account; only a
// verified address becomes the primary; the primary cannot be removed;
// the audit trail never holds an address.
var addressCases = []suiteCase{
	{"AddressAddList", testAddressAddList, nil},
	{"AddressFirstIsPrimary", testAddressFirstIsPrimary, nil},
	{"AddressUnique", testAddressUnique, nil},
	{"AddressConcurrentAdd", testAddressConcurrentAdd, nil},
	{"AddressLookup", testAddressLookup, nil},
	{"AddressRemove", testAddressRemove, nil},
	{"AddressPrimary", testAddressPrimary, nil},
	{"AddressConcurrentPrimary", testAddressConcurrentPrimary, nil},
	{"AddressUpdateUser", testAddressUpdateUser, nil},
	{"AddressHoldAndPurge", testAddressHoldAndPurge, nil},
	{"AddressLimit", testAddressLimit, nil},
	{"AddressInvalid", testAddressInvalid, nil},
	{"AddressAudit", testAddressAudit, nil},
}

func (e *env) addAddress(ref string, kind acct.AddressKind, value string, verified bool) *acct.Address {
	e.t.Helper()
	a, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: ref, Kind: kind, Value: value, Verified: verified})
	if err != nil {
		e.t.Fatalf("add %s %q to %s: %v", kind, value, ref, err)
	}
	return a
}

func (e *env) addresses(ref string, kind acct.AddressKind) []acct.Address {
	e.t.Helper()
	as, err := e.svc.ListAddresses(e.ctx, ref, kind)
	if err != nil {
		e.t.Fatalf("list %s addresses of %s: %v", kind, ref, err)
	}
	return as
}

// addressList writes addresses compactly for comparisons:
// "email:a@x.example*v" (* primary, v verified).
func addressList(as []acct.Address) string {
	var parts []string
	for _, a := range as {
		s := string(a.Kind) + ":" + a.Value
		if a.Primary {
			s += "*"
		}
		if a.Verified {
			s += "v"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func (e *env) wantAddresses(ref string, kind acct.AddressKind, want string) {
	e.t.Helper()
	if got := addressList(e.addresses(ref, kind)); got != want {
		e.t.Fatalf("%s addresses of %s:\n got %s\nwant %s", kind, ref, got, want)
	}
}

// testAddressAddList adds extra addresses and lists them: normalised,
// unverified unless vouched for, the primary first, then in order.
func testAddressAddList(e *env) {
	u := e.register(acct.NewUser{Email: "alice@example.com", Phone: "+447400100001", Username: "alice"})
	e.wantAddresses("alice", "", "email:alice@example.com* phone:+447400100001*")

	e.clock.Advance(time.Minute)
	a := e.addAddress("alice", acct.AddressEmail, "  Alice@Work.EXAMPLE ", false)
	want := acct.Address{UserID: u.ID, Kind: acct.AddressEmail, Value: "alice@work.example", CreatedAt: Start.Add(time.Minute)}
	if a.UserID != want.UserID || a.Kind != want.Kind || a.Value != want.Value || a.Primary || a.Verified ||
		a.VerifiedAt != nil || !a.CreatedAt.Equal(want.CreatedAt) {
		e.t.Fatalf("added %+v, want %+v", *a, want)
	}
	e.clock.Advance(time.Minute)
	p := e.addAddress("alice", acct.AddressPhone, "07400 100002", true)
	if p.Value != "+447400100002" || !p.Verified || p.VerifiedAt == nil || !p.VerifiedAt.Equal(Start.Add(2*time.Minute)) {
		e.t.Fatalf("added verified phone %+v", *p)
	}
	e.addAddress(fmt.Sprint(u.ID), acct.AddressEmail, "alice@old.example", true)

	e.wantAddresses("alice", "", "email:alice@example.com* email:alice@work.example email:alice@old.examplev phone:+447400100001* phone:+447400100002v")
	e.wantAddresses("alice", acct.AddressEmail, "email:alice@example.com* email:alice@work.example email:alice@old.examplev")
	e.wantAddresses("alice", acct.AddressPhone, "phone:+447400100001* phone:+447400100002v")

	// The account itself is as it was: the primary addresses only.
	got, err := e.svc.User(e.ctx, "alice")
	if err != nil || got.Email != "alice@example.com" || got.Phone != "+447400100001" || !got.UpdatedAt.Equal(Start) {
		e.t.Fatalf("user after adding: %+v, %v", got, err)
	}
	// The JSON of an address.
	b, _ := json.Marshal(e.addresses("alice", acct.AddressPhone)[1])
	for _, key := range []string{`"user_id":`, `"kind":"phone"`, `"value":"+447400100002"`, `"primary":false`, `"verified":true`, `"verified_at":`, `"created_at":`} {
		if !strings.Contains(string(b), key) {
			e.t.Errorf("address JSON %s lacks %s", b, key)
		}
	}
	// An account without addresses lists none, as an empty list.
	f := e.register(acct.NewUser{Foreign: "github:1", NoPassword: true})
	if as := e.addresses(fmt.Sprint(f.ID), ""); as == nil || len(as) != 0 {
		e.t.Fatalf("addresses of a foreign-only account: %#v", as)
	}
	_, err = e.svc.ListAddresses(e.ctx, "nobody", "")
	e.wantCode(err, acct.CodeNotFound, "user")
}

// testAddressFirstIsPrimary gives an account its first email and first
// phone: each becomes the primary.
func testAddressFirstIsPrimary(e *env) {
	e.register(acct.NewUser{Phone: "+447400100011", Username: "phoney"})
	a := e.addAddress("phoney", acct.AddressEmail, "phoney@example.com", false)
	if !a.Primary || a.Verified {
		e.t.Fatalf("first email: %+v", *a)
	}
	u, err := e.svc.User(e.ctx, "phoney")
	if err != nil || u.Email != "phoney@example.com" || u.EmailVerified {
		e.t.Fatalf("user with a first email: %+v, %v", u, err)
	}
	e.register(acct.NewUser{Email: "mailer@example.com", Username: "mailer"})
	p := e.addAddress("mailer", acct.AddressPhone, "+447400100012", true)
	if !p.Primary || !p.Verified {
		e.t.Fatalf("first phone: %+v", *p)
	}
	if u, err = e.svc.User(e.ctx, "mailer"); err != nil || u.Phone != "+447400100012" || !u.PhoneVerified {
		e.t.Fatalf("user with a first phone: %+v, %v", u, err)
	}
	// The second is an extra one.
	if a = e.addAddress("mailer", acct.AddressPhone, "+447400100013", true); a.Primary {
		e.t.Fatalf("second phone: %+v", *a)
	}
}

// testAddressUnique checks that an address belongs to one account at
// most, whether it is primary or extra there, in every direction.
func testAddressUnique(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Phone: "+447400100021", Username: "alice"})
	e.register(acct.NewUser{Email: "bob@example.com", Phone: "+447400100022", Username: "bob"})
	e.addAddress("alice", acct.AddressEmail, "alice@work.example", false)
	e.addAddress("alice", acct.AddressPhone, "+447400100023", false)

	for _, c := range []struct {
		ref   string
		kind  acct.AddressKind
		value string
	}{
		{"bob", acct.AddressEmail, "ALICE@example.com"},  // alice's primary
		{"bob", acct.AddressEmail, "alice@work.example"}, // alice's extra
		{"bob", acct.AddressPhone, "+447400100021"},      // alice's primary
		{"bob", acct.AddressPhone, "07400 100023"},       // alice's extra
		{"alice", acct.AddressEmail, "alice@example.com"},
		{"alice", acct.AddressEmail, "alice@work.example"},
		{"alice", acct.AddressPhone, "+447400100023"},
	} {
		_, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: c.ref, Kind: c.kind, Value: c.value})
		e.wantCode(err, acct.CodeConflict, string(c.kind))
		if strings.Contains(err.Error(), strings.ToLower(strings.TrimSpace(c.value))) {
			e.t.Errorf("conflict %q names the address", err)
		}
	}
	// A new account cannot take an extra address either, nor an update.
	_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "Alice@Work.example", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "email")
	_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "carol@example.com", Phone: "+447400100023", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "phone")
	_, err = e.svc.UpdateUser(e.ctx, "bob", acct.UserUpdate{Email: ptr("alice@work.example")})
	e.wantCode(err, acct.CodeConflict, "email")
	_, err = e.svc.UpdateUser(e.ctx, "bob", acct.UserUpdate{Phone: ptr("+447400100023")})
	e.wantCode(err, acct.CodeConflict, "phone")
	if n := e.count(); n != 2 {
		e.t.Fatalf("%d users after conflicts, want 2", n)
	}
	e.wantAddresses("bob", "", "email:bob@example.com* phone:+447400100022*")
	e.wantAddresses("alice", "", "email:alice@example.com* email:alice@work.example phone:+447400100021* phone:+447400100023")
	// An email and a phone are different kinds: no clash between them.
	e.addAddress("bob", acct.AddressEmail, "bob@work.example", false)
}

// testAddressConcurrentAdd races accounts for one address: exactly one
// wins, whether the others add it or register with it.
func testAddressConcurrentAdd(e *env) {
	const n = 16
	refs := make([]string, n)
	for i := range refs {
		u := e.register(acct.NewUser{Email: fmt.Sprintf("racer%d@example.com", i)})
		refs[i] = fmt.Sprint(u.ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, n+4)
	for i := 0; i < n+4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i >= n { // a few registrations race the adds for the same address
				_, errs[i] = e.svc.Register(e.ctx, acct.NewUser{Email: "Prize@Example.com", Password: GoodPassword})
				return
			}
			_, errs[i] = e.svc.AddAddress(e.ctx, acct.NewAddress{User: refs[i], Kind: acct.AddressEmail, Value: "prize@example.com"})
		}(i)
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch acct.ErrorCode(err) {
		case "":
			ok++
		case acct.CodeConflict:
			if acct.ErrorField(err) != "email" {
				e.t.Errorf("racer %d: conflict on %q", i, acct.ErrorField(err))
			}
		default:
			e.t.Errorf("racer %d: %v", i, err)
		}
	}
	if ok != 1 {
		e.t.Fatalf("%d of %d racing claims of one address succeeded, want 1", ok, n+4)
	}
	owner, err := e.svc.User(e.ctx, "prize@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	holders := 0
	for i := 0; i < n; i++ {
		for _, a := range e.addresses(refs[i], acct.AddressEmail) {
			if a.Value == "prize@example.com" {
				holders++
				if refs[i] != fmt.Sprint(owner.ID) {
					e.t.Errorf("user %s holds the address, but it finds user %d", refs[i], owner.ID)
				}
			}
		}
	}
	if holders+e.count()-n != 1 {
		e.t.Fatalf("%d accounts hold the address and %d registered with it", holders, e.count()-n)
	}
}

// testAddressLookup names accounts by their extra addresses.
func testAddressLookup(e *env) {
	u := e.register(acct.NewUser{Email: "look@example.com", Username: "looker"})
	e.addAddress("looker", acct.AddressEmail, "look@work.example", false)
	e.addAddress("looker", acct.AddressPhone, "+447400100031", false)
	e.addAddress("looker", acct.AddressPhone, "+447400100032", true)
	for _, ref := range []string{"look@work.example", "LOOK@Work.Example", "+447400100031", "+44 7400 100032", "07400 100032"} {
		got, err := e.svc.User(e.ctx, ref)
		if err != nil || got.ID != u.ID {
			e.t.Fatalf("lookup by extra address %q: %+v, %v", ref, got, err)
		}
	}
	// Any operation that takes a REF: a change through an extra address.
	got, err := e.svc.UpdateUser(e.ctx, "look@work.example", acct.UserUpdate{FirstName: ptr("Lou")})
	if err != nil || got.ID != u.ID || got.FirstName != "Lou" {
		e.t.Fatalf("update by extra address: %+v, %v", got, err)
	}
	// A removed address names nobody.
	if _, err := e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "looker", Kind: acct.AddressEmail, Value: "look@work.example"}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.User(e.ctx, "look@work.example")
	e.wantCode(err, acct.CodeNotFound, "user")
}

// testAddressRemove removes extra addresses; the primary one stays.
func testAddressRemove(e *env) {
	e.register(acct.NewUser{Email: "rem@example.com", Phone: "+447400100041", Username: "remy"})
	bob := e.register(acct.NewUser{Email: "bob@example.com"})
	e.addAddress("remy", acct.AddressEmail, "rem@work.example", true)
	e.addAddress("remy", acct.AddressPhone, "+447400100042", false)

	e.clock.Advance(time.Minute)
	a, err := e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "remy", Kind: acct.AddressEmail, Value: " REM@work.example"})
	if err != nil || a.Value != "rem@work.example" || a.Kind != acct.AddressEmail || a.Primary || !a.Verified {
		e.t.Fatalf("remove: %+v, %v", a, err)
	}
	e.wantAddresses("remy", "", "email:rem@example.com* phone:+447400100041* phone:+447400100042")

	for _, c := range []struct {
		ref   acct.AddressRef
		code  acct.Code
		field string
	}{
		{acct.AddressRef{User: "remy", Kind: acct.AddressEmail, Value: "rem@example.com"}, acct.CodeRefused, "email"},   // the primary
		{acct.AddressRef{User: "remy", Kind: acct.AddressPhone, Value: "+447400100041"}, acct.CodeRefused, "phone"},     // the primary
		{acct.AddressRef{User: "remy", Kind: acct.AddressEmail, Value: "rem@work.example"}, acct.CodeNotFound, "email"}, // removed already
		{acct.AddressRef{User: "remy", Kind: acct.AddressEmail, Value: "bob@example.com"}, acct.CodeNotFound, "email"},  // another's
		{acct.AddressRef{User: "nobody", Kind: acct.AddressEmail, Value: "rem@example.com"}, acct.CodeNotFound, "user"},
		{acct.AddressRef{User: "remy", Kind: "fax", Value: "123"}, acct.CodeInvalid, "kind"},
		{acct.AddressRef{User: "remy", Kind: acct.AddressPhone, Value: "rem@example.com"}, acct.CodeInvalid, "phone"},
	} {
		_, err := e.svc.RemoveAddress(e.ctx, c.ref)
		e.wantCode(err, c.code, c.field)
	}
	e.wantAddresses("remy", "", "email:rem@example.com* phone:+447400100041* phone:+447400100042")
	// The removed address is free for anyone.
	e.addAddress(fmt.Sprint(bob.ID), acct.AddressEmail, "rem@work.example", false)
	// Removing an address leaves the account as it was.
	u, err := e.svc.User(e.ctx, "remy")
	if err != nil || u.Email != "rem@example.com" || u.Phone != "+447400100041" {
		e.t.Fatalf("user after removal: %+v, %v", u, err)
	}
}

// testAddressPrimary swaps primary addresses: only a verified one may
// become the primary, and the former one stays as an extra address.
func testAddressPrimary(e *env) {
	e.register(acct.NewUser{Email: "prim@example.com", Phone: "+447400100051", Username: "prim"})
	e.addAddress("prim", acct.AddressEmail, "prim@unverified.example", false)
	e.addAddress("prim", acct.AddressEmail, "prim@verified.example", true)
	e.addAddress("prim", acct.AddressPhone, "+447400100052", true)

	ref := func(kind acct.AddressKind, value string) acct.AddressRef {
		return acct.AddressRef{User: "prim", Kind: kind, Value: value}
	}
	_, err := e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressEmail, "prim@unverified.example"))
	e.wantCode(err, acct.CodeRefused, "email")
	_, err = e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressEmail, "prim@example.com"))
	e.wantCode(err, acct.CodeConflict, "email")
	_, err = e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressEmail, "nobody@example.com"))
	e.wantCode(err, acct.CodeNotFound, "email")

	e.clock.Advance(time.Minute)
	u, err := e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressEmail, "Prim@Verified.example"))
	if err != nil || u.Email != "prim@verified.example" || !u.EmailVerified || !u.UpdatedAt.Equal(Start.Add(time.Minute)) ||
		u.Phone != "+447400100051" {
		e.t.Fatalf("primary email: %+v, %v", u, err)
	}
	// The former primary (never verified) stays, unverified.
	e.wantAddresses("prim", acct.AddressEmail, "email:prim@verified.example*v email:prim@example.com email:prim@unverified.example")
	// The primary is what look-ups and the account show.
	if got, err := e.svc.User(e.ctx, "prim@example.com"); err != nil || got.ID != u.ID || got.Email != "prim@verified.example" {
		e.t.Fatalf("lookup by the former primary: %+v, %v", got, err)
	}
	// The former primary is an extra address now: it may be removed.
	if _, err := e.svc.RemoveAddress(e.ctx, ref(acct.AddressEmail, "prim@example.com")); err != nil {
		e.t.Fatal(err)
	}
	// The new primary cannot be.
	_, err = e.svc.RemoveAddress(e.ctx, ref(acct.AddressEmail, "prim@verified.example"))
	e.wantCode(err, acct.CodeRefused, "email")

	// Phones the same way; a verified former primary stays verified.
	e.addAddress("prim", acct.AddressPhone, "+447400100053", true)
	if u, err = e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressPhone, "+447400100052")); err != nil || u.Phone != "+447400100052" || !u.PhoneVerified {
		e.t.Fatalf("primary phone: %+v, %v", u, err)
	}
	if u, err = e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressPhone, "+447400100053")); err != nil || u.Phone != "+447400100053" {
		e.t.Fatalf("primary phone again: %+v, %v", u, err)
	}
	e.wantAddresses("prim", acct.AddressPhone, "phone:+447400100053*v phone:+447400100051 phone:+447400100052v")
	if u, err = e.svc.SetPrimaryAddress(e.ctx, ref(acct.AddressPhone, "+447400100052")); err != nil || !u.PhoneVerified {
		e.t.Fatalf("back to a formerly primary phone: %+v, %v", u, err)
	}
	e.wantAddresses("prim", acct.AddressPhone, "phone:+447400100052*v phone:+447400100051 phone:+447400100053v")
}

// testAddressConcurrentPrimary swaps the primary back and forth from many
// goroutines: at the end the account has exactly one primary of the
// kind, and it is the account's email.
func testAddressConcurrentPrimary(e *env) {
	e.register(acct.NewUser{Email: "swap0@example.com", Username: "swapper"})
	const n = 4
	for i := 1; i < n; i++ {
		e.addAddress("swapper", acct.AddressEmail, fmt.Sprintf("swap%d@example.com", i), true)
	}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := e.svc.SetPrimaryAddress(e.ctx, acct.AddressRef{User: "swapper", Kind: acct.AddressEmail,
				Value: fmt.Sprintf("swap%d@example.com", 1+i%(n-1))})
			if err != nil && !acct.IsCode(err, acct.CodeConflict) && !acct.IsCode(err, acct.CodeUnavailable) {
				e.t.Errorf("swap %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	u, err := e.svc.User(e.ctx, "swapper")
	if err != nil {
		e.t.Fatal(err)
	}
	as := e.addresses("swapper", acct.AddressEmail)
	primaries := 0
	for _, a := range as {
		if a.Primary {
			primaries++
			if a.Value != u.Email {
				e.t.Errorf("primary %s, but the account's email is %s", a.Value, u.Email)
			}
		}
	}
	if primaries != 1 || len(as) != n {
		e.t.Fatalf("after racing swaps: %s (email %s)", addressList(as), u.Email)
	}
}

// testAddressUpdateUser changes the primary addresses with UpdateUser:
// the old one is freed, the new one is held, and extra addresses stay.
func testAddressUpdateUser(e *env) {
	e.register(acct.NewUser{Email: "upd@example.com", Phone: "+447400100061", Username: "upd"})
	e.addAddress("upd", acct.AddressEmail, "upd@work.example", true)

	u, err := e.svc.UpdateUser(e.ctx, "upd", acct.UserUpdate{Email: ptr("upd@new.example")})
	if err != nil || u.Email != "upd@new.example" || u.EmailVerified {
		e.t.Fatalf("update email: %+v, %v", u, err)
	}
	e.wantAddresses("upd", acct.AddressEmail, "email:upd@new.example* email:upd@work.examplev")
	// The old address is free: another account takes it.
	e.register(acct.NewUser{Email: "upd@example.com", Username: "other"})
	// The new one is held.
	_, err = e.svc.AddAddress(e.ctx, acct.NewAddress{User: "other", Kind: acct.AddressEmail, Value: "upd@new.example"})
	e.wantCode(err, acct.CodeConflict, "email")
	// Its own extra address is not a new primary by update: it is one
	// already, to be made the primary.
	_, err = e.svc.UpdateUser(e.ctx, "upd", acct.UserUpdate{Email: ptr("upd@work.example")})
	e.wantCode(err, acct.CodeConflict, "email")
	// The primary email cannot be cleared while other emails remain.
	_, err = e.svc.UpdateUser(e.ctx, "upd", acct.UserUpdate{Email: ptr("")})
	e.wantCode(err, acct.CodeRefused, "email")
	e.wantAddresses("upd", acct.AddressEmail, "email:upd@new.example* email:upd@work.examplev")
	// The phone, which has no extra ones, may be cleared; then changed.
	if u, err = e.svc.UpdateUser(e.ctx, "upd", acct.UserUpdate{Phone: ptr("")}); err != nil || u.Phone != "" {
		e.t.Fatalf("clear phone: %+v, %v", u, err)
	}
	e.wantAddresses("upd", acct.AddressPhone, "")
	e.addAddress("other", acct.AddressPhone, "+447400100061", false) // free again
	if u, err = e.svc.UpdateUser(e.ctx, "upd", acct.UserUpdate{Phone: ptr("+447400100062")}); err != nil || u.Phone != "+447400100062" {
		e.t.Fatalf("set phone: %+v, %v", u, err)
	}
	e.wantAddresses("upd", acct.AddressPhone, "phone:+447400100062*")
	// An update that leaves the email as it is keeps its verification.
	if _, err := e.svc.SetPrimaryAddress(e.ctx, acct.AddressRef{User: "upd", Kind: acct.AddressEmail, Value: "upd@work.example"}); err != nil {
		e.t.Fatal(err)
	}
	if u, err = e.svc.UpdateUser(e.ctx, "upd", acct.UserUpdate{Email: ptr("UPD@work.example"), FirstName: ptr("Up")}); err != nil || !u.EmailVerified {
		e.t.Fatalf("same email: %+v, %v", u, err)
	}
	e.wantAddresses("upd", acct.AddressEmail, "email:upd@work.example*v email:upd@new.example")
}

// testAddressHoldAndPurge keeps the addresses of an account on hold and
// frees them when it is erased.
func testAddressHoldAndPurge(e *env) {
	h := e.register(acct.NewUser{Email: "held@example.com", Phone: "+447400100071", Username: "held"})
	e.addAddress("held", acct.AddressEmail, "held@work.example", false)
	e.addAddress("held", acct.AddressPhone, "+447400100072", false)
	e.register(acct.NewUser{Email: "taker@example.com", Username: "taker"})
	if _, err := e.svc.Unregister(e.ctx, "held", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		e.t.Fatal(err)
	}
	// On hold: still the account's, unchangeable, still found.
	_, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "taker", Kind: acct.AddressEmail, Value: "held@work.example"})
	e.wantCode(err, acct.CodeConflict, "email")
	_, err = e.svc.AddAddress(e.ctx, acct.NewAddress{User: "held", Kind: acct.AddressEmail, Value: "new@example.com"})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "held", Kind: acct.AddressEmail, Value: "held@work.example"})
	e.wantCode(err, acct.CodeRefused, "")
	if got, err := e.svc.User(e.ctx, "held@work.example"); err != nil || got.ID != h.ID {
		e.t.Fatalf("held account by extra address: %+v, %v", got, err)
	}
	// Purged: every address is free.
	e.clock.Advance(2 * time.Hour)
	if res, err := e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{}); err != nil || len(res.Purged) != 1 {
		e.t.Fatalf("purge: %+v, %v", res, err)
	}
	if as := e.addresses(fmt.Sprint(h.ID), ""); len(as) != 0 {
		e.t.Fatalf("a tombstone has addresses: %s", addressList(as))
	}
	for _, a := range []acct.NewAddress{
		{User: "taker", Kind: acct.AddressEmail, Value: "held@example.com"},
		{User: "taker", Kind: acct.AddressEmail, Value: "held@work.example"},
		{User: "taker", Kind: acct.AddressPhone, Value: "+447400100071"},
		{User: "taker", Kind: acct.AddressPhone, Value: "+447400100072"},
	} {
		if _, err := e.svc.AddAddress(e.ctx, a); err != nil {
			e.t.Fatalf("after the purge, add %s: %v", a.Value, err)
		}
	}
	// Erased at once, the same.
	e.register(acct.NewUser{Email: "gone@example.com", Username: "gone"})
	e.addAddress("gone", acct.AddressEmail, "gone@work.example", true)
	if _, err := e.svc.Unregister(e.ctx, "gone@work.example", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	e.register(acct.NewUser{Email: "gone@work.example"})
	e.register(acct.NewUser{Email: "gone@example.com"})
}

// testAddressLimit caps the addresses of a kind per account.
func testAddressLimit(e *env) {
	e.register(acct.NewUser{Email: "many@example.com", Username: "many"})
	for i := 1; i < acct.MaxAddresses; i++ {
		e.addAddress("many", acct.AddressEmail, fmt.Sprintf("many%d@example.com", i), false)
	}
	_, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "many", Kind: acct.AddressEmail, Value: "one.too.many@example.com"})
	e.wantCode(err, acct.CodeRefused, "email")
	// Phones count apart.
	e.addAddress("many", acct.AddressPhone, "+447400100081", false)
	// Room again after a removal.
	if _, err := e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "many", Kind: acct.AddressEmail, Value: "many1@example.com"}); err != nil {
		e.t.Fatal(err)
	}
	e.addAddress("many", acct.AddressEmail, "one.too.many@example.com", false)
}

// testAddressInvalid refuses bad input before touching the store.
func testAddressInvalid(e *env) {
	e.register(acct.NewUser{Email: "inv@example.com", Username: "inv"})
	for _, c := range []struct {
		in    acct.NewAddress
		field string
	}{
		{acct.NewAddress{User: "inv", Kind: acct.AddressEmail, Value: "not-an-email"}, "email"},
		{acct.NewAddress{User: "inv", Kind: acct.AddressEmail, Value: "   "}, "email"},
		{acct.NewAddress{User: "inv", Kind: acct.AddressPhone, Value: "0000"}, "phone"},
		{acct.NewAddress{User: "inv", Kind: acct.AddressPhone, Value: ""}, "phone"},
		{acct.NewAddress{User: "inv", Kind: "", Value: "x@example.com"}, "kind"},
		{acct.NewAddress{User: "inv", Kind: "fax", Value: "x@example.com"}, "kind"},
		{acct.NewAddress{User: "", Kind: acct.AddressEmail, Value: "x@example.com"}, "user"},
	} {
		_, err := e.svc.AddAddress(e.ctx, c.in)
		e.wantCode(err, acct.CodeInvalid, c.field)
	}
	_, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "nobody", Kind: acct.AddressEmail, Value: "x@example.com"})
	e.wantCode(err, acct.CodeNotFound, "user")
	_, err = e.svc.ListAddresses(e.ctx, "inv", "fax")
	e.wantCode(err, acct.CodeInvalid, "kind")
	_, err = e.svc.SetPrimaryAddress(e.ctx, acct.AddressRef{User: "inv", Kind: acct.AddressEmail, Value: "nope"})
	e.wantCode(err, acct.CodeInvalid, "email")
	e.wantAddresses("inv", "", "email:inv@example.com*")
}

// testAddressAudit records every change, and refusals, by kind of address
// and never by the address itself.
func testAddressAudit(e *env) {
	e.register(acct.NewUser{Email: "aud@example.com", Username: "aud"})
	e.register(acct.NewUser{Email: "other@example.com", Username: "other"})
	e.addAddress("aud", acct.AddressEmail, "aud@work.example", true)
	e.addAddress("aud", acct.AddressPhone, "+447400100091", false)
	if _, err := e.svc.SetPrimaryAddress(e.ctx, acct.AddressRef{User: "aud", Kind: acct.AddressEmail, Value: "aud@work.example"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "aud", Kind: acct.AddressEmail, Value: "aud@example.com"}); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "other", Kind: acct.AddressEmail, Value: "aud@work.example"})
	e.wantCode(err, acct.CodeConflict, "email")
	_, err = e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "aud", Kind: acct.AddressEmail, Value: "aud@work.example"})
	e.wantCode(err, acct.CodeRefused, "email")

	_, count := e.events("aud")
	for key, want := range map[string]int{
		acct.ActionAddressAdd + "/ok/tester":         2,
		acct.ActionAddressPrimary + "/ok/tester":     1,
		acct.ActionAddressRemove + "/ok/tester":      1,
		acct.ActionAddressRemove + "/failure/tester": 1,
	} {
		if count[key] != want {
			e.t.Errorf("%d events %s, want %d (all: %v)", count[key], key, want, count)
		}
	}
	if _, other := e.events("other"); other[acct.ActionAddressAdd+"/failure/tester"] != 1 {
		e.t.Errorf("no failed add in the audit trail of the other account: %v", other)
	}
	evs, _ := e.events("")
	for _, ev := range evs {
		for _, v := range []string{"aud@work.example", "aud@example.com", "7400100091", "work.example"} {
			if strings.Contains(ev.Detail, v) {
				e.t.Errorf("audit event %s %q names an address", ev.Action, ev.Detail)
			}
		}
	}
}
