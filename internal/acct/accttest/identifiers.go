package accttest

import (
	"strings"
	"sync"

	"github.com/acctl/acctl/internal/acct"
)

// identifierCases check the rules on identifiers that look alike
// (acct/identifiers.go): normal forms, invisible characters refused, and
// look-alike skeletons a conflict naming the field.
var identifierCases = []suiteCase{
	{"LookAlikeEmails", testLookAlikeEmails, nil},
	{"LookAlikeUsernames", testLookAlikeUsernames, nil},
	{"LookAlikeRace", testLookAlikeRace, nil},
	{"InvisibleInNames", testInvisibleInNames, nil},
	{"FreeTextBounded", testFreeTextBounded, nil},
	{"ImportLookAlikes", testImportLookAlikes, nil},
}

// The look-alikes of issue 13, each accepted before as a new account
// beside known@example.com.
var lookAlikes = []struct {
	what, email string
	code        acct.Code
}{
	{"a Cyrillic о", "kn\u043ewn@example.com", acct.CodeConflict},
	{"fullwidth letters", "ｋｎｏｗｎ@example.com", acct.CodeConflict},
	{"a Cyrillic а in the domain", "known@ex\u0430mple.com", acct.CodeConflict},
	{"a Greek omicron", "kn\u03bfwn@example.com", acct.CodeConflict},
	// Invisible: refused as invalid before any comparison.
	{"a zero-width space", "kno\u200bwn@example.com", acct.CodeInvalid},
}

func testLookAlikeEmails(e *env) {
	known := e.register(acct.NewUser{Email: "known@example.com"})
	other := e.register(acct.NewUser{Email: "other@example.com"})
	for _, l := range lookAlikes {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: l.email, Password: GoodPassword})
		if acct.ErrorCode(err) != l.code || acct.ErrorField(err) != "email" {
			e.t.Errorf("register with %s (%q): %v, want %s naming email", l.what, l.email, err, l.code)
		}
		_, err = e.svc.UpdateUser(e.ctx, "other@example.com", acct.UserUpdate{Email: &l.email})
		if acct.ErrorCode(err) != l.code || acct.ErrorField(err) != "email" {
			e.t.Errorf("update to %s: %v, want %s naming email", l.what, err, l.code)
		}
		_, err = e.svc.AddAddress(e.ctx, acct.NewAddress{User: "other@example.com", Kind: acct.AddressEmail, Value: l.email})
		if acct.ErrorCode(err) != l.code || acct.ErrorField(err) != "email" {
			e.t.Errorf("add address %s: %v, want %s naming email", l.what, err, l.code)
		}
	}
	if n := e.count(); n != 2 {
		e.t.Fatalf("%d accounts, want 2", n)
	}
	// The fullwidth form names the account, as typed.
	if u, err := e.svc.User(e.ctx, "ｋｎｏｗｎ@example.com"); err != nil || u.ID != known.ID {
		e.t.Fatalf("look up by the fullwidth form: %+v, %v", u, err)
	}
	// The account may still change its own address to a look-alike of
	// nothing else, and its old one is free again, look-alikes too.
	moved := "moved@example.com"
	if _, err := e.svc.UpdateUser(e.ctx, "known@example.com", acct.UserUpdate{Email: &moved}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.UpdateUser(e.ctx, "other@example.com", acct.UserUpdate{Email: &lookAlikes[0].email}); err != nil {
		e.t.Fatalf("a look-alike of a freed address: %v", err)
	}
	if u, _ := e.svc.User(e.ctx, lookAlikes[0].email); u == nil || u.ID != other.ID {
		e.t.Fatalf("the freed look-alike: %+v", u)
	}
	// An erased account frees its look-alikes.
	e.register(acct.NewUser{Email: "gone@example.com", Username: "gone"})
	if _, err := e.svc.Unregister(e.ctx, "gone", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	e.register(acct.NewUser{Email: "g\u043ene@example.com", Username: "g0ne"})
}

func testLookAlikeUsernames(e *env) {
	e.register(acct.NewUser{Email: "modern@example.com", Username: "modern"})
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	for _, name := range []string{
		"rnodern", // r n for m
		"ｍｏｄｅｒｎ",  // fullwidth: the very name
		"MODERN",
	} {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "x@example.com", Username: name, Password: GoodPassword})
		e.wantCode(err, acct.CodeConflict, "username")
		n := name
		_, err = e.svc.UpdateUser(e.ctx, "alice", acct.UserUpdate{Username: &n})
		e.wantCode(err, acct.CodeConflict, "username")
	}
	for _, name := range []string{"mo\u200bdern", "mod\u202eern"} {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "x@example.com", Username: name, Password: GoodPassword})
		e.wantCode(err, acct.CodeInvalid, "username")
	}
	_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "x@example.com", Username: "a1ice", Password: GoodPassword})
	e.wantCode(err, acct.CodeConflict, "username")
	if err != nil && !strings.Contains(err.Error(), "look") {
		e.t.Errorf("conflict %v: want a message that says the name looks like one in use", err)
	}
	// Keeping one's own username, or changing its case, is no conflict.
	same := "Alice"
	if u, err := e.svc.UpdateUser(e.ctx, "alice", acct.UserUpdate{Username: &same}); err != nil || u.Username != "alice" {
		e.t.Fatalf("update to the same username: %+v, %v", u, err)
	}
	if n := e.count(); n != 2 {
		e.t.Fatalf("%d accounts, want 2", n)
	}
}

