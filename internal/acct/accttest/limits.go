package accttest

import (
	"fmt"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The login limit of the limit cases: 4 failed password checks, then one
// every 15 minutes. The lockout threshold is far above it, so that only
// the limit refuses.
var testLoginLimit = acct.Rate{Events: 4, Per: time.Hour}

func limitOptions(o *acct.Options) {
	o.LoginLimit = testLoginLimit
	o.LockoutThreshold = 1000
	o.RequireVerified = true
	o.PublicURL = activationURL
}

var limitCases = []suiteCase{
	{"LoginLimitSpellings", testLoginLimitSpellings, limitOptions},
	{"LoginLimitUnknownNames", testLoginLimitUnknownNames, limitOptions},
	{"LoginLimitTellsNothing", testLoginLimitTellsNothing, limitOptions},
	{"LoginLimitRefusals", testLoginLimitRefusals, limitOptions},
	{"LoginLimitVerifyChange", testLoginLimitVerifyChange, limitOptions},
	{"LoginUnknownAudited", testLoginUnknownAudited, limitOptions},
}

// testLoginUnknownAudited: a failed login of a name that is no account's
// is in the audit trail, as every other failed login, without the name.
func testLoginUnknownAudited(e *env) {
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "ghost@example.com", Password: WrongPassword})
	e.wantCode(err, acct.CodeNotFound, "")
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{Action: acct.ActionSessionLogin})
	if err != nil || len(evs) != 1 {
		e.t.Fatalf("login events %+v, %v; want 1", evs, err)
	}
	ev := evs[0]
	if ev.Outcome != acct.OutcomeFailure || ev.UserID != nil || strings.Contains(ev.Detail, "ghost") {
		e.t.Fatalf("event %+v, want a failure of no account that does not name it", ev)
	}
}

// wantLimited checks that err is a refusal by the login limit: refused,
// with a time to wait, and a message that names no account.
func (e *env) wantLimited(err error, what string) time.Duration {
	e.t.Helper()
	wait := acct.RetryAfter(err)
	if !acct.IsCode(err, acct.CodeRefused) || wait <= 0 {
		e.t.Fatalf("%s: %v (code %q, retry after %s), want a refusal by the login limit", what, err, acct.ErrorCode(err), wait)
	}
	return wait
}

// failLogin makes one login of ref with a wrong password and checks that
// it was not refused by the limit.
func (e *env) failLogin(ref string) {
	e.t.Helper()
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: ref, Password: WrongPassword})
	if acct.RetryAfter(err) > 0 || err == nil {
		e.t.Fatalf("wrong password for %q: %v, want a failure before the limit", ref, err)
	}
}

// testLoginLimitSpellings: every spelling of one account (id, username,
// email in any case, phone with any spacing) draws on one bucket; a right
// password is refused too while it is empty; a bucket refills one
// attempt every Per/Events.
func testLoginLimitSpellings(e *env) {
	u := e.register(acct.NewUser{Username: "vic", Email: "vic@example.com", Phone: "+44 7400 123451"})
	for _, ref := range []string{"vic", "VIC@Example.com", "+44 7400 123451", "07400 123451"} {
		e.failLogin(ref)
	}
	for _, ref := range []string{"vic", "vic@example.com", "+447400123451", "+44 (0) 7400-123-451", fmt.Sprint(u.ID), "Vic"} {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: ref, Password: WrongPassword})
		e.wantLimited(err, "wrong password for "+ref)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "vic", Password: GoodPassword})
	wait := e.wantLimited(err, "right password while the bucket is empty")
	if want := testLoginLimit.Per / time.Duration(testLoginLimit.Events); wait != want {
		e.t.Fatalf("retry after %s, want %s", wait, want)
	}
	if got := e.user("vic"); got.FailedLogins != 4 {
		e.t.Fatalf("%d failed logins counted, want 4 (refusals by the limit are not checks)", got.FailedLogins)
	}
	// One attempt back after Per/Events: a right password logs in.
	e.to(wait - time.Millisecond)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "+44 7400 123451", Password: GoodPassword})
	e.wantLimited(err, "a millisecond early")
	e.to(wait)
	e.loginPW("vic@example.com")
	// A success refunds nothing: the next failure empties the bucket.
	e.failLogin("vic")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: fmt.Sprint(u.ID), Password: WrongPassword})
	e.wantLimited(err, "after the refill")
	// Another account has a bucket of its own.
	e.register(acct.NewUser{Username: "other", Email: "other@example.com"})
	e.failLogin("other")
	e.loginPW("other")
}

