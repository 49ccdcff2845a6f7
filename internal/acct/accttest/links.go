package accttest

import (
	"net/url"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// CheckLink (issue 16): a page behind a mailed link says at once whether
// the link works, reading only: the link is not used, no attempt counts
// and nothing is audited, however often it is checked.
var linkCases = []suiteCase{
	{"CheckLinkReset", testCheckLinkReset, forgotOptions},
	{"CheckLinkActivation", testCheckLinkActivation, activationOptions},
	{"CheckLinkAddressGone", testCheckLinkAddressGone, func(o *acct.Options) { o.PublicURL = activationURL }},
	{"CheckLinkInput", testCheckLinkInput, forgotOptions},
}

// checkLink checks a link that must work and its expiry.
func (e *env) checkLink(kind acct.LinkKind, code string, expires time.Time) {
	e.t.Helper()
	st, err := e.svc.CheckLink(e.ctx, acct.LinkCheck{Kind: kind, Code: code})
	if err != nil {
		e.t.Fatalf("check %s link %q at %s: %v", kind, code, e.since(), err)
	}
	if st == nil || st.Kind != kind || !st.ExpiresAt.Equal(expires) {
		e.t.Fatalf("check %s link: %+v, want kind %s, expires %s", kind, st, kind, expires)
	}
	e.noSecrets("LinkStatus", st, codeSpellings(code)...)
}

// linkRefused checks that CheckLink refuses a link with code and reason.
func (e *env) linkRefused(kind acct.LinkKind, code string, want acct.Code, reason acct.Reason) {
	e.t.Helper()
	st, err := e.svc.CheckLink(e.ctx, acct.LinkCheck{Kind: kind, Code: code})
	if err == nil {
		e.t.Fatalf("check %s link %q at %s: %+v, want %s (%s)", kind, code, e.since(), st, want, reason)
	}
	e.wantReason(err, want, reason, 0)
}

// eventCount is the number of audit events so far.
func (e *env) eventCount() int {
	e.t.Helper()
	evs, _ := e.events("")
	return len(evs)
}

// testCheckLinkReset: a reset link checks as valid with its expiry,
// again and again, and still works after; a wrong, voided, used or
// expired one is refused as ResetPassword refuses it; nothing of it is
// written.
func testCheckLinkReset(e *env) {
	e.register(acct.NewUser{Email: "check@example.com"})
	link := e.forgotLink("check@example.com")
	expires := e.clock.Now().Add(acct.DefaultForgotTTL)
	events := e.eventCount()
	for range 20 {
		e.checkLink(acct.LinkReset, link, expires)
	}
	e.linkRefused(acct.LinkReset, flipCode(canon(link)), acct.CodeUnauthenticated, acct.ReasonInvalid)
	e.linkRefused(acct.LinkReset, "garbage", acct.CodeUnauthenticated, acct.ReasonInvalid)
	// A reset link is no activation link.
	e.linkRefused(acct.LinkActivation, link, acct.CodeUnauthenticated, acct.ReasonInvalid)
	if n := e.eventCount(); n != events {
		e.t.Fatalf("%d audit events after checks, want %d: a check writes nothing", n, events)
	}
	e.wantCodeIDs("check@example.com", e.codes("check@example.com")[0].ID)

	// A reset code handed over by an operator is a reset link too.
	rc := e.issueCode("check@example.com")
	e.checkLink(acct.LinkReset, rc.Code, rc.ExpiresAt)
	e.reset(rc.Code, NewPassword)
	e.linkRefused(acct.LinkReset, rc.Code, acct.CodeUnauthenticated, acct.ReasonEnded) // used
	e.linkRefused(acct.LinkReset, link, acct.CodeUnauthenticated, acct.ReasonEnded)    // voided by the reset
	older := e.forgotLink("check@example.com")
	e.forgotLink("check@example.com")
	e.linkRefused(acct.LinkReset, older, acct.CodeUnauthenticated, acct.ReasonEnded) // voided by the newer

	// Checked to the last moment, it still resets.
	link = e.forgotLink("check@example.com")
	e.to(acct.DefaultForgotTTL - time.Second)
	e.checkLink(acct.LinkReset, link, Start.Add(acct.DefaultForgotTTL))
	e.reset(link, OtherPassword)
	link = e.forgotLink("check@example.com")
	e.to(2 * acct.DefaultForgotTTL)
	e.linkRefused(acct.LinkReset, link, acct.CodeUnauthenticated, acct.ReasonExpired)

	// An operator's lock voids the account's codes: the link is ended, as
	// the reset would find it.
	rc = e.issueCode("check@example.com")
	if _, err := e.svc.LockUser(e.ctx, "check@example.com", acct.LockOptions{Reason: "fraud"}); err != nil {
		e.t.Fatal(err)
	}
	e.linkRefused(acct.LinkReset, rc.Code, acct.CodeUnauthenticated, acct.ReasonEnded)
}

// testCheckLinkActivation: an activation link checks as valid, checked
// any number of times it still activates; wrong, voided, expired links
// are refused with their reason, a used one is a conflict.
func testCheckLinkActivation(e *env) {
	u, key := e.registerPending(acct.NewUser{Email: "act@example.com"})
	expires := e.clock.Now().Add(testActivationTTL)
	events := e.eventCount()
	for range 20 {
		e.checkLink(acct.LinkActivation, key, expires)
	}
	e.linkRefused(acct.LinkActivation, flipCode(canon(key)), acct.CodeUnauthenticated, acct.ReasonInvalid)
	e.linkRefused(acct.LinkReset, key, acct.CodeUnauthenticated, acct.ReasonInvalid)
	if n := e.eventCount(); n != events {
		e.t.Fatalf("%d audit events after checks, want %d: a check writes nothing", n, events)
	}
	e.wantStatus("act@example.com", acct.StatusPending)

	e.to(time.Minute)
	_, newer := e.sendActivation("act@example.com", u.Email)
	e.linkRefused(acct.LinkActivation, key, acct.CodeUnauthenticated, acct.ReasonEnded)
	e.checkLink(acct.LinkActivation, newer, e.clock.Now().Add(testActivationTTL))
	e.activate(newer, u.ID)
	_, err := e.svc.CheckLink(e.ctx, acct.LinkCheck{Kind: acct.LinkActivation, Code: newer})
	e.wantCode(err, acct.CodeConflict, "")

	u2, expired := e.registerPending(acct.NewUser{Email: "late@example.com"})
	e.to(time.Minute + testActivationTTL)
	e.linkRefused(acct.LinkActivation, expired, acct.CodeUnauthenticated, acct.ReasonExpired)
	e.wantStatus(u2.Email, acct.StatusPending)
}

// testCheckLinkAddressGone: the link of an address the account no longer
// has is ended, before anyone posts it.
func testCheckLinkAddressGone(e *env) {
	const extra = "gone@example.com"
	e.register(acct.NewUser{Username: "mover", Email: "stay@example.com"})
	if _, err := e.svc.AddAddress(e.ctx, acct.NewAddress{User: "mover", Kind: acct.AddressEmail, Value: extra}); err != nil {
		e.t.Fatal(err)
	}
	before := len(e.notes.Notices())
	sent, err := e.svc.SendActivation(e.ctx, extra)
	if err != nil {
		e.t.Fatal(err)
	}
	key, err := url.QueryUnescape(strings.TrimPrefix(e.notices(before + 1)[before].Data.URL, activationPrefix))
	if err != nil {
		e.t.Fatal(err)
	}
	e.checkLink(acct.LinkActivation, key, sent.ExpiresAt)
	if _, err := e.svc.RemoveAddress(e.ctx, acct.AddressRef{User: "mover", Kind: acct.AddressEmail, Value: extra}); err != nil {
		e.t.Fatal(err)
	}
	e.linkRefused(acct.LinkActivation, key, acct.CodeUnauthenticated, acct.ReasonEnded)
	_, err = e.svc.Activate(e.ctx, key)
	e.wantReason(err, acct.CodeUnauthenticated, acct.ReasonEnded, 0)
}

// testCheckLinkInput: a check needs a kind and a code.
func testCheckLinkInput(e *env) {
	_, err := e.svc.CheckLink(e.ctx, acct.LinkCheck{Kind: "otp", Code: "ABCD"})
	e.wantCode(err, acct.CodeInvalid, "kind")
	_, err = e.svc.CheckLink(e.ctx, acct.LinkCheck{Kind: acct.LinkReset, Code: "  "})
	e.wantCode(err, acct.CodeInvalid, "code")
}
