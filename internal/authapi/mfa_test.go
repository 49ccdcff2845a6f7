package authapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestMFAFlow: a signed-in user enrols and confirms a TOTP factor; then
// /auth/login answers mfa_required with an mfa_token (and no cookie), and
// /auth/mfa/verify with a code opens the session with the cookie of a
// login; a code works once.
func TestMFAFlow(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	c, _ := e.login("alice@example.com", false)

	wantStatus(t, e.do(post("/auth/mfa/totp")), http.StatusUnauthorized) // not signed in
	w := e.do(withSession(post("/auth/mfa/totp"), c))
	wantStatus(t, w, http.StatusOK)
	en := decode[MFAEnrollAnswer](t, w)
	if !en.Success || en.Secret == "" || !strings.HasPrefix(en.URI, "otpauth://totp/") || en.Digits != 6 || en.Period != 30 {
		t.Fatalf("enrolment %+v", en)
	}
	code := func(off int) string {
		t.Helper()
		s, err := totp.GenerateCode(en.Secret, e.clock.Now().Add(time.Duration(off)*30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w = e.do(withSession(post("/auth/mfa/totp/confirm", "code", code(-20)), c))
	wantStatus(t, w, http.StatusUnauthorized)
	w = e.do(withSession(post("/auth/mfa/totp/confirm", "code", code(0)), c))
	wantStatus(t, w, http.StatusOK)
	if rc := decode[RecoveryCodesAnswer](t, w); len(rc.RecoveryCodes) != 10 {
		t.Fatalf("recovery codes %+v", rc)
	}

	w = e.do(post("/auth/login", "username", "alice@example.com", "password", password))
	wantStatus(t, w, http.StatusUnauthorized)
	a := decode[MFAAnswer](t, w)
	if a.Reason != "mfa_required" || a.MFAToken == "" || len(w.Result().Cookies()) != 0 {
		t.Fatalf("login with a second factor: %+v, cookies %v", a, w.Result().Cookies())
	}
	// The code of the confirmation is used: refused.
	w = e.do(post("/auth/mfa/verify", "mfa_token", a.MFAToken, "code", code(0)))
	wantStatus(t, w, http.StatusUnauthorized)
	w = e.do(post("/auth/mfa/verify", "mfa_token", a.MFAToken, "code", code(1)))
	wantStatus(t, w, http.StatusOK)
	s := cookie(t, w, DefaultCookieName)
	if got := decode[SessionAnswer](t, w); !got.Success || got.User.Email != "alice@example.com" || got.CSRFToken == "" {
		t.Fatalf("session answer %+v", got)
	}
	wantStatus(t, e.do(withSession(req{method: http.MethodGet, path: "/auth/session"}, s)), http.StatusOK)
	// The token is used.
	w = e.do(post("/auth/mfa/verify", "mfa_token", a.MFAToken, "code", code(1)))
	wantStatus(t, w, http.StatusUnauthorized)
	if got := decode[Answer](t, w); got.Reason != "challenge_expired" {
		t.Fatalf("second use of the token: %+v", got)
	}
	// A wrong password stays the one answer of every failed login.
	w = e.do(post("/auth/login", "username", "alice@example.com", "password", "not the password at all"))
	wantStatus(t, w, http.StatusUnauthorized)
	if got := decode[MFAAnswer](t, w); got.MFAToken != "" || got.Reason != "" {
		t.Fatalf("wrong password: %+v", got)
	}
}
