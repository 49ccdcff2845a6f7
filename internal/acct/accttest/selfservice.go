package accttest

import (
	"net/url"
	"strings"
	"time"

	"github.com/acctl/acctl/internal/acct"
)

// selfServiceCases are the rules behind the auth API's self-service
// flows (acct/selfservice.go, issue 16).
var selfServiceCases = []suiteCase{
	{"SelfSignUpByPhone", testSelfSignUpByPhone, selfOptions},
	{"SelfSignUpInvite", testSelfSignUpInvite, selfOptions},
	{"SelfClaimEmail", testSelfClaimEmail, selfOptions},
	{"SelfClaimPhone", testSelfClaimPhone, selfOptions},
	{"SelfRecoverBySMS", testSelfRecoverBySMS, selfOptions},
	{"SelfUnregisterPassword", testSelfUnregisterPassword, nil},
	{"SelfPasswordConfirmation", testSelfPasswordConfirmation, nil},
	{"CheckIdentifiers", testCheckIdentifiers, nil},
}

// selfOptions: links and passcodes can be sent.
func selfOptions(o *acct.Options) {
	otpOptions(o)
	o.PublicURL, o.ActivationTTL = activationURL, testActivationTTL
}

// otpCode checks that n is a passcode of purpose sent by SMS to to, and
// returns it.
func (e *env) otpCode(n acct.Notice, to, purpose string) string {
	e.t.Helper()
	if n.Template != acct.TemplateOTP || n.Channel != acct.ChannelSMS || n.To != to || n.Data.Purpose != purpose || len(n.Data.Code) != 6 {
		e.t.Fatalf("notice %+v, want a %s passcode by sms to %s", n, purpose, to)
	}
	return n.Data.Code
}

// testSelfSignUpByPhone checks a sign-up with a phone and no email: the
// job makes the account pending and sends a signup passcode by SMS, which
// activates it and proves the phone; a second sign-up with the number of
// a pending account sends its passcode again, with the number of an
// active one, or a username in use, nothing.
func testSelfSignUpByPhone(e *env) {
	err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Phone: "+1 415 555 0123", Username: "Pat", Password: GoodPassword, FirstName: "Pat"})
	if err != nil {
		e.t.Fatal(err)
	}
	if ran := e.runJobs(); len(ran) != 1 || ran[0].State != acct.JobDone {
		e.t.Fatalf("ran %+v", ran)
	}
	u := e.wantStatus("pat", acct.StatusPending)
	if u.Phone != "+14155550123" || u.PhoneVerified || u.Email != "" {
		e.t.Fatalf("signed up %+v", u)
	}
	first := e.otpCode(e.notices(1)[0], "+14155550123", acct.PurposeSignup)

	// Again, pending: a fresh passcode (after the cooldown), the first void.
	e.to(testOTPCooldown)
	if err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Phone: "+14155550123", Password: GoodPassword}); err != nil {
		e.t.Fatal(err)
	}
	e.runJobs()
	code := e.otpCode(e.notices(2)[1], "+14155550123", acct.PurposeSignup)
	e.otpRefused("+14155550123", acct.PurposeSignup, first)
	got := e.verifyOTP("+14155550123", acct.PurposeSignup, code)
	if got.Status != acct.StatusActive || !got.PhoneVerified {
		e.t.Fatalf("verified %+v, want active with the phone verified", got)
	}
	e.login(acct.Login{Ref: "pat", Password: GoodPassword})

	// Active: nothing; a username in use (another number): nothing.
	e.to(testOTPCooldown)
	for _, in := range []acct.SignUpRequest{{Phone: "+14155550123", Password: GoodPassword}, {Phone: "+14155550124", Username: "PAT", Password: GoodPassword}} {
		if err := e.svc.SignUp(e.ctx, in); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, j := range e.runJobs() {
		if j.State != acct.JobDone {
			e.t.Fatalf("job %+v, want done", j)
		}
	}
	e.notices(2)
	if n := e.count(); n != 1 {
		e.t.Fatalf("%d accounts, want 1", n)
	}
	// A phone and an email: the link goes by email, the phone is kept.
	if err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: "both@example.com", Phone: "+14155550125", Password: GoodPassword}); err != nil {
		e.t.Fatal(err)
	}
	e.runJobs()
	e.activationKey(e.notices(3)[2], "both@example.com", activationPrefix)
	if b := e.user("+14155550125"); b.Email != "both@example.com" || b.PhoneVerified {
		e.t.Fatalf("signed up %+v", b)
	}
}

