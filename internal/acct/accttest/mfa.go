package accttest

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/acctl/acctl/internal/acct"
)

// mfaCases are the second factor (acct/mfa.go, issue 17).
var mfaCases = []suiteCase{
	{"MFAEnrollConfirm", testMFAEnrollConfirm, nil},
	{"MFALogin", testMFALogin, nil},
	{"MFARecoveryCodes", testMFARecoveryCodes, nil},
	{"MFAConcurrentCode", testMFAConcurrentCode, nil},
	{"MFAReset", testMFAReset, nil},
	{"MFAWrongCodesLock", testMFAWrongCodesLock, func(o *acct.Options) { o.LockoutThreshold = 3 }},
	{"MFAListUsers", testMFAListUsers, nil},
}

// totpAt is the code of secret (base32) at t, by pquerna/otp's TOTP.
func (e *env) totpAt(secret string, t time.Time) string {
	e.t.Helper()
	c, err := totp.GenerateCode(secret, t)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrolled registers ref with an active factor; it returns the secret
// and the recovery codes.
func (e *env) enrolled(in acct.NewUser) (string, []string) {
	e.t.Helper()
	e.register(in)
	ref := in.Username
	en, err := e.svc.EnrollMFA(e.ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	rc, err := e.svc.ConfirmMFA(e.ctx, acct.MFACodeRequest{Ref: ref, Code: e.totpAt(en.Secret, e.clock.Now())})
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second) // the confirming code's step is used
	return en.Secret, rc.Codes
}

// mfaToken logs ref in with the right password and returns the mfa_token
// of the answer, which must be mfa_required.
func (e *env) mfaToken(ref string) string {
	e.t.Helper()
	s, err := e.svc.Login(e.ctx, acct.Login{Ref: ref, Password: GoodPassword})
	if err == nil {
		e.t.Fatalf("login of %s with a second factor opened session %s", ref, s.ID)
	}
	if acct.ErrorReason(err) != acct.ReasonMFARequired || acct.ErrorMFAToken(err) == "" {
		e.t.Fatalf("login of %s: %v (reason %q, token %q), want mfa_required with a token",
			ref, err, acct.ErrorReason(err), acct.ErrorMFAToken(err))
	}
	if strings.Contains(err.Error(), acct.ErrorMFAToken(err)) {
		e.t.Fatalf("the message %q shows the mfa_token", err)
	}
	return acct.ErrorMFAToken(err)
}

func testMFAEnrollConfirm(e *env) {
	e.register(acct.NewUser{Username: "mia", Email: "mia@example.com"})
	en, err := e.svc.EnrollMFA(e.ctx, "mia")
	if err != nil {
		e.t.Fatal(err)
	}
	if en.Status != acct.MFAPending || en.Digits != 6 || en.Period != 30 || en.Algorithm != "SHA1" ||
		len(en.Secret) < 32 || !strings.HasPrefix(en.URI, "otpauth://totp/acctl:mia?") || !strings.Contains(en.URI, "secret="+en.Secret) {
		e.t.Fatalf("enrolment %+v", en)
	}
	// Pending: a login still opens a session.
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "mia", Password: GoodPassword}); err != nil {
		e.t.Fatalf("login with a pending factor: %v", err)
	}
	// A wrong code leaves it pending.
	wrong := e.totpAt(en.Secret, e.clock.Now().Add(-10*time.Minute))
	_, err = e.svc.ConfirmMFA(e.ctx, acct.MFACodeRequest{Ref: "mia", Code: wrong})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	st, err := e.svc.MFAStatus(e.ctx, "mia")
	if err != nil || st.Status != acct.MFAPending {
		e.t.Fatalf("status after a wrong code: %+v, %v", st, err)
	}
	_, err = e.svc.ConfirmMFA(e.ctx, acct.MFACodeRequest{Ref: "mia", Code: "12345"})
	e.wantCode(err, acct.CodeInvalid, "code")
	// A code of the step before (skew) confirms it.
	rc, err := e.svc.ConfirmMFA(e.ctx, acct.MFACodeRequest{Ref: "mia", Code: e.totpAt(en.Secret, e.clock.Now().Add(-30*time.Second))})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(rc.Codes) != acct.RecoveryCodeCount || rc.Status != acct.MFAActive {
		e.t.Fatalf("recovery codes %+v", rc)
	}
	seen := map[string]bool{}
	for _, c := range rc.Codes {
		if len(c) != 19 || seen[c] {
			e.t.Fatalf("recovery code %q (of %v)", c, rc.Codes)
		}
		seen[c] = true
	}
	st, err = e.svc.MFAStatus(e.ctx, "mia")
	if err != nil || st.Status != acct.MFAActive || st.RecoveryCodes != 10 || st.ConfirmedAt == nil {
		e.t.Fatalf("status: %+v, %v", st, err)
	}
	_, err = e.svc.ConfirmMFA(e.ctx, acct.MFACodeRequest{Ref: "mia", Code: e.totpAt(en.Secret, e.clock.Now())})
	e.wantCode(err, acct.CodeConflict, "")
	_, err = e.svc.EnrollMFA(e.ctx, "mia")
	e.wantCode(err, acct.CodeConflict, "")
	// Never the secret or a recovery code in the audit trail.
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "mia", Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(evs)
	for _, secret := range append([]string{en.Secret}, rc.Codes...) {
		if strings.Contains(string(b), secret) {
			e.t.Fatalf("audit trail %s holds a secret", b)
		}
	}
	for _, action := range []string{acct.ActionMFAEnroll, acct.ActionMFAConfirm} {
		if !strings.Contains(string(b), `"`+action+`"`) {
			e.t.Fatalf("audit trail %s lacks %s", b, action)
		}
	}
}

