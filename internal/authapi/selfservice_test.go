package authapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestBodyFieldsEveryRoute checks that every route that takes a POST has
// its list of fields, so that none ignores an unknown one.
func TestBodyFieldsEveryRoute(t *testing.T) {
	for p, rt := range routes {
		for _, m := range rt.methods {
			if _, ok := bodyFields[p]; m == http.MethodPost && !ok {
				t.Errorf("route %s takes POST but has no bodyFields entry", p)
			}
		}
	}
	for p := range bodyFields {
		if _, ok := routes[p]; !ok {
			t.Errorf("bodyFields names %s, which is no route", p)
		}
	}
}

// TestUnknownFieldsRefused checks that a field an endpoint does not take
// is refused with 400 naming it, in a form and in JSON, before anything
// is done; /auth/signin used to ignore invite and phone.
func TestUnknownFieldsRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.register("known@example.com", "Known")
	w := e.do(post("/auth/login", "username", "known@example.com", "password", password, "remember", "on"))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["remember"] != "unknown field" || a.Code != acct.CodeInvalid {
		t.Fatalf("answer %+v", a)
	}
	w = e.do(req{method: http.MethodPost, path: "/auth/lost_password", json: `{"email":"known@example.com","captcha":"x"}`})
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["captcha"] != "unknown field" {
		t.Fatalf("answer %+v", a)
	}
	if len(e.notes.Notices()) != 0 {
		t.Fatal("a refused request sent something")
	}
}

// TestSigninPhoneInvite checks that /auth/signin takes phone, username and
// invite and hands them to SignUp; a sign-up by phone alone needs SMS.
func TestSigninPhoneInvite(t *testing.T) {
	e := newEnv(t, nil)
	ref := e.register("ref@example.com", "Ref")
	q := post("/auth/signin", "phone", "+14155550123", "username", "pat", "invite", ref.ReferralCode,
		"password", password, "firstname", "Pat", "lastname", "Phone")
	w := e.do(q)
	wantStatus(t, w, http.StatusBadRequest) // SMS is off
	e = newEnv(t, func(o *Options) { o.SMS = true })
	ref = e.register("ref@example.com", "Ref")
	q.form.Set("invite", ref.ReferralCode)
	w = e.do(q)
	wantStatus(t, w, http.StatusOK)
	if a := decode[Answer](t, w); a.Message != msgSigninSMS {
		t.Fatalf("answer %+v", a)
	}
	if _, err := e.svc.RunJobs(context.Background(), acct.JobRun{}); err != nil {
		t.Fatal(err)
	}
	u, err := e.svc.User(context.Background(), "pat")
	if err != nil || u.Phone != "+14155550123" || u.Status != acct.StatusPending || u.ReferredBy == nil || *u.ReferredBy != ref.ID {
		t.Fatalf("signed up %+v, %v", u, err)
	}
	ns := e.notes.Notices()
	if len(ns) != 1 || ns[0].Channel != acct.ChannelSMS {
		t.Fatalf("notices %+v", ns)
	}
	// A wrong code and an unknown number: one answer.
	bad := func(phone string) string {
		w := e.do(post("/auth/signin/verify", "phone", phone, "code", "000000"))
		wantStatus(t, w, http.StatusUnauthorized)
		return w.Body.String()
	}
	if a, b := bad("+14155550123"), bad("+14155550199"); a != b {
		t.Fatalf("answers differ: %s / %s", a, b)
	}
	w = e.do(post("/auth/signin/verify", "phone", "+14155550123", "code", ns[0].Data.Code))
	wantStatus(t, w, http.StatusOK)
	if b := bad("+14155550123"); !strings.Contains(b, msgBadCode) {
		t.Fatalf("used code: %s", b)
	}
}

// TestSelfServiceNeedsSession checks that the endpoints of the signed-in
// user answer 401 without a session, and 403 for a cross-site request
// with one.
func TestSelfServiceNeedsSession(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SMS = true })
	e.register("known@example.com", "Known")
	c, _ := e.login("known@example.com", false)
	for _, q := range []req{
		post("/auth/email", "email", "a@example.com"),
		post("/auth/phone", "phone", "+14155550123"),
		post("/auth/phone/verify", "phone", "+14155550123", "code", "123456"),
		post("/auth/personal_data", "firstname", "A", "lastname", "B"),
		post("/auth/delete_account", "password", password),
	} {
		wantStatus(t, e.do(q), http.StatusUnauthorized)
		cross := withSession(q, c)
		cross.header["Origin"] = "https://evil.example"
		wantStatus(t, e.do(cross), http.StatusForbidden)
	}
	u, _ := e.svc.User(context.Background(), "known@example.com")
	if u.Status != acct.StatusActive || u.FirstName != "Known" {
		t.Fatalf("changed by a refused request: %+v", u)
	}
}

// TestPreregisterSameAnswer checks that /auth/preregister answers alike
// for a new address, a listed one and an account's.
func TestPreregisterSameAnswer(t *testing.T) {
	e := newEnv(t, nil)
	e.register("known@example.com", "Known")
	var first string
	for _, a := range []string{"new@example.com", "NEW@example.com", "known@example.com"} {
		w := e.do(post("/auth/preregister", "email", a))
		wantStatus(t, w, http.StatusOK)
		if first == "" {
			first = w.Body.String()
		} else if w.Body.String() != first {
			t.Fatalf("%s: %s, want %s", a, w.Body.String(), first)
		}
	}
}

// TestDeleteAccount checks /auth/delete_account: a wrong password is 401
// and holds nothing; the right one holds the account for DeletionHold,
// ends the session and clears the cookies.
func TestDeleteAccount(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.DeletionHold = 48 * 3600e9 })
	e.register("known@example.com", "Known")
	c, _ := e.login("known@example.com", false)
	w := e.do(withSession(post("/auth/delete_account", "password", "wrong wrong wrong wrong"), c))
	wantStatus(t, w, http.StatusUnauthorized)
	w = e.do(withSession(post("/auth/delete_account", "password", password), c))
	wantStatus(t, w, http.StatusOK)
	a := decode[HoldAnswer](t, w)
	if !a.HoldUntil.Equal(e.clock.Now().Add(48 * 3600e9)) {
		t.Fatalf("hold until %s", a.HoldUntil)
	}
	if got := cookie(t, w, DefaultCookieName); got.MaxAge >= 0 {
		t.Fatalf("session cookie not cleared: %+v", got)
	}
	wantStatus(t, e.do(withSession(req{method: http.MethodGet, path: "/auth/session"}, c)), http.StatusUnauthorized)
	u, _ := e.svc.User(context.Background(), "known@example.com")
	if u.Status != acct.StatusHeld {
		t.Fatalf("status %s", u.Status)
	}
}
