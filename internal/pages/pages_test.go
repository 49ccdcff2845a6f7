package pages

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/sqlite"
)

const (
	publicURL = "https://accounts.example.com/welcome?from=mail"
	newPass   = "seven tired otters nap on driftwood"
)

type env struct {
	t     *testing.T
	svc   *acct.Local
	clock *accttest.Clock
	notes *accttest.Recorder
	h     http.Handler
	logs  *bytes.Buffer
}

// newEnv serves the pages over Local on a fresh SQLite store, the links
// pointing at them; tune may change the pages' options.
func newEnv(t *testing.T, tune func(*Options)) *env {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: accttest.NewClock(accttest.Start), notes: &accttest.Recorder{}, logs: &bytes.Buffer{}}
	local, err := acct.NewLocal(store, acct.Options{Now: e.clock.Now, Argon2: accttest.FastArgon2, Actor: "tester",
		Secret: accttest.Secret, Notifier: e.notes, PublicURL: LinkURL(publicURL), RequireVerified: true,
		ActivationTTL: 2 * time.Hour, HashPool: acct.NewHashPool(0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	e.svc = local
	opt := Options{PublicURL: publicURL, Log: slog.New(slog.NewTextHandler(e.logs, nil))}
	if tune != nil {
		tune(&opt)
	}
	e.h = New(local, opt)
	return e
}

// req is one request from a browser on https://accounts.example.com.
type req struct {
	method, path string
	form         url.Values
	cookies      []*http.Cookie
	header       map[string]string
}

func (e *env) do(q req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body *strings.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(q.method, "https://accounts.example.com"+q.path, body)
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// open follows a mailed link as a browser does: the landing page's
// redirect, then the page. It returns the page and the cookie.
func (e *env) open(link string) (*httptest.ResponseRecorder, *http.Cookie) {
	e.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		e.t.Fatal(err)
	}
	w := e.do(req{method: http.MethodGet, path: u.RequestURI()})
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("GET %s: %d, want 303\n%s", u.Path, w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	res := w.Result()
	if len(res.Cookies()) != 1 {
		e.t.Fatalf("landing set cookies %v, want one", res.Cookies())
	}
	c := res.Cookies()[0]
	return e.do(req{method: http.MethodGet, path: loc, cookies: []*http.Cookie{c}}), c
}

// lastLink is the link of the last notice.
func (e *env) lastLink() string {
	e.t.Helper()
	n := e.notes.Notices()
	if len(n) == 0 {
		e.t.Fatal("no notice")
	}
	return n[len(n)-1].Data.URL
}

// csrfOf reads the form's CSRF token.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	const attr = `name="csrf" value="`
	i := strings.Index(page, attr)
	if i < 0 {
		t.Fatalf("no csrf field in\n%s", page)
	}
	rest := page[i+len(attr):]
	return rest[:strings.IndexByte(rest, '"')]
}

func wantPage(t *testing.T, w *httptest.ResponseRecorder, status int, texts ...string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d\n%s", w.Code, status, w.Body)
	}
	for _, s := range texts {
		if !strings.Contains(w.Body.String(), s) {
			t.Fatalf("the page lacks %q:\n%s", s, w.Body)
		}
	}
	h := w.Header()
	for k, v := range map[string]string{"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer",
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store",
		"Content-Type": "text/html; charset=utf-8"} {
		if h.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, h.Get(k), v)
		}
	}
	if strings.Contains(strings.ToLower(w.Body.String()), "<script") || strings.Contains(w.Body.String(), "style=") {
		t.Errorf("a script or an inline style, which the policy forbids:\n%s", w.Body)
	}
}

func (e *env) register(email string, pending bool) *acct.User {
	e.t.Helper()
	u, err := e.svc.Register(context.Background(), acct.NewUser{Email: email, Password: accttest.GoodPassword, Pending: pending})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) forgot(email string) string {
	e.t.Helper()
	if err := e.svc.ForgotPassword(context.Background(), email); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.RunJobs(context.Background(), acct.JobRun{}); err != nil {
		e.t.Fatal(err)
	}
	return e.lastLink()
}