// testSelfSignUpInvite checks a sign-up's invite code: checked before the
// job is queued, and both accounts get their points when the job makes
// the account, as Register gives them.
func testSelfSignUpInvite(e *env) {
	ref := e.register(acct.NewUser{Email: "ref@example.com"})
	err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: "new@example.com", Password: GoodPassword, Invite: "ZZZZZZZZ"})
	e.wantCode(err, acct.CodeNotFound, "invite")
	if js := e.jobs(); len(js) != 0 {
		e.t.Fatalf("jobs %+v, want none", js)
	}
	if err := e.svc.SignUp(e.ctx, acct.SignUpRequest{Email: "new@example.com", Password: GoodPassword, Invite: " " + strings.ToLower(ref.ReferralCode)}); err != nil {
		e.t.Fatal(err)
	}
	e.runJobs()
	u := e.user("new@example.com")
	if u.ReferredBy == nil || *u.ReferredBy != ref.ID || u.Points != acct.DefaultNewUserPoints {
		e.t.Fatalf("signed up %+v, want referred by %d with %d points", u, ref.ID, acct.DefaultNewUserPoints)
	}
	if p := e.points("ref@example.com"); p != acct.DefaultReferrerPoints {
		e.t.Fatalf("referrer has %d points, want %d", p, acct.DefaultReferrerPoints)
	}
}

// testSelfClaimEmail checks ClaimAddress of an email address: the same
// answer, and one job, for a free address and another account's; the
// job adds the free one, unverified, and mails its link, which verifies
// it; another's gets nothing. The account's own verified address is a
// conflict; its own unverified one gets its link again.
func testSelfClaimEmail(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	e.register(acct.NewUser{Email: "bob@example.com", Username: "bob"})
	for _, v := range []string{"Alice@Work.example", "bob@example.com"} {
		if err := e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressEmail, Value: v}); err != nil {
			e.t.Fatalf("claim %s: %v", v, err)
		}
	}
	e.wantAddresses("alice", acct.AddressEmail, "email:alice@example.com*")
	for _, j := range e.runJobs() {
		if j.Kind != acct.JobClaimEmail || j.State != acct.JobDone {
			e.t.Fatalf("job %+v, want a done claim-email job", j)
		}
	}
	e.wantAddresses("alice", acct.AddressEmail, "email:alice@example.com* email:alice@work.example")
	e.wantAddresses("bob", acct.AddressEmail, "email:bob@example.com*")
	n := e.notices(1)[0]
	if n.Template != acct.TemplateVerifyEmail || n.To != "alice@work.example" {
		e.t.Fatalf("notice %+v", n)
	}
	// Claimed again before it is used: the link again (the first void).
	if err := e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressEmail, Value: "alice@work.example"}); err != nil {
		e.t.Fatal(err)
	}
	e.runJobs()
	key, err := url.QueryUnescape(strings.TrimPrefix(e.notices(2)[1].Data.URL, activationPrefix))
	if err != nil {
		e.t.Fatal(err)
	}
	first, _ := url.QueryUnescape(strings.TrimPrefix(n.Data.URL, activationPrefix))
	e.activateRefused(first, acct.CodeUnauthenticated)
	if got, err := e.svc.Activate(e.ctx, key); err != nil || got.ID != alice.ID {
		e.t.Fatalf("activate: %+v, %v", got, err)
	}
	e.wantAddresses("alice", acct.AddressEmail, "email:alice@example.com* email:alice@work.examplev")
	err = e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressEmail, Value: "alice@work.example"})
	e.wantCode(err, acct.CodeConflict, "email")
	err = e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressEmail, Value: "not an address"})
	e.wantCode(err, acct.CodeInvalid, "email")
	// The trail names the kind, never the address.
	evs, _ := e.events("alice")
	e.noSecrets("audit events", evs, "work.example")
}

