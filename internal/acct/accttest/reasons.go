package accttest

import (
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// The typed outcomes (acct.Reason, issue 15): a session says why it is
// not valid to whoever holds its token or id; a login says what stops it
// only after the password was proven right, and then names the account.
var reasonCases = []suiteCase{
	{"SessionReasons", testSessionReasons, sessionOptions},
	{"LoginReasonsLocked", testLoginReasonsLocked, sessionOptions},
	{"LoginReasonsUnverified", testLoginReasonsUnverified, holdOptions(true)},
	{"LoginReasonsHeld", testLoginReasonsHeld, holdOptions(true)},
}

// wantReason checks err's code, reason and user id (0: none).
func (e *env) wantReason(err error, code acct.Code, reason acct.Reason, userID int64) {
	e.t.Helper()
	e.wantCode(err, code, "")
	if got := acct.ErrorReason(err); got != reason {
		e.t.Fatalf("error %v: reason %q, want %q", err, got, reason)
	}
	if got := acct.ErrorUserID(err); got != userID {
		e.t.Fatalf("error %v: user id %d, want %d", err, got, userID)
	}
}

// wantNoReason checks that a failure before the password was proven
// tells nothing more than its code: no reason, no account.
func (e *env) wantNoReason(err error, what string) {
	e.t.Helper()
	if err == nil {
		e.t.Fatalf("%s: no error", what)
	}
	if r, id := acct.ErrorReason(err), acct.ErrorUserID(err); r != "" || id != 0 {
		e.t.Fatalf("%s: %v tells reason %q, user %d before the password was proven", what, err, r, id)
	}
}

// testSessionReasons: every way of naming a session that is not valid
// (ValidateSession, FreshenSession by token and by id, EndSessions by
// token) says why: invalid, ended or expired.
func testSessionReasons(e *env) {
	e.register(acct.NewUser{Email: "why@example.com"})
	ended := e.loginPW("why@example.com")
	expired := e.loginPW("why@example.com")
	e.end(acct.EndSessions{IDs: []string{ended.ID}})
	unknown := TokenPrefix + strings.Repeat("x", 43)

	_, err := e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: ended.Token})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonEnded, 0)
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: ended.ID})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonEnded, 0)
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: unknown})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: "not a token"})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	_, err = e.svc.EndSessions(e.ctx, acct.EndSessions{Token: unknown})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonInvalid, 0)
	// An unknown public id is an operator's typo: not found, no reason.
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: "ses_nosuchsession"})
	e.wantReason(err, acct.CodeNotFound, "", 0)

	e.to(testIdle) // idle past its deadline
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{Token: expired.Token})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonExpired, 0)
	_, err = e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: expired.ID})
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonExpired, 0)
	e.refused(expired.Token, "expired")
	e.refused(ended.Token, "ended") // ended stays ended after its deadline

	// The absolute deadline, however fresh: expired too.
	s := e.loginPW("why@example.com")
	for d := testIdle + 20*time.Minute; d < testIdle+testAbsolute; d += 20 * time.Minute {
		e.to(d)
		if _, err := e.svc.FreshenSession(e.ctx, acct.SessionRef{ID: s.ID}); err != nil {
			e.t.Fatalf("freshen at %s: %v", d, err)
		}
	}
	e.to(testIdle + testAbsolute)
	e.refused(s.Token, "expired")

	// A purged session is no session: invalid.
	if _, err := e.svc.PurgeSessions(e.ctx, acct.SessionPurgeOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.refused(ended.Token, "invalid")
	e.refused(unknown, "invalid")
}