func TestResetPage(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", false)
	link := e.forgot("alice@example.com")
	if !strings.HasPrefix(link, "https://accounts.example.com/auth/pages/link?token=") {
		t.Fatalf("the mailed link %q does not point at the pages", link)
	}
	token := strings.TrimPrefix(link, "https://accounts.example.com/auth/pages/link?token=")

	// The landing page moves the token into a cookie for the reset page
	// only, and sends the browser to an address without it.
	w := e.do(req{method: http.MethodGet, path: "/auth/pages/link?token=" + token})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != ResetPath {
		t.Fatalf("landing: %d %q", w.Code, w.Header().Get("Location"))
	}
	c := w.Result().Cookies()[0]
	if c.Name != ResetCookie || c.Value != token || c.Path != ResetPath || !c.HttpOnly || !c.Secure ||
		c.SameSite != http.SameSiteLaxMode || c.MaxAge != 3600 {
		t.Fatalf("cookie %+v", c)
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("landing without Referrer-Policy")
	}

	page, _ := e.open(link)
	wantPage(t, page, http.StatusOK, "<h1>Choose a new password</h1>", `<html lang="en">`,
		`<label for="password">New password</label>`, `id="password" name="password" autocomplete="new-password" required`,
		`<label for="confirmation">New password again</label>`, `id="confirmation" name="confirmation" autocomplete="new-password"`,
		`<form method="post" action="/auth/pages/reset">`, `<link rel="stylesheet" href="/auth/pages/style.css">`)
	if strings.Contains(page.Body.String(), token) {
		t.Fatal("the page repeats the token")
	}
	csrf := csrfOf(t, page.Body.String())
	post := func(pw, again string) *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodPost, path: ResetPath, cookies: []*http.Cookie{c},
			form:   url.Values{"csrf": {csrf}, "password": {pw}, "confirmation": {again}},
			header: map[string]string{"Origin": "https://accounts.example.com", "Sec-Fetch-Site": "same-origin"}})
	}

	// The policy's refusal is shown on the form, which stays usable.
	w = post("short", "short")
	wantPage(t, w, http.StatusForbidden, "<h1>Choose a new password</h1>", `role="alert"`, "This password cannot be used:",
		"too short: 5 characters, at least 15 needed", `aria-invalid="true" aria-describedby="form-error"`)
	if csrfOf(t, w.Body.String()) != csrf {
		t.Fatal("the form's token changed")
	}
	wantPage(t, post(newPass, newPass+"!"), http.StatusBadRequest, "The two passwords differ")
	wantPage(t, post("", ""), http.StatusBadRequest, "Type the new password in both fields")

	w = post(newPass, newPass)
	wantPage(t, w, http.StatusOK, "<h1>Your password is set</h1>", `<a href="https://accounts.example.com/welcome">Log in</a>`)
	if got := w.Result().Cookies(); len(got) != 1 || got[0].Name != ResetCookie || got[0].MaxAge >= 0 {
		t.Fatalf("the cookie is not cleared: %v", got)
	}
	if _, err := e.svc.Login(context.Background(), acct.Login{Ref: "alice@example.com", Password: newPass}); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	// Once more: used.
	wantPage(t, post(newPass, newPass), http.StatusGone, "<h1>This link was used already</h1>", "ask for a new link")
}

func TestResetLinkStates(t *testing.T) {
	e := newEnv(t, nil)
	e.register("bob@example.com", false)
	post := func(token string) *httptest.ResponseRecorder {
		c := &http.Cookie{Name: ResetCookie, Value: token}
		return e.do(req{method: http.MethodPost, path: ResetPath, cookies: []*http.Cookie{c},
			form: url.Values{"csrf": {csrfToken("reset", token)}, "password": {newPass}, "confirmation": {newPass}}})
	}
	wantPage(t, post("7KQ2-MX9D-4TFA-R1ZC"), http.StatusNotFound, "<h1>This link is not valid</h1>")
	wantPage(t, post("not a token"), http.StatusNotFound, "<h1>This link is not valid</h1>")

	older := e.forgot("bob@example.com")
	newer := e.forgot("bob@example.com")
	tokenOf := func(link string) string { u, _ := url.Parse(link); return u.Query().Get("token") }
	wantPage(t, post(tokenOf(older)), http.StatusGone, "<h1>This link was used already</h1>", "a newer link replaces")

	e.clock.Advance(2 * time.Hour)
	wantPage(t, post(tokenOf(newer)), http.StatusGone, "<h1>This link has expired</h1>", "ask for a new link")
	// With the forgot page on, the page links to it.
	e.h = New(e.svc, Options{PublicURL: publicURL, Forgot: true})
	wantPage(t, post(tokenOf(newer)), http.StatusGone, "<h1>This link has expired</h1>", `<a href="/auth/pages/forgot">Ask for a new link</a>`)

	// Without the cookie (a bookmark of the page, an old tab): unknown.
	wantPage(t, e.do(req{method: http.MethodGet, path: ResetPath}), http.StatusNotFound, "<h1>This link is not valid</h1>")
	wantPage(t, e.do(req{method: http.MethodGet, path: LinkPath}), http.StatusNotFound, "<h1>This link is not valid</h1>")
	wantPage(t, e.do(req{method: http.MethodGet, path: LinkPath + "?token=" + strings.Repeat("A", 201)}), http.StatusNotFound)
	wantPage(t, e.do(req{method: http.MethodGet, path: LinkPath + "?token=AB%3BCD"}), http.StatusNotFound) // a ; would end the cookie
	wantPage(t, e.do(req{method: http.MethodGet, path: Prefix + "nowhere"}), http.StatusNotFound)
	w := e.do(req{method: http.MethodPut, path: ResetPath})
	wantPage(t, w, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("Allow %q", w.Header().Get("Allow"))
	}
}