func testMFALogin(e *env) {
	secret, _ := e.enrolled(acct.NewUser{Username: "max", Email: "max@example.com"})
	tok := e.mfaToken("max")
	// A wrong code: the token stays good for another try.
	_, err := e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, Code: e.totpAt(secret, e.clock.Now().Add(-5*time.Minute))})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	code := e.totpAt(secret, e.clock.Now())
	s, err := e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, Code: code})
	if err != nil {
		e.t.Fatal(err)
	}
	if s.Token == "" || s.RecoveryCodesLeft != nil {
		e.t.Fatalf("session %+v", s)
	}
	info, err := e.svc.ValidateSession(e.ctx, s.Token)
	if err != nil || info.User.Username != "max" || info.User.FailedLogins != 0 {
		e.t.Fatalf("validate: %+v, %v", info, err)
	}
	// The token is used.
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, Code: code})
	if acct.ErrorReason(err) != acct.ReasonChallengeExpired {
		e.t.Fatalf("second use of the mfa_token: %v (reason %q)", err, acct.ErrorReason(err))
	}
	// A replay of the code with a new login is refused.
	tok2 := e.mfaToken("max")
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok2, Code: code})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if !strings.Contains(err.Error(), "already used") {
		e.t.Fatalf("replay: %v, want already used", err)
	}
	// The next step's code works.
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok2, Code: e.totpAt(secret, e.clock.Now())}); err != nil {
		e.t.Fatal(err)
	}
	// A token past its lifetime.
	tok3 := e.mfaToken("max")
	e.clock.Advance(acct.MFATokenTTL)
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok3, Code: e.totpAt(secret, e.clock.Now())})
	if acct.ErrorReason(err) != acct.ReasonChallengeExpired {
		e.t.Fatalf("expired mfa_token: %v", err)
	}
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: "acctl_mfa_nonsense", Code: "123456"})
	if acct.ErrorReason(err) != acct.ReasonChallengeExpired {
		e.t.Fatalf("unknown mfa_token: %v", err)
	}
	// A wrong password is still a plain failure, without a token.
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "max", Password: "wrong password entirely"})
	if acct.ErrorReason(err) != "" || acct.ErrorMFAToken(err) != "" {
		e.t.Fatalf("wrong password: %v reason %q", err, acct.ErrorReason(err))
	}
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "max", Action: "mfa.", Limit: acct.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	var ok, failed int
	for _, ev := range evs {
		if ev.Action == acct.ActionMFAVerify && ev.Outcome == acct.OutcomeOK {
			ok++
		}
		if ev.Action == acct.ActionMFAVerify && ev.Outcome == acct.OutcomeFailure {
			failed++
		}
	}
	if ok != 2 || failed < 2 {
		e.t.Fatalf("mfa.verify events: %d ok, %d failed; want 2 and at least 2", ok, failed)
	}
}