// testSelfClaimPhone checks ClaimAddress of a phone and ConfirmAddress:
// a passcode goes to the number, free or another account's, and nothing is
// stored until it comes back; then the phone is added, verified (the
// primary of an account without one), and another's number is a conflict
// to whoever holds its passcode. A wrong passcode counts.
func testSelfClaimPhone(e *env) {
	alice := e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	e.register(acct.NewUser{Email: "bob@example.com", Phone: "+14155550177"})
	if err := e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressPhone, Value: "+1 415 555 0123"}); err != nil {
		e.t.Fatal(err)
	}
	code := e.otpCode(e.notices(1)[0], "+14155550123", acct.PurposeVerifyPhone)
	e.wantAddresses("alice", acct.AddressPhone, "")
	if _, err := e.svc.User(e.ctx, "+14155550123"); !acct.IsCode(err, acct.CodeNotFound) {
		e.t.Fatalf("the claimed number names an account before its passcode: %v", err)
	}
	// The cooldown holds, as for SendOTP.
	err := e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressPhone, Value: "+14155550123"})
	e.wantCode(err, acct.CodeRefused, "")

	_, err = e.svc.ConfirmAddress(e.ctx, acct.AddressCode{User: "alice", Kind: acct.AddressPhone, Value: "+14155550123", Code: wrongOTP(code, 1)})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.failed("alice", 1)
	u, err := e.svc.ConfirmAddress(e.ctx, acct.AddressCode{User: "alice", Kind: acct.AddressPhone, Value: "+14155550123", Code: code})
	if err != nil || u.ID != alice.ID || u.Phone != "+14155550123" || !u.PhoneVerified {
		e.t.Fatalf("confirm: %+v, %v; want the phone verified as the primary", u, err)
	}
	e.wantAddresses("alice", acct.AddressPhone, "phone:+14155550123*v")
	err = e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressPhone, Value: "+14155550123"})
	e.wantCode(err, acct.CodeConflict, "phone")

	// Bob's number: the passcode goes; with it, a conflict.
	if err := e.svc.ClaimAddress(e.ctx, acct.AddressClaim{User: "alice", Kind: acct.AddressPhone, Value: "+14155550177"}); err != nil {
		e.t.Fatal(err)
	}
	bobs := e.otpCode(e.notices(2)[1], "+14155550177", acct.PurposeVerifyPhone)
	_, err = e.svc.ConfirmAddress(e.ctx, acct.AddressCode{User: "alice", Kind: acct.AddressPhone, Value: "+14155550177", Code: bobs})
	e.wantCode(err, acct.CodeConflict, "phone")
	e.wantAddresses("alice", acct.AddressPhone, "phone:+14155550123*v")

	// An email address is confirmed by its link, not here.
	_, err = e.svc.ConfirmAddress(e.ctx, acct.AddressCode{User: "alice", Kind: acct.AddressEmail, Value: "a@example.com", Code: code})
	e.wantCode(err, acct.CodeInvalid, "kind")
}

// testSelfRecoverBySMS checks RecoverBySMS: the same answer and job for a
// registered number, an unverified extra one and nobody's; only the
// registered one gets a passcode, which resets the password by phone.
// ResetPassword for a number of nobody's refuses a weak password as for a
// known one, else answers not found.
func testSelfRecoverBySMS(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Phone: "+14155550123", Username: "alice"})
	e.addAddress("alice", acct.AddressPhone, "+14155550124", false)
	for _, p := range []string{"+1 415 555 0123", "+14155550124", "+14155550199"} {
		if err := e.svc.RecoverBySMS(e.ctx, p); err != nil {
			e.t.Fatalf("recover %s: %v", p, err)
		}
	}
	e.wantCode(e.svc.RecoverBySMS(e.ctx, "not a phone"), acct.CodeInvalid, "phone")
	js := e.jobs()
	if len(js) != 3 {
		e.t.Fatalf("jobs %+v, want 3", js)
	}
	e.notices(0)
	for _, j := range e.runJobs() {
		if j.Kind != acct.JobRecoverySMS || j.State != acct.JobDone {
			e.t.Fatalf("job %+v, want a done recovery-sms job", j)
		}
	}
	code := e.otpCode(e.notices(1)[0], "+14155550123", acct.PurposeRecovery)
	_, err := e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: "+14155550199", Code: code, Password: "short"})
	e.wantCode(err, acct.CodeRefused, "password")
	_, err = e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: "+14155550199", Code: code, Password: OtherPassword})
	e.wantCode(err, acct.CodeNotFound, "")
	// The failure of nobody's number is in the trail as a known one's
	// is (the same work), naming nobody.
	evs, _ := e.events("")
	anonymous := 0
	for _, ev := range evs {
		if ev.Action == acct.ActionOTPVerify && ev.Outcome == acct.OutcomeFailure && ev.UserID == nil {
			anonymous++
			if strings.Contains(ev.Detail, "4155550199") {
				e.t.Errorf("the event names the number: %+v", ev)
			}
		}
	}
	if anonymous != 1 {
		e.t.Errorf("%d otp.verify failures naming nobody, want 1", anonymous)
	}
	// A password that holds the account's username is refused only once
	// the passcode has proven the phone: before, the refusal would tell
	// whose number it is. The refusal leaves the passcode usable.
	named := "alice " + OtherPassword
	_, err = e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: "+14155550123", Code: wrongOTP(code, 1), Password: named})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	_, err = e.svc.ResetPassword(e.ctx, acct.PasswordReset{Phone: "+14155550123", Code: code, Password: named})
	e.wantCode(err, acct.CodeRefused, "password")
	e.resetByPhone("+14155550123", code, OtherPassword)
	e.login(acct.Login{Ref: "alice", Password: OtherPassword})
}