func TestResetRefusesCrossSite(t *testing.T) {
	e := newEnv(t, nil)
	e.register("carol@example.com", false)
	link := e.forgot("carol@example.com")
	page, c := e.open(link)
	csrf := csrfOf(t, page.Body.String())
	form := func(token string) url.Values {
		return url.Values{"csrf": {token}, "password": {newPass}, "confirmation": {newPass}}
	}
	for name, q := range map[string]req{
		"no token":       {form: url.Values{"password": {newPass}, "confirmation": {newPass}}},
		"wrong token":    {form: form(csrfToken("reset", "another"))},
		"confirm token":  {form: form(csrfToken("confirm", c.Value))},
		"cross-site":     {form: form(csrf), header: map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"foreign origin": {form: form(csrf), header: map[string]string{"Origin": "https://evil.example"}},
	} {
		t.Run(name, func(t *testing.T) {
			q.method, q.path, q.cookies = http.MethodPost, ResetPath, []*http.Cookie{c}
			wantPage(t, e.do(q), http.StatusForbidden, "<h1>This form cannot be sent</h1>")
		})
	}
	// Nothing changed: the link still works, from the same origin.
	w := e.do(req{method: http.MethodPost, path: ResetPath, cookies: []*http.Cookie{c}, form: form(csrf),
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	wantPage(t, w, http.StatusOK, "Your password is set")
}

func TestConfirmPage(t *testing.T) {
	e := newEnv(t, nil)
	u := e.register("dave@example.com", true)
	link := e.lastLink()
	if !strings.HasPrefix(link, "https://accounts.example.com/auth/pages/link?confirm=") {
		t.Fatalf("the activation link %q does not point at the pages", link)
	}
	// GET changes nothing (a mail scanner that follows the link activates
	// nothing): the page asks.
	page, c := e.open(link)
	if c.Name != ConfirmCookie || c.Path != ConfirmPath {
		t.Fatalf("cookie %+v", c)
	}
	wantPage(t, page, http.StatusOK, "<h1>Confirm your email address</h1>", `<form method="post" action="/auth/pages/confirm">`,
		`<button type="submit">Confirm the address</button>`)
	if got, _ := e.svc.User(context.Background(), "dave@example.com"); got.Status != acct.StatusPending {
		t.Fatalf("status %s after GET, want pending", got.Status)
	}
	post := func() *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodPost, path: ConfirmPath, cookies: []*http.Cookie{c},
			form: url.Values{"csrf": {csrfOf(t, page.Body.String())}}, header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	}
	wantPage(t, post(), http.StatusOK, "<h1>Your email address is confirmed</h1>", ">Log in</a>")
	if got, _ := e.svc.User(context.Background(), "dave@example.com"); got.Status != acct.StatusActive || !got.EmailVerified {
		t.Fatalf("user %d after the confirmation: %+v", u.ID, got)
	}
	wantPage(t, post(), http.StatusOK, "<h1>This link was used already</h1>", "the address is confirmed")

	// Expired, voided, unknown.
	e.register("erin@example.com", true)
	first := e.lastLink()
	if _, err := e.svc.SendActivation(context.Background(), "erin@example.com"); err != nil {
		t.Fatal(err)
	}
	second := e.lastLink()
	// Opened, a link that cannot be used says so at once: no button.
	open := func(link string, status int, texts ...string) {
		t.Helper()
		p, _ := e.open(link)
		wantPage(t, p, status, texts...)
		if strings.Contains(p.Body.String(), "<form") {
			t.Fatalf("a form for a link that cannot be used:\n%s", p.Body)
		}
		if got := p.Result().Cookies(); len(got) != 1 || got[0].Name != ConfirmCookie || got[0].MaxAge >= 0 {
			t.Fatalf("the cookie of a dead link is not cleared: %v", got)
		}
	}
	open(link, http.StatusOK, "<h1>This link was used already</h1>", "the address is confirmed")
	open(first, http.StatusGone, "<h1>This link was used already</h1>")
	open(LinkPath+"?confirm=7KQ2MX9D4TFAR1ZC7KQ2MX9D4TFA", http.StatusNotFound, "<h1>This link is not valid</h1>")
	// The newer link works: opened (by a mail scanner too) any number of
	// times, it is still unused.
	for range 5 {
		p, _ := e.open(second)
		wantPage(t, p, http.StatusOK, `<button type="submit">Confirm the address</button>`)
	}
	if got, _ := e.svc.User(context.Background(), "erin@example.com"); got.Status != acct.StatusPending {
		t.Fatalf("status %s after GETs, want pending", got.Status)
	}
	e.clock.Advance(2 * time.Hour)
	open(second, http.StatusGone, "<h1>This link has expired</h1>")
	// A form opened before the link expired and posted after: the same page.
	p, c := e.open(e.lastLinkAfter(func() {
		if _, err := e.svc.SendActivation(context.Background(), "erin@example.com"); err != nil {
			t.Fatal(err)
		}
	}))
	e.clock.Advance(2 * time.Hour)
	w := e.do(req{method: http.MethodPost, path: ConfirmPath, cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfOf(t, p.Body.String())}}})
	wantPage(t, w, http.StatusGone, "<h1>This link has expired</h1>")
}

