package accttest

import (
	"reflect"

	"github.com/acctl/acctl/internal/acct"
)

// hashCases check the count of accounts per password hash scheme.
var hashCases = []suiteCase{
	{"PasswordHashes", testPasswordHashes, nil},
	{"PasswordHashesOtherCost", testPasswordHashesOtherCost, func(o *acct.Options) {
		o.Argon2 = acct.Argon2Params{Memory: 128, Time: 1, Threads: 1}
	}},
}

func (e *env) hashCounts() []acct.HashCount {
	e.t.Helper()
	got, err := e.svc.PasswordHashes(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func testPasswordHashes(e *env) {
	if got := e.hashCounts(); got == nil || len(got) != 0 {
		e.t.Fatalf("empty store: %#v, want an empty list", got)
	}
	for _, name := range []string{"hash1", "hash2", "hash3"} {
		e.register(acct.NewUser{Username: name, Email: name + "@example.com"})
	}
	e.register(acct.NewUser{Username: "nopw", Email: "nopw@example.com", NoPassword: true})
	e.register(acct.NewUser{Username: "nopw2", Email: "nopw2@example.com", NoPassword: true})
	e.register(acct.NewUser{Username: "gone", Email: "gone@example.com"})
	if _, err := e.svc.Unregister(e.ctx, "gone", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	want := []acct.HashCount{
		{Scheme: acct.SchemeArgon2id, Params: "m=64,t=1,p=1", Current: true, Accounts: 3},
		{Scheme: acct.HashNone, Accounts: 2},
	}
	if got := e.hashCounts(); !reflect.DeepEqual(got, want) {
		e.t.Fatalf("PasswordHashes = %+v, want %+v", got, want)
	}
}

// Hashes made with other parameters than the service's are counted apart,
// and are not current.
func testPasswordHashesOtherCost(e *env) {
	e.register(acct.NewUser{Username: "cost", Email: "cost@example.com"})
	want := []acct.HashCount{{Scheme: acct.SchemeArgon2id, Params: "m=128,t=1,p=1", Current: true, Accounts: 1}}
	if got := e.hashCounts(); !reflect.DeepEqual(got, want) {
		e.t.Fatalf("PasswordHashes = %+v, want %+v", got, want)
	}
}
