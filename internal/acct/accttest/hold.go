package accttest

import (
	"fmt"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// holdOptions are the session cases' lockout and the activation cases'
// links (accounts are active at once unless registered pending), with or
// without RequireVerified.
func holdOptions(requireVerified bool) func(*acct.Options) {
	return func(o *acct.Options) {
		sessionOptions(o)
		o.PublicURL, o.ActivationTTL = activationURL, testActivationTTL
		o.RequireVerified = requireVerified
	}
}

var holdCases = []suiteCase{
	{"RestoreKeepsStatus", testRestoreKeepsStatus, holdOptions(true)},
	{"HeldLoginKeepsStatus", testHeldLoginKeepsStatus, holdOptions(false)},
	{"HeldLoginRequireVerified", testHeldLoginRequireVerified, holdOptions(true)},
	{"HoldRanOut", testHoldRanOut, holdOptions(false)},
	{"HoldPositive", testHoldPositive, nil},
}

// hold unregisters ref with a day's hold and checks that it is held.
func (e *env) hold(ref string) {
	e.t.Helper()
	u, err := e.svc.Unregister(e.ctx, ref, acct.UnregisterOptions{Hold: 24 * time.Hour})
	if err != nil {
		e.t.Fatalf("unregister %s: %v", ref, err)
	}
	if u.Status != acct.StatusHeld {
		e.t.Fatalf("unregistered %s: %+v, want held", ref, u)
	}
	e.wantStatus(ref, acct.StatusHeld)
}

// restore restores ref and checks the status it returned to, in the
// answer, in the store and in the audit trail's last user.restore event.
func (e *env) restore(ref string, want acct.Status) *acct.User {
	e.t.Helper()
	u, err := e.svc.Restore(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("restore %s at %s: %v", ref, e.since(), err)
	}
	if u.Status != want || u.HoldUntil != nil {
		e.t.Fatalf("restored %s at %s: %+v, want status %s and no hold", ref, e.since(), u, want)
	}
	e.wantStatus(ref, want)
	e.wantRestoreEvent(ref, "back to "+string(want))
	return u
}

// wantRestoreEvent checks that ref's latest user.restore event says want.
func (e *env) wantRestoreEvent(ref, want string) {
	e.t.Helper()
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: ref, Action: acct.ActionUserRestore})
	if err != nil || len(evs) == 0 {
		e.t.Fatalf("restore events of %s: %+v, %v", ref, evs, err)
	}
	last := evs[0]
	for _, ev := range evs {
		if ev.ID > last.ID {
			last = ev
		}
	}
	if last.Outcome != acct.OutcomeOK || !strings.Contains(last.Detail, want) {
		e.t.Fatalf("last restore event of %s: %+v, want %q in its detail", ref, last, want)
	}
}