// lastLinkAfter runs send and returns the link of the notice it sent.
func (e *env) lastLinkAfter(send func()) string {
	e.t.Helper()
	send()
	return e.lastLink()
}

// TestResetPageChecksTheLink: a reset link that cannot be used gets its
// page when it is opened, with its status, and no form; checking a link
// does not use it.
func TestResetPageChecksTheLink(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Forgot = true })
	e.register("gus@example.com", false)
	older := e.forgot("gus@example.com")
	link := e.forgot("gus@example.com")
	open := func(link string, status int, texts ...string) {
		t.Helper()
		p, _ := e.open(link)
		wantPage(t, p, status, texts...)
		if strings.Contains(p.Body.String(), "<form") || strings.Contains(p.Body.String(), "gus@example.com") {
			t.Fatalf("a form, or the account's address, for a link that cannot be used:\n%s", p.Body)
		}
	}
	open(older, http.StatusGone, "<h1>This link was used already</h1>", `<a href="/auth/pages/forgot">Ask for a new link</a>`)
	open(LinkPath+"?token=7KQ2-MX9D-4TFA-R1ZC", http.StatusNotFound, "<h1>This link is not valid</h1>")
	open(LinkPath+"?token=nonsense", http.StatusNotFound, "<h1>This link is not valid</h1>")
	var page *httptest.ResponseRecorder
	var c *http.Cookie
	for range 5 {
		page, c = e.open(link)
		wantPage(t, page, http.StatusOK, "<h1>Choose a new password</h1>")
		if strings.Contains(page.Body.String(), "gus@example.com") {
			t.Fatal("the page names the account")
		}
	}
	w := e.do(req{method: http.MethodPost, path: ResetPath, cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfOf(t, page.Body.String())}, "password": {newPass}, "confirmation": {newPass}}})
	wantPage(t, w, http.StatusOK, "<h1>Your password is set</h1>")
	open(link, http.StatusGone, "<h1>This link was used already</h1>")
	expired := e.forgot("gus@example.com")
	e.clock.Advance(2 * time.Hour)
	open(expired, http.StatusGone, "<h1>This link has expired</h1>")
	// An operator's lock voids the account's links: said at once.
	lockedLink := e.forgot("gus@example.com")
	if _, err := e.svc.LockUser(context.Background(), "gus@example.com", acct.LockOptions{Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	open(lockedLink, http.StatusGone, "<h1>This link was used already</h1>")
}

func TestLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Limit = authapi.NewLimiter(authapi.Rate{Events: 1, Per: time.Minute}, nil, nil)
	})
	c := &http.Cookie{Name: ResetCookie, Value: "7KQ2-MX9D-4TFA-R1ZC"}
	q := req{method: http.MethodPost, path: ResetPath, cookies: []*http.Cookie{c},
		form: url.Values{"csrf": {csrfToken("reset", c.Value)}, "password": {newPass}, "confirmation": {newPass}}}
	wantPage(t, e.do(q), http.StatusNotFound)
	w := e.do(q)
	wantPage(t, w, http.StatusTooManyRequests, "Too many attempts")
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Opening a page checks its link: limited as a post is, so a page is
	// no faster oracle for guessing links.
	w = e.do(req{method: http.MethodGet, path: ResetPath, cookies: []*http.Cookie{c}})
	wantPage(t, w, http.StatusTooManyRequests, "Too many attempts")
}