func testMFARecoveryCodes(e *env) {
	_, codes := e.enrolled(acct.NewUser{Username: "rex", Email: "rex@example.com"})
	tok := e.mfaToken("rex")
	s, err := e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, RecoveryCode: strings.ToLower(codes[3])})
	if err != nil {
		e.t.Fatal(err)
	}
	if s.RecoveryCodesLeft == nil || *s.RecoveryCodesLeft != 9 {
		e.t.Fatalf("recovery codes left: %v", s.RecoveryCodesLeft)
	}
	tok = e.mfaToken("rex")
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, RecoveryCode: codes[3]})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	// Regenerated: the old ones are void.
	rc, err := e.svc.RegenerateRecoveryCodes(e.ctx, "rex")
	if err != nil || len(rc.Codes) != 10 {
		e.t.Fatalf("regenerate: %+v, %v", rc, err)
	}
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, RecoveryCode: codes[4]})
	e.wantCode(err, acct.CodeUnauthenticated, "")
	if s, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, RecoveryCode: rc.Codes[0]}); err != nil || *s.RecoveryCodesLeft != 9 {
		e.t.Fatalf("new recovery code: %+v, %v", s, err)
	}
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, Code: "123456", RecoveryCode: rc.Codes[1]})
	e.wantCode(err, acct.CodeInvalid, "code")
}

// testMFAConcurrentCode: 16 logins wait for their second factor, and all
// give the same valid code at once: exactly one session opens (the step's
// compare-and-set); and 16 uses of one mfa_token open one session too.
func testMFAConcurrentCode(e *env) {
	secret, _ := e.enrolled(acct.NewUser{Username: "cat", Email: "cat@example.com"})
	const n = 16
	for _, oneToken := range []bool{false, true} {
		toks := make([]string, n)
		for i := range toks {
			if i == 0 || !oneToken {
				toks[i] = e.mfaToken("cat")
			} else {
				toks[i] = toks[0]
			}
		}
		code := e.totpAt(secret, e.clock.Now())
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: toks[i], Code: code})
				mu.Lock()
				defer mu.Unlock()
				switch code := acct.ErrorCode(err); {
				case err == nil:
					wins++
				case code == acct.CodeUnauthenticated || code == acct.CodeRefused || code == acct.CodeUnavailable:
				default:
					e.t.Errorf("verify: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			e.t.Fatalf("one token %v: %d of %d concurrent uses of one code opened a session, want 1", oneToken, wins, n)
		}
		// The replays counted: the lockout and the factor's attempt
		// bucket run out before the next round.
		e.clock.Advance(time.Hour)
	}
}