// testSelfUnregisterPassword checks Unregister with the account's own
// password: a wrong one is refused as a login's (counted, nothing held);
// the right one puts the account on hold and ends its sessions.
func testSelfUnregisterPassword(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	s := e.loginPW("alice")
	_, err := e.svc.Unregister(e.ctx, "alice", acct.UnregisterOptions{Hold: time.Hour, Password: OtherPassword})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	e.failed("alice", 1)
	e.wantStatus("alice", acct.StatusActive)
	u, err := e.svc.Unregister(e.ctx, "alice", acct.UnregisterOptions{Hold: time.Hour, Password: GoodPassword})
	if err != nil || u.Status != acct.StatusHeld {
		e.t.Fatalf("unregister: %+v, %v", u, err)
	}
	e.refused(s.Token, "ended")
	// A login within the hold brings it back.
	e.loginPW("alice")
	e.wantStatus("alice", acct.StatusActive)
}

// testSelfPasswordConfirmation checks ChangePassword's confirmation: when
// given it must match the new password, else nothing changes.
func testSelfPasswordConfirmation(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Username: "alice"})
	_, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "alice", Current: GoodPassword, New: OtherPassword, Confirmation: OtherPassword + "x"})
	e.wantCode(err, acct.CodeInvalid, "confirmation")
	if _, err := e.svc.ChangePassword(e.ctx, acct.PasswordChange{Ref: "alice", Current: GoodPassword, New: OtherPassword, Confirmation: OtherPassword}); err != nil {
		e.t.Fatal(err)
	}
	e.login(acct.Login{Ref: "alice", Password: OtherPassword})
}

// testCheckIdentifiers checks CheckIdentifiers: an email or phone held as
// a primary or an extra address, verified or not, a username in another
// case, and an email or username that looks like one in use are taken;
// the rest free; an invalid value or none is invalid. Support keys may
// ask, auditor keys not.
func testCheckIdentifiers(e *env) {
	e.register(acct.NewUser{Email: "alice@example.com", Phone: "+14155550123", Username: "alice"})
	e.addAddress("alice", acct.AddressEmail, "alice@work.example", false)
	check := func(in acct.IdentifierCheck, taken, free string) {
		e.t.Helper()
		res, err := e.svc.CheckIdentifiers(e.ctx, in)
		if err != nil {
			e.t.Fatalf("check %+v: %v", in, err)
		}
		if strings.Join(res.Taken, ",") != taken || strings.Join(res.Free, ",") != free {
			e.t.Fatalf("check %+v: taken %v free %v, want %q and %q", in, res.Taken, res.Free, taken, free)
		}
	}
	check(acct.IdentifierCheck{Email: "carol@example.com", Phone: "+14155550199", Username: "carol"}, "", "email,phone,username")
	check(acct.IdentifierCheck{Email: "ALICE@example.com", Phone: "+1 415 555 0123", Username: "Alice"}, "email,phone,username", "")
	check(acct.IdentifierCheck{Email: "alice@work.example"}, "email", "")
	check(acct.IdentifierCheck{Email: "\u0430lice@example.com", Username: "bob"}, "email", "username") // a Cyrillic а
	_, err := e.svc.CheckIdentifiers(e.ctx, acct.IdentifierCheck{})
	e.wantCode(err, acct.CodeInvalid, "email")
	_, err = e.svc.CheckIdentifiers(e.ctx, acct.IdentifierCheck{Phone: "12ab"})
	e.wantCode(err, acct.CodeInvalid, "phone")
	if _, err := e.svc.CheckIdentifiers(e.as("desk", acct.RoleSupport), acct.IdentifierCheck{Username: "alice"}); err != nil {
		e.t.Fatalf("support key: %v", err)
	}
	_, err = e.svc.CheckIdentifiers(e.as("audit", acct.RoleAuditor), acct.IdentifierCheck{Username: "alice"})
	e.wantCode(err, acct.CodeRefused, "")
	// Once purged, the account's values are free again.
	if _, err := e.svc.Unregister(e.ctx, "alice", acct.UnregisterOptions{Purge: true}); err != nil {
		e.t.Fatal(err)
	}
	check(acct.IdentifierCheck{Email: "alice@example.com", Phone: "+14155550123", Username: "alice"}, "", "email,phone,username")
}