func TestStyle(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(req{method: http.MethodGet, path: StylePath})
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(w.Body.String(), "main {") {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
}

// TestTexts: every translation has every text, and every page renders
// in it.
func TestTexts(t *testing.T) {
	for _, tr := range translations {
		v := reflect.ValueOf(*tr)
		for i := range v.NumField() {
			if v.Field(i).String() == "" {
				t.Errorf("%s: %s is empty", tr.Lang, v.Type().Field(i).Name)
			}
		}
		for _, vw := range []*view{
			{T: tr, Kind: "reset", Title: tr.ResetTitle, Error: tr.PasswordRefused, Detail: "too short"},
			{T: tr, Kind: "confirm", Title: tr.ConfirmTitle},
			{T: tr, Kind: "forgot", Title: tr.ForgotTitle, Error: tr.EmailInvalid, Detail: "no @", Email: "x"},
			{T: tr, Kind: "message", Title: tr.ExpiredTitle, Text: []string{tr.ExpiredText}, Link: "https://app/", LinkText: tr.LogIn},
		} {
			var b strings.Builder
			if err := tmpl.ExecuteTemplate(&b, "page", vw); err != nil {
				t.Errorf("%s %s: %v", tr.Lang, vw.Kind, err)
			}
		}
	}
	// Every translation but the fallback says every text in its own words
	// (a text copied from English is an untranslated one).
	en := reflect.ValueOf(english)
	for _, tr := range translations[1:] {
		v := reflect.ValueOf(*tr)
		for i := range v.NumField() {
			if v.Field(i).String() == en.Field(i).String() {
				t.Errorf("%s: %s is the English text %q", tr.Lang, v.Type().Field(i).Name, v.Field(i).String())
			}
		}
	}
	for header, want := range map[string]string{
		"":                   "en",
		"de-CH":              "en",
		"de-CH, fr;q=0.8":    "fr",
		"fr-CA":              "fr",
		"FR":                 "fr",
		"en-GB, fr;q=0.9":    "en",
		"fr;q=0.9, en;q=0.5": "fr",
		"nonsense;;q=x":      "en",
		"*":                  "en",
	} {
		if got := textsFor(header); got.Lang != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got.Lang, want)
		}
	}
}