// testLookAlikeRace: accounts racing for look-alike addresses get one
// success; the store's unique key decides, not a check before the insert.
func testLookAlikeRace(e *env) {
	emails := []string{"race@example.com", "r\u0430ce@example.com", "ｒａｃｅ@example.com", "rac\u0435@example.com"}
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = e.svc.Register(e.ctx, acct.NewUser{Email: emails[i%len(emails)], Password: GoodPassword,
				Username: []string{"racer", "rac3r", "racer", "ráçer"}[i%4]})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch acct.ErrorCode(err) {
		case "":
			ok++
		case acct.CodeConflict, acct.CodeInvalid: // ráçer is not a username
		default:
			e.t.Errorf("racing register: %v", err)
		}
	}
	if ok != 1 {
		e.t.Fatalf("%d of %d racing look-alike registrations succeeded, want 1", ok, n)
	}
}

func testInvisibleInNames(e *env) {
	for _, c := range []string{"\u202e", "\u2067", "\u200b", "\u200f", "\ufeff"} {
		_, err := e.svc.Register(e.ctx, acct.NewUser{Email: "n@example.com", FirstName: "Ev" + c + "il", Password: GoodPassword})
		e.wantCode(err, acct.CodeInvalid, "first_name")
		_, err = e.svc.Register(e.ctx, acct.NewUser{Email: "n@example.com", LastName: c + "moc.elpmaxe", Password: GoodPassword})
		e.wantCode(err, acct.CodeInvalid, "last_name")
	}
	e.register(acct.NewUser{Email: "n@example.com", FirstName: "می\u200cخواهم"}) // a joiner stays
	rlo := "Ev\u202eil"
	_, err := e.svc.UpdateUser(e.ctx, "n@example.com", acct.UserUpdate{LastName: &rlo})
	e.wantCode(err, acct.CodeInvalid, "last_name")
	_, err = e.svc.LockUser(e.ctx, "n@example.com", acct.LockOptions{Reason: "fraud\u202e"})
	e.wantCode(err, acct.CodeInvalid, "reason")
}

func testFreeTextBounded(e *env) {
	e.register(acct.NewUser{Email: "long@example.com"})
	long := strings.Repeat("%_a", 50_000/3)
	_, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Search: long})
	e.wantCode(err, acct.CodeInvalid, "search")
	if err != nil && !strings.Contains(err.Error(), "254") {
		e.t.Errorf("%v: want the limit named", err)
	}
	_, err = e.svc.ListEvents(e.ctx, acct.EventQuery{Action: long})
	e.wantCode(err, acct.CodeInvalid, "action")
	_, err = e.svc.User(e.ctx, long)
	e.wantCode(err, acct.CodeInvalid, "user")
	// At the limit, a search runs.
	if p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Search: strings.Repeat("a", acct.MaxSearchLength)}); err != nil || len(p.Users) != 0 {
		e.t.Fatalf("a search at the limit: %+v, %v", p, err)
	}
}

// testImportLookAlikes: an imported row whose address or username looks
// like a stored account's or an earlier row's is rejected on its own,
// naming the field; the other rows are imported. An update keeps its own.
func testImportLookAlikes(e *env) {
	e.register(acct.NewUser{Email: "known@example.com", Username: "modern"})
	res := e.importBatch("", false,
		acct.ImportRow{Line: 1, Email: new("kn\u043ewn@example.com")},
		acct.ImportRow{Line: 2, Email: new("c@example.com"), Username: new("rnodern")},
		acct.ImportRow{Line: 3, Email: new("carol@example.com"), Username: new("carol")},
		acct.ImportRow{Line: 4, Email: new("c\u0430rol@example.com")},
		acct.ImportRow{Line: 5, Email: new("x@example.com"), Username: new("car0l")},
		acct.ImportRow{Line: 6, Email: new("ｋｎｏｗｎ@example.com")},
	)
	wantCounts(e.t, res, 6, 1, 0, 0, 5)
	for i, field := range []string{"email", "username", "email", "username", "email"} {
		if r := res.Rejected[i]; r.Code != acct.CodeConflict || r.Field != field {
			e.t.Errorf("rejection %+v: want a conflict naming %s", r, field)
		}
	}
	// An update of the stored account to its own look-alike is no clash;
	// to another's is.
	res = e.importBatch(acct.ConflictUpdate, false,
		acct.ImportRow{Line: 1, Email: new("known@example.com"), Username: new("rnodern")},
		acct.ImportRow{Line: 2, Email: new("carol@example.com"), Username: new("rnodem")},
	)
	wantCounts(e.t, res, 2, 0, 1, 0, 1)
	if r := res.Rejected[0]; r.Line != 2 || r.Field != "username" {
		e.t.Errorf("rejection %+v: want line 2 naming username", r)
	}
	if n := e.count(); n != 2 {
		e.t.Fatalf("%d accounts, want 2", n)
	}
}