// testLoginLimitUnknownNames: a name that is no account's has a bucket of
// its normalised form: an email in any case, a phone in any spacing; a
// different unknown name has its own.
func testLoginLimitUnknownNames(e *env) {
	for _, ref := range []string{"ghost@example.com", "GHOST@example.com", "Ghost@Example.COM", " ghost@example.com "} {
		e.failLogin(ref)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "gHoSt@example.com", Password: WrongPassword})
	e.wantLimited(err, "unknown email")
	for _, ref := range []string{"+44 7400 999999", "07400 999999", "+447400999999", "07400-999-999"} {
		e.failLogin(ref)
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "+44 (0)7400 999 999", Password: WrongPassword})
	e.wantLimited(err, "unknown phone")
	for range 4 {
		e.failLogin("Phantom")
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "phantom", Password: WrongPassword})
	e.wantLimited(err, "unknown username")
	e.failLogin("ghost2@example.com")
	// An unknown id has the bucket the account of that id would have.
	for range 4 {
		e.failLogin("987654")
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "987654", Password: WrongPassword})
	e.wantLimited(err, "unknown id")
}

// testLoginLimitTellsNothing: after the same history, a known and an
// unknown name are refused by the limit with the same error: the same
// code, message and time to wait.
func testLoginLimitTellsNothing(e *env) {
	e.register(acct.NewUser{Email: "known@example.com"})
	for range 4 {
		e.failLogin("known@example.com")
		e.failLogin("unknown@example.com")
	}
	_, known := e.svc.Login(e.ctx, acct.Login{Ref: "known@example.com", Password: WrongPassword})
	_, unknown := e.svc.Login(e.ctx, acct.Login{Ref: "unknown@example.com", Password: WrongPassword})
	e.wantLimited(known, "known")
	e.wantLimited(unknown, "unknown")
	if known.Error() != unknown.Error() || acct.RetryAfter(known) != acct.RetryAfter(unknown) {
		e.t.Fatalf("the limit tells the names apart: %q (%s) and %q (%s)",
			known, acct.RetryAfter(known), unknown, acct.RetryAfter(unknown))
	}
}

// testLoginLimitRefusals: a login refused whatever the password (locked,
// pending, no password) draws on the bucket like a wrong password.
func testLoginLimitRefusals(e *env) {
	e.register(acct.NewUser{Email: "locked@example.com"})
	if _, err := e.svc.LockUser(e.ctx, "locked@example.com", acct.LockOptions{Reason: "test"}); err != nil {
		e.t.Fatal(err)
	}
	e.register(acct.NewUser{Email: "pending@example.com", Pending: true})
	e.register(acct.NewUser{Email: "nopw@example.com", NoPassword: true})
	for _, ref := range []string{"locked@example.com", "pending@example.com", "nopw@example.com"} {
		for range 4 {
			_, err := e.svc.Login(e.ctx, acct.Login{Ref: ref, Password: GoodPassword})
			if err == nil || acct.RetryAfter(err) > 0 {
				e.t.Fatalf("%s: %v, want a refusal before the limit", ref, err)
			}
		}
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: ref, Password: GoodPassword})
		e.wantLimited(err, ref)
	}
}

// testLoginLimitVerifyChange: verifying and changing a password draw on
// the bucket of logins.
func testLoginLimitVerifyChange(e *env) {
	e.register(acct.NewUser{Username: "pat", Email: "pat@example.com"})
	e.failLogin("pat")
	e.failLogin("pat@example.com")
	if err := e.svc.VerifyPassword(e.ctx, "PAT", WrongPassword); !acct.IsCode(err, acct.CodeUnauthenticated) {
		e.t.Fatalf("verify: %v", err)
	}
	_, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "pat", Current: WrongPassword, New: OtherPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	err = e.svc.VerifyPassword(e.ctx, "pat", GoodPassword)
	e.wantLimited(err, "verify")
	_, err = e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "pat", Current: GoodPassword, New: OtherPassword})
	e.wantLimited(err, "change")
}