// TestFrenchPages: a browser that asks for French gets the pages in
// French, the page's lang saying so.
func TestFrenchPages(t *testing.T) {
	e := newEnv(t, nil)
	e.register("zoe@example.com", false)
	link := e.forgot("zoe@example.com")
	u, _ := url.Parse(link)
	fr := map[string]string{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
	w := e.do(req{method: http.MethodGet, path: u.RequestURI(), header: fr})
	c := w.Result().Cookies()[0]
	w = e.do(req{method: http.MethodGet, path: ResetPath, cookies: []*http.Cookie{c}, header: fr})
	wantPage(t, w, http.StatusOK, `<html lang="fr">`, "<h1>Choisissez un nouveau mot de passe</h1>",
		`<label for="password">Nouveau mot de passe</label>`, "<title>Choisissez un nouveau mot de passe – Comptes</title>")
	if w.Header().Get("Content-Language") != "fr" || w.Header().Get("Vary") != "Accept-Language" {
		t.Errorf("Content-Language %q, Vary %q", w.Header().Get("Content-Language"), w.Header().Get("Vary"))
	}
	w = e.do(req{method: http.MethodGet, path: LinkPath + "?token=AB%3BCD", header: fr})
	wantPage(t, w, http.StatusNotFound, `<html lang="fr">`, "Ce lien n’est pas valide")
}

func TestLinks(t *testing.T) {
	for _, tc := range []struct {
		public, link, login string
		atServer            bool
	}{
		{"https://app.example.com/reset/{code}?via=mail", "https://app.example.com/auth/pages/link", "https://app.example.com/reset/", false},
		{"https://accounts.example.com", "https://accounts.example.com/auth/pages/link", "https://accounts.example.com", false},
		{"https://accounts.example.com/auth/signin", "https://accounts.example.com/auth/pages/link", "", true},
		{"http://127.0.0.1:8080/auth/pages/link", "http://127.0.0.1:8080/auth/pages/link", "", true},
		{"https://app.example.com/authors/", "https://app.example.com/auth/pages/link", "https://app.example.com/authors/", false},
		{"", "", "", false},
	} {
		if got := AtServer(tc.public); got != tc.atServer {
			t.Errorf("AtServer(%q) = %v", tc.public, got)
		}
		if got := LinkURL(tc.public); got != tc.link {
			t.Errorf("LinkURL(%q) = %q, want %q", tc.public, got, tc.link)
		}
		if got := loginURL(tc.public); got != tc.login {
			t.Errorf("loginURL(%q) = %q, want %q", tc.public, got, tc.login)
		}
	}
}

func TestForgotPage(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.Forgot = true
		o.AccountLimit = authapi.NewLimiter(authapi.Rate{Events: 2, Per: time.Hour}, nil, nil)
	})
	e.register("fay@example.com", false)
	w := e.do(req{method: http.MethodGet, path: ForgotPath})
	wantPage(t, w, http.StatusOK, "<h1>Forgot your password?</h1>", `<label for="email">Email address</label>`,
		`type="email" id="email" name="email" autocomplete="email" required`, `<form method="post" action="/auth/pages/forgot">`)
	c := w.Result().Cookies()[0]
	if c.Name != ForgotCookie || c.Path != ForgotPath || !c.HttpOnly || len(c.Value) < 40 {
		t.Fatalf("cookie %+v", c)
	}
	csrf := csrfOf(t, w.Body.String())
	post := func(email string, c *http.Cookie, csrf string) *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodPost, path: ForgotPath, cookies: []*http.Cookie{c},
			form: url.Values{"csrf": {csrf}, "email": {email}}, header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	}
	// A known and an unknown address get the same page.
	known, unknown := post("Fay@Example.com", c, csrf), post("nobody@example.com", c, csrf)
	wantPage(t, known, http.StatusOK, "<h1>Check your email</h1>", "If the address belongs to an account")
	if known.Body.String() != unknown.Body.String() {
		t.Fatalf("the answers differ:\n%s\n%s", known.Body, unknown.Body)
	}
	if _, err := e.svc.RunJobs(context.Background(), acct.JobRun{}); err != nil {
		t.Fatal(err)
	}
	if n := e.notes.Notices(); len(n) != 1 || n[0].To != "fay@example.com" || !strings.Contains(n[0].Data.URL, "/auth/pages/link?token=") {
		t.Fatalf("notices %+v", n)
	}
	w = post("not an address", c, csrf)
	wantPage(t, w, http.StatusBadRequest, "This is not an email address:", `value="not an address"`, `role="alert"`)
	wantPage(t, post("fay@example.com", c, csrf), http.StatusOK)
	wantPage(t, post("fay@example.com", c, csrf), http.StatusTooManyRequests) // the address's bucket
	// Another site's form, or one without the cookie, is refused.
	wantPage(t, post("fay@example.com", c, csrfToken("forgot", "planted")), http.StatusForbidden, "This form cannot be sent")
	wantPage(t, e.do(req{method: http.MethodPost, path: ForgotPath, form: url.Values{"csrf": {csrf}, "email": {"fay@example.com"}}}),
		http.StatusForbidden, "This form cannot be sent")

	// Off (no mail delivery): an unknown page.
	e.h = New(e.svc, Options{PublicURL: publicURL})
	wantPage(t, e.do(req{method: http.MethodGet, path: ForgotPath}), http.StatusNotFound, "This link is not valid")
}