// testRestoreKeepsStatus: a restore undoes the unregister exactly, the
// account returns to the status it had before the hold.
func testRestoreKeepsStatus(e *env) {
	e.register(acct.NewUser{Email: "act@example.com", Username: "act"})
	e.hold("act")
	e.restore("act", acct.StatusActive)

	// A pending account stays pending: a restore does not activate it.
	e.registerPending(acct.NewUser{Email: "pend@example.com", Username: "pend"})
	e.hold("pend")
	if u := e.restore("pend", acct.StatusPending); u.EmailVerified {
		e.t.Fatalf("restored pending account verified: %+v", u)
	}
	// Held again, and again back to pending.
	e.hold("pend")
	e.restore("pend", acct.StatusPending)

	// An operator's lock stays, with its reason.
	e.register(acct.NewUser{Email: "lock@example.com", Username: "lock"})
	if _, err := e.svc.LockUser(e.ctx, "lock", acct.LockOptions{Reason: "fraud"}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("lock")
	if u := e.restore("lock", acct.StatusLocked); u.LockReason != "fraud" || u.LockedUntil != nil {
		e.t.Fatalf("restored locked account: %+v, want locked until unlocked for fraud", u)
	}
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "lock", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")

	// A lock with an end that has not come stays until then.
	e.register(acct.NewUser{Email: "until@example.com", Username: "until"})
	end := e.clock.Now().Add(2 * time.Hour)
	if _, err := e.svc.LockUser(e.ctx, "until", acct.LockOptions{Until: &end, Reason: "cool off"}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("until")
	e.clock.Advance(time.Hour)
	if u := e.restore("until", acct.StatusLocked); u.LockedUntil == nil || !u.LockedUntil.Equal(end) || u.LockReason != "cool off" {
		e.t.Fatalf("restored timed lock: %+v, want locked until %s", u, end)
	}
	e.clock.Advance(time.Hour)
	e.wantStatus("until", acct.StatusActive) // the lock lapsed after the restore

	// A lock that lapses during the hold comes back active.
	e.register(acct.NewUser{Email: "lapse@example.com", Username: "lapse"})
	end = e.clock.Now().Add(time.Hour)
	if _, err := e.svc.LockUser(e.ctx, "lapse", acct.LockOptions{Until: &end}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("lapse")
	e.clock.Advance(2 * time.Hour)
	e.wantStatus("lapse", acct.StatusHeld)
	if u := e.restore("lapse", acct.StatusActive); u.LockedUntil != nil || u.LockReason != "" {
		e.t.Fatalf("restored after the lock lapsed: %+v", u)
	}

	// Unlocking during the hold: the restore returns the account unlocked.
	e.register(acct.NewUser{Email: "unl@example.com", Username: "unl"})
	if _, err := e.svc.LockUser(e.ctx, "unl", acct.LockOptions{Reason: "fraud"}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("unl")
	if u, err := e.svc.UnlockUser(e.ctx, "unl"); err != nil || u.Status != acct.StatusHeld {
		e.t.Fatalf("unlock on hold: %+v, %v", u, err)
	}
	e.restore("unl", acct.StatusActive)

	// A purge forgets the status, and the tombstone cannot be restored.
	e.hold("pend")
	if _, err := e.svc.Unregister(e.ctx, "pend", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.Restore(e.ctx, "pend")
	e.wantCode(err, acct.CodeNotFound, "")
}

// testHeldLoginKeepsStatus: without RequireVerified, a login lifts the
// hold of a pending account and leaves it pending; a login on a held
// locked account is refused as on a locked one, and the hold stays.
func testHeldLoginKeepsStatus(e *env) {
	e.registerPending(acct.NewUser{Email: "pend@example.com", Username: "pend"})
	e.hold("pend")
	e.valid(e.loginPW("pend"))
	u := e.wantStatus("pend", acct.StatusPending)
	if u.HoldUntil != nil {
		e.t.Fatalf("after the login on hold: %+v", u)
	}
	e.wantRestoreEvent("pend", "a login lifted the deletion hold: back to pending")

	e.register(acct.NewUser{Email: "lock@example.com", Username: "lock"})
	if _, err := e.svc.LockUser(e.ctx, "lock", acct.LockOptions{Reason: "fraud"}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("lock")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "lock", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	e.wantStatus("lock", acct.StatusHeld)
	e.restore("lock", acct.StatusLocked)

	// A timed lock that lapses during the hold: the login lifts the hold.
	e.register(acct.NewUser{Email: "lapse@example.com", Username: "lapse"})
	end := e.clock.Now().Add(time.Hour)
	if _, err := e.svc.LockUser(e.ctx, "lapse", acct.LockOptions{Until: &end}); err != nil {
		e.t.Fatal(err)
	}
	e.hold("lapse")
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "lapse", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	e.clock.Advance(time.Hour)
	e.valid(e.loginPW("lapse"))
	e.wantStatus("lapse", acct.StatusActive)
	e.wantRestoreEvent("lapse", "back to active")

	// Failed logins that lock an active account on hold: a restore
	// returns it locked until the lockout ends.
	e.register(acct.NewUser{Email: "fail@example.com", Username: "fail"})
	e.hold("fail")
	for range testThreshold {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "fail", Password: WrongPassword})
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	e.wantStatus("fail", acct.StatusHeld)
	if u := e.restore("fail", acct.StatusLocked); u.LockedUntil == nil || !u.LockedUntil.Equal(e.clock.Now().Add(testLockout)) {
		e.t.Fatalf("restored after a lockout on hold: %+v", u)
	}
	e.clock.Advance(testLockout)
	e.wantStatus("fail", acct.StatusActive)
	e.valid(e.loginPW("fail"))
}

// testHeldLoginRequireVerified: with RequireVerified, a held pending
// account cannot log in, as a pending one cannot; the hold stays until
// an operator restores it, pending, to be activated.
func testHeldLoginRequireVerified(e *env) {
	u, _ := e.registerPending(acct.NewUser{Email: "pend@example.com", Username: "pend"})
	e.hold("pend")
	_, err := e.svc.Login(e.ctx, acct.Login{Ref: "pend", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	e.wantStatus("pend", acct.StatusHeld)
	e.restore("pend", acct.StatusPending)
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "pend", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
	// Unregister voided the first link; a new one activates the account.
	_, key := e.sendActivation("pend", "pend@example.com")
	e.activate(key, u.ID)
	e.valid(e.loginPW("pend"))
}

// testHoldRanOut: once hold_until has passed, the account waits only for
// a purge. A login fails exactly as for an unknown account (nothing
// tells that the account exists), a restore is refused saying when the
// hold ran out, the account shows hold_expired, and a purge erases it.
func testHoldRanOut(e *env) {
	u := e.register(acct.NewUser{Email: "ivan@example.com", Username: "ivan"})
	if _, err := e.svc.Unregister(e.ctx, "ivan", acct.UnregisterOptions{Hold: time.Second}); err != nil {
		e.t.Fatal(err)
	}
	if g := e.wantStatus("ivan", acct.StatusHeld); g.HoldExpired {
		e.t.Fatalf("hold expired before its time: %+v", g)
	}
	e.clock.Advance(time.Second) // hold_until is now: a purge would take it
	end := e.clock.Now()
	g := e.wantStatus("ivan", acct.StatusHeld)
	if !g.HoldExpired || g.HoldUntil == nil || !g.HoldUntil.Equal(end) {
		e.t.Fatalf("user get after the hold ran out: %+v, want held, hold_expired, hold_until %s", g, end)
	}
	e.clock.Advance(time.Second)
	_, unknown := e.svc.Login(e.ctx, acct.Login{Ref: "nobody@example.com", Password: GoodPassword})
	for _, pw := range []string{GoodPassword, WrongPassword} {
		_, err := e.svc.Login(e.ctx, acct.Login{Ref: "ivan@example.com", Password: pw})
		e.wantCode(err, acct.ErrorCode(unknown), acct.ErrorField(unknown))
		if want := strings.ReplaceAll(unknown.Error(), "nobody", "ivan"); err.Error() != want {
			e.t.Fatalf("login after the hold ran out: %q, want %q as for an unknown account", err, want)
		}
	}
	_, err := e.svc.Restore(e.ctx, "ivan")
	e.wantCode(err, acct.CodeRefused, "")
	if !strings.Contains(err.Error(), "ran out on "+end.Format(time.RFC3339)) {
		e.t.Fatalf("restore after the hold ran out: %q, want it to say when the hold ran out", err)
	}
	if _, err := e.svc.UpdateUser(e.ctx, "ivan", acct.UserUpdate{FirstName: new("Ivan")}); !strings.Contains(fmt.Sprint(err), "ran out") {
		e.t.Fatalf("update after the hold ran out: %v", err)
	}
	if g := e.wantStatus("ivan", acct.StatusHeld); !g.HoldExpired || g.FailedLogins != 0 {
		e.t.Fatalf("after the refused login and restore: %+v", g)
	}
	if p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{Status: acct.StatusHeld}); err != nil || len(p.Users) != 1 || !p.Users[0].HoldExpired {
		e.t.Fatalf("held users: %+v, %v", p, err)
	}
	res, err := e.svc.PurgeHeld(e.ctx, acct.PurgeOptions{})
	if err != nil || fmt.Sprint(res.Purged) != fmt.Sprint([]int64{u.ID}) {
		e.t.Fatalf("purge: %+v, %v", res, err)
	}
	if g := e.user(fmt.Sprint(u.ID)); g.Status != acct.StatusDeleted || g.HoldExpired {
		e.t.Fatalf("after the purge: %+v", g)
	}
}

// testHoldPositive: a deletion hold is a positive duration; an account to
// erase at once is purged.
func testHoldPositive(e *env) {
	e.register(acct.NewUser{Email: "zero@example.com", Username: "zero"})
	for _, d := range []time.Duration{0, -time.Hour} {
		_, err := e.svc.Unregister(e.ctx, "zero", acct.UnregisterOptions{Hold: d})
		e.wantCode(err, acct.CodeInvalid, "hold")
	}
	e.wantStatus("zero", acct.StatusActive)
	if u, err := e.svc.Unregister(e.ctx, "zero", acct.UnregisterOptions{Purge: true}); err != nil || u.Status != acct.StatusDeleted {
		e.t.Fatalf("purge at once: %+v, %v", u, err)
	}
}