// testLoginReasonsLocked: a locked account (by failed logins or by an
// operator) answers a wrong password as before, without a reason; a
// right one with the reason locked and the account's id. Both are
// refused and charged alike, and no session opens.
func testLoginReasonsLocked(e *env) {
	u := e.register(acct.NewUser{Email: "lr@example.com", Username: "lockr"})
	for i := 0; i < testThreshold; i++ {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "lockr", Password: WrongPassword})
		e.wantNoReason(err, "wrong password")
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "lockr", Password: WrongPassword})
	e.wantNoReason(err, "wrong password while locked")
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "lockr", Password: GoodPassword})
	e.wantReason(err, acct.CodeRefused, acct.ReasonLocked, u.ID)
	err = e.svc.VerifyPassword(e.ctx, "lockr", GoodPassword)
	e.wantReason(err, acct.CodeRefused, acct.ReasonLocked, u.ID)
	err = e.svc.VerifyPassword(e.ctx, "lockr", WrongPassword)
	e.wantNoReason(err, "verify a wrong password while locked")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "nobody@example.com", Password: GoodPassword})
	e.wantNoReason(err, "unknown name")
	if n := len(e.sessions(acct.SessionQuery{Status: acct.SessionAll})); n != 0 {
		e.t.Fatalf("%d sessions opened by a locked account", n)
	}

	// An operator's lock, and a foreign identity (vouched for: proven).
	f, err := e.svc.Register(e.ctx, acct.NewUser{Foreign: "github:777"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.to(testLockout)
	e.register(acct.NewUser{Email: "ol@example.com", Username: "oplock"})
	for _, ref := range []string{"oplock", "github:777"} {
		if _, err := e.svc.LockUser(e.ctx, ref, acct.LockOptions{Reason: "fraud"}); err != nil {
			e.t.Fatal(err)
		}
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "oplock", Password: WrongPassword})
	e.wantNoReason(err, "wrong password on an operator's lock")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "oplock", Password: GoodPassword})
	e.wantReason(err, acct.CodeRefused, acct.ReasonLocked, e.user("oplock").ID)
	_, err = e.svc.Login(e.ctx, acct.Login{Foreign: "github:777"})
	e.wantReason(err, acct.CodeRefused, acct.ReasonLocked, f.ID)
	// Unlocked, the same password logs in.
	if _, err := e.svc.UnlockUser(e.ctx, "oplock"); err != nil {
		e.t.Fatal(err)
	}
	e.valid(e.loginPW("oplock"))
}

// testLoginReasonsUnverified: with RequireVerified, a pending account's
// right password is refused with the reason unverified, its id, and a
// message that says how to activate it; a wrong one tells nothing.
func testLoginReasonsUnverified(e *env) {
	u, key := e.registerPending(acct.NewUser{Email: "wait@example.com", Username: "waiter"})
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "waiter", Password: WrongPassword})
	e.wantNoReason(err, "wrong password of a pending account")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "waiter", Password: GoodPassword})
	e.wantReason(err, acct.CodeRefused, acct.ReasonUnverified, u.ID)
	if !strings.Contains(err.Error(), "activat") {
		e.t.Fatalf("unverified: %q does not say how to activate", err)
	}
	if strings.Contains(err.Error(), GoodPassword) {
		e.t.Fatalf("unverified: %q repeats the password", err)
	}
	e.activate(key, u.ID)
	e.valid(e.loginPW("waiter"))
}

// testLoginReasonsHeld: a deletion hold that a login does not lift (held
// from pending while verification is required, or from an operator's
// lock) answers a right password with the reason held; a lockout for a
// while on hold, locked; a hold that ran out answers it as an unknown
// name, without a reason.
func testLoginReasonsHeld(e *env) {
	p, _ := e.registerPending(acct.NewUser{Email: "hp@example.com", Username: "heldp"})
	e.hold("heldp")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "heldp", Password: WrongPassword})
	e.wantNoReason(err, "wrong password of a held account")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "heldp", Password: GoodPassword})
	e.wantReason(err, acct.CodeRefused, acct.ReasonHeld, p.ID)

	l := e.register(acct.NewUser{Email: "hl@example.com", Username: "heldl"})
	if _, err := e.svc.LockUser(e.ctx, "heldl", acct.LockOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("heldl")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "heldl", Password: GoodPassword})
	e.wantReason(err, acct.CodeRefused, acct.ReasonHeld, l.ID)

	// A lockout for a while, on hold: locked (it says until when; then a
	// login works and lifts the hold).
	tl := e.register(acct.NewUser{Email: "ht@example.com", Username: "heldt"})
	until := e.clock.Now().Add(time.Hour)
	if _, err := e.svc.LockUser(e.ctx, "heldt", acct.LockOptions{Until: &until}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("heldt")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "heldt", Password: GoodPassword})
	e.wantReason(err, acct.CodeRefused, acct.ReasonLocked, tl.ID)

	e.register(acct.NewUser{Email: "ho@example.com", Username: "heldo"})
	if _, err := e.svc.Unregister(e.ctx, "heldo", acct.UnregisterOptions{Hold: time.Second}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "heldo", Password: GoodPassword})
	e.wantReason(err, acct.CodeNotFound, "", 0)
}