func testMFAReset(e *env) {
	e.enrolled(acct.NewUser{Username: "sue", Email: "sue@example.com"})
	e.enrolled(acct.NewUser{Username: "boss", Email: "boss@example.com", Admin: true})
	support, auditor := e.as("desk", acct.RoleSupport), e.as("audit", acct.RoleAuditor)
	if st, err := e.svc.MFAStatus(auditor, "sue"); err != nil || st.Status != acct.MFAActive {
		e.t.Fatalf("status by an auditor: %+v, %v", st, err)
	}
	_, err := e.svc.ResetMFA(auditor, acct.MFAReset{Ref: "sue", Reason: "lost phone"})
	e.wantCode(err, acct.CodeRefused, "")
	_, err = e.svc.ResetMFA(support, acct.MFAReset{Ref: "sue"})
	e.wantCode(err, acct.CodeInvalid, "reason")
	_, err = e.svc.ResetMFA(support, acct.MFAReset{Ref: "boss", Reason: "lost phone"})
	e.refusedOnAdmin("mfa reset", err)
	_, err = e.svc.EnrollMFA(support, "sue")
	e.wantCode(err, acct.CodeRefused, "")
	// A session opened before the reset ends with it.
	tok := e.mfaToken("sue")
	st, err := e.svc.ResetMFA(support, acct.MFAReset{Ref: "sue", Reason: "lost phone, ticket 42"})
	if err != nil || st.Status != acct.MFANone {
		e.t.Fatalf("reset by support: %+v, %v", st, err)
	}
	// The waiting login is gone; a login now opens a session.
	_, err = e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, Code: "123456"})
	if acct.ErrorReason(err) != acct.ReasonChallengeExpired {
		e.t.Fatalf("waiting login after reset: %v", err)
	}
	if _, err := e.svc.Login(e.ctx, acct.Login{Ref: "sue", Password: GoodPassword}); err != nil {
		e.t.Fatalf("login after reset: %v", err)
	}
	if st, err := e.svc.MFAStatus(e.ctx, "sue"); err != nil || st.Status != acct.MFANone || st.RecoveryCodes != 0 {
		e.t.Fatalf("status after reset: %+v, %v", st, err)
	}
	_, err = e.svc.ResetMFA(e.ctx, acct.MFAReset{Ref: "sue", Reason: "again"})
	e.wantCode(err, acct.CodeNotFound, "")
	evs, err := e.svc.ListEvents(e.ctx, acct.EventQuery{User: "sue", Action: acct.ActionMFAReset, Limit: 10})
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Actor != "desk" || !strings.Contains(evs[len(evs)-1].Detail, "ticket 42") {
		e.t.Fatalf("reset events: %+v, %v", evs, err)
	}
	// The admin keeps it; an operator may reset it.
	if _, err := e.svc.ResetMFA(e.ctx, acct.MFAReset{Ref: "boss", Reason: "rotation"}); err != nil {
		e.t.Fatal(err)
	}
}

func testMFAWrongCodesLock(e *env) {
	secret, _ := e.enrolled(acct.NewUser{Username: "lou", Email: "lou@example.com"})
	wrong := e.totpAt(secret, e.clock.Now().Add(-time.Hour))
	// The right password between wrong codes does not wipe the count.
	for i := 0; i < 3; i++ {
		tok := e.mfaToken("lou")
		_, err := e.svc.VerifyMFA(e.ctx, acct.MFAVerify{Token: tok, Code: wrong})
		e.wantCode(err, acct.CodeUnauthenticated, "")
	}
	u, err := e.svc.User(e.ctx, "lou")
	if err != nil || u.Status != acct.StatusLocked {
		e.t.Fatalf("after 3 wrong codes: %+v, %v", u, err)
	}
	_, err = e.svc.Login(e.ctx, acct.Login{Ref: "lou", Password: GoodPassword})
	e.wantCode(err, acct.CodeRefused, "")
}

func testMFAListUsers(e *env) {
	e.enrolled(acct.NewUser{Username: "with1", Email: "with1@example.com"})
	e.register(acct.NewUser{Username: "without1", Email: "without1@example.com"})
	e.register(acct.NewUser{Username: "pending1", Email: "pending1@example.com"})
	if _, err := e.svc.EnrollMFA(e.ctx, "pending1"); err != nil {
		e.t.Fatal(err)
	}
	for f, want := range map[acct.MFAFilter]string{acct.MFAWith: "with1", acct.MFAWithout: "without1 pending1", acct.MFAAny: "with1 without1 pending1"} {
		p, err := e.svc.ListUsers(e.ctx, acct.UserQuery{MFA: f})
		if err != nil {
			e.t.Fatal(err)
		}
		var got []string
		for _, u := range p.Users {
			got = append(got, u.Username)
		}
		if strings.Join(got, " ") != want {
			e.t.Fatalf("list --mfa %q: %v, want %s", f, got, want)
		}
	}
	_, err := e.svc.ListUsers(e.ctx, acct.UserQuery{MFA: "maybe"})
	e.wantCode(err, acct.CodeInvalid, "mfa")
}
