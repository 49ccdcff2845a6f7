package accttest

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// batchCases are the many-at-once reads (acct/batch.go): LookupUsers and
// ValidateSessions answer each item as the single call would, in order.
var batchCases = []suiteCase{
	{"LookupUsers", testLookupUsers, nil},
	{"LookupUsersLimits", testLookupUsersLimits, nil},
	{"ValidateSessions", testValidateSessions, sessionOptions},
}

// testLookupUsers: every kind of REF, in order, with the addresses that
// ListAddresses gives; a REF that names nobody and one that is not a REF
// get the single call's error in their place, the others their account.
func testLookupUsers(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice", Phone: "+447400100002"})
	bob := e.register(acct.NewUser{Email: "bob@example.com", Username: "bob"})
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "alice", Kind: acct.AddressEmail, Value: "al@work.example"}); err != nil {
		e.t.Fatal(err)
	}
	refs := []string{"bob", "nobody", "Alice@Example.COM", fmt.Sprint(bob.ID), "al@work.example", "07400 100002", "", "alice"}
	got, err := e.svc.LookupUsers(e.ctx, refs)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) != len(refs) {
		e.t.Fatalf("%d answers to %d refs", len(got), len(refs))
	}
	want := []int64{bob.ID, 0, alice.ID, bob.ID, alice.ID, alice.ID, 0, alice.ID}
	for i, ref := range refs {
		g := got[i]
		if want[i] == 0 {
			_, single := e.svc.User(e.ctx, ref)
			if g.Error == nil || g.User != nil || g.Error.Code != acct.ErrorCode(single) || g.Error.Message != single.Error() {
				e.t.Fatalf("ref %q: %+v, want the error of User: %v", ref, g, single)
			}
			continue
		}
		if g.Error != nil || g.User == nil || g.User.ID != want[i] {
			e.t.Fatalf("ref %q: %+v (error %+v), want user %d", ref, g.User, g.Error, want[i])
		}
		if u := e.user(ref); *u != *g.User {
			e.t.Fatalf("ref %q: %+v, User says %+v", ref, g.User, u)
		}
		addrs, err := e.svc.ListAddresses(e.ctx, ref, "")
		if err != nil {
			e.t.Fatal(err)
		}
		if !reflect.DeepEqual(addrs, g.Addresses) {
			e.t.Fatalf("ref %q: addresses %+v, ListAddresses says %+v", ref, g.Addresses, addrs)
		}
	}
	if got[1].Error.Code != acct.CodeNotFound || got[6].Error.Code != acct.CodeInvalid {
		e.t.Fatalf("codes %q and %q, want not_found and invalid", got[1].Error.Code, got[6].Error.Code)
	}
	// No REFs, no answers.
	if got, err := e.svc.LookupUsers(e.ctx, nil); err != nil || len(got) != 0 {
		e.t.Fatalf("no refs: %+v, %v", got, err)
	}
}

// testLookupUsersLimits: at most acct.MaxBatch REFs in one call; the
// roles that may look one user up may look many up, the others not.
func testLookupUsersLimits(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	refs := make([]string, acct.MaxBatch+1)
	for i := range refs {
		refs[i] = "alice"
	}
	_, err := e.svc.LookupUsers(e.ctx, refs)
	e.wantCode(err, acct.CodeInvalid, "refs")
	if got, err := e.svc.LookupUsers(e.ctx, refs[:acct.MaxBatch]); err != nil || len(got) != acct.MaxBatch || got[acct.MaxBatch-1].User == nil {
		e.t.Fatalf("%d refs: %d answers, %v", acct.MaxBatch, len(got), err)
	}
	for _, role := range []acct.Role{acct.RoleSupport, acct.RoleAuditor} {
		if _, err := e.svc.LookupUsers(e.as("key", role), []string{"alice"}); err != nil {
			e.t.Fatalf("%s looks users up: %v", role, err)
		}
	}
	_, err = e.svc.LookupUsers(e.as("nobody", acct.Role("")), []string{"alice"})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.ValidateSessions(e.as("desk", acct.RoleSupport), []string{"x"})
	e.wantCode(err, acct.CodeRefused, "") // as ValidateSession
}

// testValidateSessions: live, ended, expired and malformed tokens in one
// call, each answered as ValidateSession answers it alone.
func testValidateSessions(e *env) {
	e.register(acct.NewUser{Email: "val@example.com"})
	e.register(acct.NewUser{Email: "other@example.com"})
	old := e.loginPW("other@example.com")
	e.to(testIdle / 2)
	a := e.loginPW("val@example.com")
	b := e.loginPW("other@example.com")
	ended := e.loginPW("val@example.com")
	e.end(acct.EndSessions{IDs: []string{ended.ID}})
	e.to(testIdle + time.Minute) // old is past its idle time, a and b are not
	tokens := []string{a.Token, "garbage", ended.Token, b.Token, old.Token, TokenPrefix + strings.Repeat("A", 43), a.Token}
	got, err := e.svc.ValidateSessions(e.ctx, tokens)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) != len(tokens) {
		e.t.Fatalf("%d answers to %d tokens", len(got), len(tokens))
	}
	for i, tok := range tokens {
		single, serr := e.svc.ValidateSession(e.ctx, tok)
		g := got[i]
		if serr != nil {
			if g.Error == nil || g.Session != nil || g.Error.Code != acct.ErrorCode(serr) || g.Error.Message != serr.Error() ||
				g.Error.Reason != acct.ErrorReason(serr) {
				e.t.Fatalf("token %d: %+v, want the error of ValidateSession: %v", i, g, serr)
			}
			if strings.Contains(g.Error.Message, tok) {
				e.t.Fatalf("token %d: the error repeats the token", i)
			}
			continue
		}
		if g.Error != nil || g.Session == nil || g.Session.ID != single.Session.ID || g.User.ID != single.User.ID ||
			g.Session.Token != "" || g.Session.Status != acct.SessionActive {
			e.t.Fatalf("token %d: %+v %+v (error %+v), want session %s", i, g.Session, g.User, g.Error, single.Session.ID)
		}
	}
	for i, ok := range []bool{true, false, false, true, false, false, true} {
		if (got[i].Error == nil) != ok {
			e.t.Fatalf("token %d valid = %v, want %v", i, got[i].Error == nil, ok)
		}
	}
	// Past the idle time the same tokens have expired.
	e.to(testIdle/2 + testIdle + time.Minute)
	got, err = e.svc.ValidateSessions(e.ctx, []string{a.Token, b.Token})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, g := range got {
		if g.Error == nil || !strings.Contains(g.Error.Message, "expired") {
			e.t.Fatalf("token %d after its idle time: %+v", i, g)
		}
	}
	tokens = make([]string, acct.MaxBatch+1)
	_, err = e.svc.ValidateSessions(e.ctx, tokens)
	e.wantCode(err, acct.CodeInvalid, "tokens")
}
