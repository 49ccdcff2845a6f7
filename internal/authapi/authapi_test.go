package authapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/api"
	"github.com/acctl/acctl/internal/forwarded"
	"github.com/acctl/acctl/internal/sqlite"
)

const (
	password  = accttest.GoodPassword
	publicURL = "https://app.example.com/welcome?from=mail"
	appURL    = "https://app.example.com/welcome"
)

type env struct {
	t     *testing.T
	svc   acct.Service
	clock *accttest.Clock // the Service's
	limit *accttest.Clock // the limits'
	notes *accttest.Recorder
	h     http.Handler
	logs  *bytes.Buffer
}

// newEnv serves the auth API over Local on a fresh SQLite store; tune may
// change the handler's options.
func newEnv(t *testing.T, tune func(*Options)) *env {
	t.Helper()
	return newEnvAcct(t, tune, nil)
}

// newEnvPool is newEnv with the hashing pool that the Service uses.
func newEnvPool(t *testing.T, pool *acct.HashPool, tune func(*Options)) *env {
	return newEnvAcct(t, tune, func(o *acct.Options) { o.HashPool = pool })
}

// newEnvAcct is newEnv where tuneAcct may also change Local's options.
func newEnvAcct(t *testing.T, tune func(*Options), tuneAcct func(*acct.Options)) *env {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: accttest.NewClock(accttest.Start), limit: accttest.NewClock(accttest.Start),
		notes: &accttest.Recorder{}, logs: &bytes.Buffer{}}
	ao := acct.Options{Now: e.clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations, Actor: "tester",
		Secret: accttest.Secret, Notifier: e.notes, PublicURL: publicURL, RequireVerified: true,
		HashPool: acct.NewHashPool(0, -1)}
	if tuneAcct != nil {
		tuneAcct(&ao)
	}
	local, err := acct.NewLocal(store, ao)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	e.svc = local
	opt := Options{PublicURL: publicURL, Signin: true, LostPassword: true,
		LimitClock: e.limit.Now, Now: e.clock.Now,
		Log: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if tune != nil {
		tune(&opt)
	}
	e.h = New(local, opt)
	return e
}

// register makes an active account.
func (e *env) register(email, first string) *acct.User {
	e.t.Helper()
	u, err := e.svc.Register(context.Background(), acct.NewUser{Email: email, FirstName: first, LastName: "Doe", Password: password})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// req describes one request.
type req struct {
	method, path string
	form         url.Values // sent as a form
	json         string     // sent as JSON when not ""
	header       map[string]string
	cookies      []*http.Cookie
	remote       string // RemoteAddr, default 192.0.2.1:1234
	host         string // default example.com
	tls          bool
}

func (e *env) do(q req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body *strings.Reader
	ct := ""
	switch {
	case q.json != "":
		body, ct = strings.NewReader(q.json), "application/json"
	case q.form != nil:
		body, ct = strings.NewReader(q.form.Encode()), "application/x-www-form-urlencoded"
	default:
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(q.method, q.path, body)
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	if q.host != "" {
		r.Host = q.host
	}
	if q.tls {
		r.TLS = &tls.ConnectionState{}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func post(path string, kv ...string) req {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return req{method: http.MethodPost, path: path, form: f}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return v
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
}

// cookie returns the cookie named name that w sets.
func cookie(t *testing.T, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no cookie %s in %v", name, w.Header().Values("Set-Cookie"))
	return nil
}

// login logs in and returns the session cookie.
func (e *env) login(ref string, keep bool) (*http.Cookie, SessionAnswer) {
	e.t.Helper()
	q := post("/auth/login", "username", ref, "password", password)
	if keep {
		q.form.Set("keep", "on")
	}
	w := e.do(q)
	wantStatus(e.t, w, http.StatusOK)
	return cookie(e.t, w, DefaultCookieName), decode[SessionAnswer](e.t, w)
}

// withSession sends the session cookie and a same-origin Origin.
func withSession(q req, c *http.Cookie) req {
	q.cookies = append(q.cookies, c)
	if q.header == nil {
		q.header = map[string]string{}
	}
	q.header["Origin"] = "https://example.com"
	return q
}

func TestLoginAnswersAndCookies(t *testing.T) {
	e := newEnv(t, nil)
	u := e.register("alice@example.com", "Alice")

	for _, q := range []req{
		post("/auth/login", "username", "alice@example.com", "password", password),
		post("/auth/login", "email", "ALICE@example.com", "password", password),
		{method: http.MethodPost, path: "/auth/login", json: `{"username":"alice@example.com","password":"` + password + `","keep":false}`},
	} {
		w := e.do(q)
		wantStatus(t, w, http.StatusOK)
		a := decode[SessionAnswer](t, w)
		if !a.Success || a.UserID != u.ID || a.Fullname != "Alice Doe" || a.User.Email != "alice@example.com" || a.Session.ID == "" || a.Session.Persistent {
			t.Errorf("answer %+v", a)
		}
		c := cookie(t, w, DefaultCookieName)
		if !strings.HasPrefix(c.Value, "acctl_sess_") || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Errorf("session cookie %+v", c)
		}
		if strings.Contains(w.Body.String(), c.Value) {
			t.Errorf("the token is in the body")
		}
		csrf := cookie(t, w, "acctl_csrf")
		if csrf.HttpOnly || csrf.Value != a.CSRFToken || csrf.Value != csrfToken(c.Value) {
			t.Errorf("csrf cookie %+v, answer %q", csrf, a.CSRFToken)
		}
		for _, bad := range []string{"failed_logins", "lock_reason", "has_password", "password", `"token":`} {
			if strings.Contains(w.Body.String(), bad) {
				t.Errorf("answer shows %q: %s", bad, w.Body.String())
			}
		}
		info, err := e.svc.ValidateSession(context.Background(), c.Value)
		if err != nil || info.User.ID != u.ID {
			t.Errorf("the cookie is not a session: %v", err)
		}
	}

	// keep: Max-Age up to the absolute deadline (720h by default).
	q := post("/auth/login", "username", "alice@example.com", "password", password, "keep", "true")
	w := e.do(q)
	wantStatus(t, w, http.StatusOK)
	if c := cookie(t, w, DefaultCookieName); c.MaxAge != int((720 * time.Hour).Seconds()) {
		t.Errorf("keep cookie Max-Age %d", c.MaxAge)
	}
	if a := decode[SessionAnswer](t, w); !a.Session.Persistent {
		t.Errorf("keep session not persistent")
	}

	// Plain HTTP to a loopback host: no Secure; over TLS or to another
	// host: Secure.
	for _, c := range []struct {
		host   string
		tls    bool
		secure bool
	}{{"127.0.0.1:8080", false, false}, {"localhost:8080", false, false}, {"[::1]:8080", false, false},
		{"127.0.0.1:8443", true, true}, {"accounts.example.com", false, true}} {
		q := post("/auth/login", "username", "alice@example.com", "password", password)
		q.host, q.tls = c.host, c.tls
		w := e.do(q)
		wantStatus(t, w, http.StatusOK)
		if got := cookie(t, w, DefaultCookieName).Secure; got != c.secure {
			t.Errorf("host %s tls %v: Secure %v, want %v", c.host, c.tls, got, c.secure)
		}
	}
}

// TestLoginReasons: after a right password, a login refused by the
// account's state says why (reason locked, unverified, held) and names
// the account (user_id, ez_api's LoginWait), with the status of its code;
// the same account with a wrong password answers as an unknown name.
func TestLoginReasons(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	locked := e.register("locked@example.com", "Lucy")
	if _, err := e.svc.LockUser(ctx, "locked@example.com", acct.LockOptions{Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	pending, err := e.svc.Register(ctx, acct.NewUser{Email: "pending@example.com", Password: password, Pending: true})
	if err != nil {
		t.Fatal(err)
	}
	held, err := e.svc.Register(ctx, acct.NewUser{Email: "held@example.com", Password: password, Pending: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Unregister(ctx, "held@example.com", acct.UnregisterOptions{Hold: time.Hour}); err != nil {
		t.Fatal(err)
	}
	unknown := e.do(post("/auth/login", "username", "nobody@example.com", "password", password))
	wantStatus(t, unknown, http.StatusUnauthorized)
	for _, c := range []struct {
		ref    string
		id     int64
		reason acct.Reason
	}{
		{"locked@example.com", locked.ID, acct.ReasonLocked},
		{"pending@example.com", pending.ID, acct.ReasonUnverified},
		{"held@example.com", held.ID, acct.ReasonHeld},
	} {
		w := e.do(post("/auth/login", "username", c.ref, "password", password))
		wantStatus(t, w, http.StatusForbidden)
		a := decode[WaitAnswer](t, w)
		if a.Success || a.Code != acct.CodeRefused || a.Reason != c.reason || a.UserID != c.id || a.Message == "" {
			t.Errorf("%s: answer %+v, want refused, reason %s, user %d", c.ref, a, c.reason, c.id)
		}
		if c.reason == acct.ReasonUnverified && !strings.Contains(a.Message, "activat") {
			t.Errorf("%s: %q does not say how to activate", c.ref, a.Message)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("%s: a refused login sets cookies", c.ref)
		}
		w = e.do(post("/auth/login", "username", c.ref, "password", "wrong password here"))
		if w.Code != unknown.Code || !bytes.Equal(w.Body.Bytes(), unknown.Body.Bytes()) {
			t.Errorf("%s, wrong password: %d %s, want the unknown name's %d %s", c.ref, w.Code, w.Body, unknown.Code, unknown.Body)
		}
	}
}

// TestConnect: GET /auth/connect answers the session and its account
// (ez_api's AuthOk) and changes nothing; without a valid session, 401
// with the reason: invalid (no cookie, no such token), expired, ended.
func TestConnect(t *testing.T) {
	e := newEnv(t, nil)
	u := e.register("alice@example.com", "Alice")
	get := func(cs ...*http.Cookie) *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodGet, path: "/auth/connect", cookies: cs})
	}
	refused := func(w *httptest.ResponseRecorder, reason acct.Reason) {
		t.Helper()
		wantStatus(t, w, http.StatusUnauthorized)
		if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeUnauthenticated || a.Reason != reason {
			t.Errorf("answer %+v, want unauthenticated, reason %s", a, reason)
		}
	}
	refused(get(), acct.ReasonInvalid)
	refused(get(&http.Cookie{Name: DefaultCookieName, Value: "acctl_sess_nothing"}), acct.ReasonInvalid)
	refused(get(&http.Cookie{Name: DefaultCookieName, Value: accttest.TokenPrefix + strings.Repeat("x", 43)}), acct.ReasonInvalid)

	c, login := e.login("alice@example.com", false)
	e.clock.Advance(2 * time.Minute)
	w := get(c)
	wantStatus(t, w, http.StatusOK)
	a := decode[SessionAnswer](t, w)
	if !a.Success || a.UserID != u.ID || a.User.Email != u.Email || a.Session.ID != login.Session.ID || a.CSRFToken != login.CSRFToken {
		t.Errorf("answer %+v", a)
	}
	if !a.Session.ExpiresAt.Equal(login.Session.ExpiresAt) || len(w.Result().Cookies()) != 0 {
		t.Errorf("connect changed the session: expires %v (was %v), cookies %v", a.Session.ExpiresAt, login.Session.ExpiresAt, w.Header().Values("Set-Cookie"))
	}
	wantStatus(t, e.do(req{method: http.MethodHead, path: "/auth/connect", cookies: []*http.Cookie{c}}), http.StatusOK)
	wantStatus(t, e.do(req{method: http.MethodPost, path: "/auth/connect", cookies: []*http.Cookie{c}}), http.StatusMethodNotAllowed)

	// Ended by a logout: ended, and the stale cookie goes. /auth/session
	// says the same.
	ended, _ := e.login("alice@example.com", false)
	wantStatus(t, e.do(withSession(post("/auth/logout"), ended)), http.StatusOK)
	w = get(ended)
	refused(w, acct.ReasonEnded)
	if got := cookie(t, w, DefaultCookieName); got.MaxAge != -1 {
		t.Errorf("cookie %+v", got)
	}
	refused(e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{ended}}), acct.ReasonEnded)

	// Idle past its deadline: expired.
	e.clock.Advance(25 * time.Hour)
	refused(get(c), acct.ReasonExpired)
	refused(e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{c}}), acct.ReasonExpired)
	if !IsRoute("/auth/connect") {
		t.Errorf("/auth/connect is not a route")
	}
}

func TestLoginNeverTellsWhetherTheAccountExists(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	locked := e.register("locked@example.com", "Lucy")
	if _, err := e.svc.LockUser(context.Background(), "locked@example.com", acct.LockOptions{Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Register(context.Background(), acct.NewUser{Email: "pending@example.com", Password: password, Pending: true}); err != nil {
		t.Fatal(err)
	}
	// An account whose deletion hold ran out: only a purge is left.
	e.register("gone@example.com", "Gone")
	if _, err := e.svc.Unregister(context.Background(), "gone@example.com", acct.UnregisterOptions{Hold: time.Second}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Second)
	ask := func(ref, pw string) *httptest.ResponseRecorder {
		return e.do(post("/auth/login", "username", ref, "password", pw))
	}
	ref := ask("nobody@example.com", "wrong password here")
	wantStatus(t, ref, http.StatusUnauthorized)
	for _, w := range []*httptest.ResponseRecorder{
		ask("alice@example.com", "wrong password here"),
		ask("ghost", "wrong password here"),
		// Before the password is proven, a locked or pending account
		// answers as an unknown one (after it, see TestLoginReasons).
		ask("locked@example.com", "wrong password here"),
		ask("pending@example.com", "wrong password here"),
		ask("gone@example.com", password), // the right password, after the hold ran out
		ask("12345", password),
	} {
		if w.Code != ref.Code || !bytes.Equal(w.Body.Bytes(), ref.Body.Bytes()) {
			t.Errorf("answer %d %s differs from the unknown account's %d %s", w.Code, w.Body, ref.Code, ref.Body)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("a failed login sets cookies")
		}
	}
	a := decode[Answer](t, ref)
	if a.Success || a.Message != msgBadLogin || a.Errors["username"] == "" || a.Errors["password"] == "" || a.Code != acct.CodeUnauthenticated {
		t.Errorf("answer %+v", a)
	}
	_ = locked

	// Missing fields: 400, naming them.
	w := e.do(post("/auth/login", "username", "alice@example.com"))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["password"] != "required" || a.Errors["username"] != "" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(post("/auth/login"))
	if a := decode[Answer](t, w); a.Errors["password"] != "required" || a.Errors["username"] != "required" {
		t.Errorf("answer %+v", a)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")

	// Without a session: 401, by GET and by POST.
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		w := e.do(req{method: m, path: "/auth/logout"})
		wantStatus(t, w, http.StatusUnauthorized)
		if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeUnauthenticated {
			t.Errorf("answer %+v", a)
		}
	}

	c, _ := e.login("alice@example.com", false)
	w := e.do(withSession(req{method: http.MethodPost, path: "/auth/logout"}, c))
	wantStatus(t, w, http.StatusOK)
	if a := decode[Answer](t, w); !a.Success {
		t.Errorf("answer %+v", a)
	}
	if got := cookie(t, w, DefaultCookieName); got.MaxAge != -1 || got.Value != "" {
		t.Errorf("the cookie is not cleared: %+v", got)
	}
	if _, err := e.svc.ValidateSession(context.Background(), c.Value); !acct.IsCode(err, acct.CodeUnauthenticated) {
		t.Errorf("the session is still valid: %v", err)
	}
	// Again with the ended session: 401.
	wantStatus(t, e.do(withSession(req{method: http.MethodPost, path: "/auth/logout"}, c)), http.StatusUnauthorized)

	// GET from a link on the app's own page (a same-origin Referer).
	c, _ = e.login("alice@example.com", false)
	q := req{method: http.MethodGet, path: "/auth/logout", cookies: []*http.Cookie{c},
		header: map[string]string{"Referer": "https://example.com/account"}}
	wantStatus(t, e.do(q), http.StatusOK)
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AllowedOrigins = []string{"https://other.example.org"} })
	e.register("alice@example.com", "Alice")
	c, a := e.login("alice@example.com", false)
	lang := func(header map[string]string) *httptest.ResponseRecorder {
		q := post("/auth/change_language", "language", "fr")
		q.cookies, q.header = []*http.Cookie{c}, header
		return e.do(q)
	}
	for _, h := range []map[string]string{
		nil, // no Origin, no Referer, no token
		{"Origin": "https://evil.example.net"},
		{"Origin": "https://evil.example.net", CSRFHeader: a.CSRFToken}, // a foreign origin is refused whatever it sends
		{"Referer": "https://evil.example.net/page"},
		{"Origin": "null"},
		{CSRFHeader: "wrong"},
		{CSRFHeader: csrfToken("acctl_sess_another")},
	} {
		w := lang(h)
		wantStatus(t, w, http.StatusForbidden)
		if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeRefused {
			t.Errorf("%v: answer %+v", h, a)
		}
	}
	for _, h := range []map[string]string{
		{"Origin": "https://example.com"},       // the server's own host
		{"Origin": "https://app.example.com"},   // public_url's origin
		{"Origin": "https://other.example.org"}, // allowed
		{"Referer": "https://example.com/settings"},
		{CSRFHeader: a.CSRFToken},
		{"Origin": "null", CSRFHeader: a.CSRFToken},
	} {
		wantStatus(t, lang(h), http.StatusOK)
	}
	// A login from a foreign origin is refused even without a session.
	q := post("/auth/login", "username", "alice@example.com", "password", password)
	q.header = map[string]string{"Origin": "https://evil.example.net"}
	wantStatus(t, e.do(q), http.StatusForbidden)
	// Without the cookie and without Origin (a script, curl): allowed.
	wantStatus(t, e.do(post("/auth/login", "username", "alice@example.com", "password", password)), http.StatusOK)
	// GET logout with the cookie but nothing else: refused.
	wantStatus(t, e.do(req{method: http.MethodGet, path: "/auth/logout", cookies: []*http.Cookie{c}}), http.StatusForbidden)
}

func TestBodies(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")

	big := strings.Repeat("a", api.MaxBodyBytes+1)
	// With a Content-Length.
	w := e.do(post("/auth/login", "username", "alice@example.com", "password", big))
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeInvalid {
		t.Errorf("answer %+v", a)
	}
	// Without one (chunked).
	r := httptest.NewRequest(http.MethodPost, "/auth/login", struct{ *strings.Reader }{strings.NewReader(`{"username":"` + big + `"}`)})
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusRequestEntityTooLarge)
	// A multipart form that is too large.
	var mp bytes.Buffer
	mp.WriteString("--XX\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n" + big + "\r\n--XX--\r\n")
	r = httptest.NewRequest(http.MethodPost, "/auth/login", &mp)
	r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusRequestEntityTooLarge)

	// A multipart form of the right size works.
	mp.Reset()
	mp.WriteString("--XX\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice@example.com\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n" + password + "\r\n--XX--\r\n")
	r = httptest.NewRequest(http.MethodPost, "/auth/login", &mp)
	r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusOK)

	// Other media types: 415; bad JSON: 400.
	r = httptest.NewRequest(http.MethodPost, "/auth/login", strings.NewReader("username=alice"))
	r.Header.Set("Content-Type", "text/plain")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	wantStatus(t, rec, http.StatusUnsupportedMediaType)
	for _, body := range []string{`{"username":`, `{"username":{"a":1},"password":"x"}`, `{"a":"b"} {"c":"d"}`, `[1]`} {
		w := e.do(req{method: http.MethodPost, path: "/auth/login", json: body})
		wantStatus(t, w, http.StatusBadRequest)
	}

	// Methods and paths.
	w = e.do(req{method: http.MethodGet, path: "/auth/login"})
	wantStatus(t, w, http.StatusMethodNotAllowed)
	if w.Header().Get("Allow") != "POST" {
		t.Errorf("Allow %q", w.Header().Get("Allow"))
	}
	wantStatus(t, e.do(req{method: http.MethodGet, path: "/auth/nothing"}), http.StatusNotFound)
	wantStatus(t, e.do(req{method: http.MethodDelete, path: "/auth/session"}), http.StatusMethodNotAllowed)
	wantStatus(t, e.do(req{method: http.MethodHead, path: "/auth/session"}), http.StatusUnauthorized)
	wantStatus(t, e.do(req{method: http.MethodHead, path: "/auth/logout"}), http.StatusMethodNotAllowed)
	wantStatus(t, e.do(req{method: http.MethodHead, path: "/auth/signin?confirm=x"}), http.StatusMethodNotAllowed)
}

func TestLimits(t *testing.T) {
	e := newEnvAcct(t, func(o *Options) {
		o.AddressRate = Rate{Events: 3, Per: time.Minute}
	}, func(o *acct.Options) {
		o.LoginLimit = acct.Rate{Events: 2, Per: time.Minute} // the per-account limit of logins is acct's
	})
	alice := e.register("alice@example.com", "Alice")
	try := func(ref, remote string) *httptest.ResponseRecorder {
		q := post("/auth/login", "username", ref, "password", "wrong password here")
		q.remote = remote
		return e.do(q)
	}
	// Per client address: 3, then 429 for 20 s (a token every 20 s).
	for i, ref := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if w := try(ref, "198.51.100.7:1000"); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i, w.Code)
		}
	}
	w := try("d@example.com", "198.51.100.7:1001")
	wantStatus(t, w, http.StatusTooManyRequests)
	if got := w.Header().Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After %q, want 20", got)
	}
	if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeRefused {
		t.Errorf("answer %+v", a)
	}
	// Another address is not held back.
	wantStatus(t, try("d@example.com", "198.51.100.8:1000"), http.StatusUnauthorized)
	e.limit.Advance(19 * time.Second)
	wantStatus(t, try("e@example.com", "198.51.100.7:1000"), http.StatusTooManyRequests)
	e.limit.Advance(time.Second)
	wantStatus(t, try("e@example.com", "198.51.100.7:1000"), http.StatusUnauthorized)

	// Per account, across addresses; a known and an unknown account alike,
	// whatever the spelling of the name.
	for ref, other := range map[string]string{"alice@example.com": strconv.FormatInt(alice.ID, 10), "nobody@example.com": "NoBody@Example.com"} {
		for i := range 2 {
			if w := try(ref, "203.0.113."+string(rune('1'+i))+":1"); w.Code != http.StatusUnauthorized {
				t.Fatalf("%s attempt %d: %d %s", ref, i, w.Code, w.Body)
			}
		}
		w := try(other, "203.0.113.9:1")
		wantStatus(t, w, http.StatusTooManyRequests)
		if got := w.Header().Get("Retry-After"); got != "30" {
			t.Errorf("%s: Retry-After %q, want 30", ref, got)
		}
		if a := decode[Answer](t, w); a.Success || a.Code != acct.CodeRefused || strings.Contains(a.Message, "user") {
			t.Errorf("%s: answer %+v", ref, a)
		}
	}
	// Even the right password is refused while the bucket is empty.
	q := post("/auth/login", "username", "alice@example.com", "password", password)
	q.remote = "203.0.113.10:1"
	wantStatus(t, e.do(q), http.StatusTooManyRequests)
	// IPv6 clients count by /64.
	for i := range 3 {
		wantStatus(t, try("f"+strconv.Itoa(i)+"@example.com", "[2001:db8:1:2::"+strconv.Itoa(i+1)+"]:1"), http.StatusUnauthorized)
	}
	wantStatus(t, try("g@example.com", "[2001:db8:1:2:ffff::1]:1"), http.StatusTooManyRequests)
	wantStatus(t, try("g@example.com", "[2001:db8:1:3::1]:1"), http.StatusUnauthorized)
}

func TestLimitsBehindAProxy(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.AddressRate = Rate{Events: 1, Per: time.Minute}
		o.TrustedProxies = forwarded.MustParse("10.0.0.0/8")
	})
	tryFrom := func(remote, xff string) int {
		q := post("/auth/login", "username", "a@example.com", "password", "wrong password here")
		q.remote = remote
		q.header = map[string]string{"X-Forwarded-For": xff}
		return e.do(q).Code
	}
	try := func(xff string) int { return tryFrom("10.0.0.1:5000", xff) }
	if try("192.0.2.50, 198.51.100.1") != http.StatusUnauthorized || try("198.51.100.2") != http.StatusUnauthorized {
		t.Errorf("clients behind the proxy share a bucket")
	}
	if got := try("192.0.2.99, 198.51.100.1"); got != http.StatusTooManyRequests {
		t.Errorf("status %d, want 429 for the second attempt of 198.51.100.1", got)
	}
	// A client that is not a trusted proxy cannot choose its bucket.
	if got := tryFrom("203.0.113.5:1", "198.51.100.77"); got != http.StatusUnauthorized {
		t.Fatalf("first attempt from 203.0.113.5: %d", got)
	}
	if got := tryFrom("203.0.113.5:1", "198.51.100.78"); got != http.StatusTooManyRequests {
		t.Errorf("status %d: a client outside the trusted proxies got a fresh bucket by sending X-Forwarded-For", got)
	}
}

func TestCookiesBehindAProxy(t *testing.T) {
	// nginx's defaults: the request comes from 127.0.0.1 with Host
	// 127.0.0.1:PORT, and the proxy says the client spoke HTTPS.
	nginx := func(remote string) req {
		q := post("/auth/login", "username", "alice@example.com", "password", password)
		q.remote, q.host = remote, "127.0.0.1:8080"
		q.header = map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
		return q
	}
	for _, c := range []struct {
		name    string
		trusted *forwarded.Trust
		remote  string
		secure  bool
	}{
		{"a trusted proxy says https", forwarded.MustParse("127.0.0.1"), "127.0.0.1:40000", true},
		{"no trusted proxies: the headers are ignored", nil, "127.0.0.1:40000", false},
		{"from a peer outside the trusted proxies: ignored", forwarded.MustParse("10.0.0.0/8"), "127.0.0.1:40000", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.TrustedProxies = c.trusted })
			e.register("alice@example.com", "Alice")
			w := e.do(nginx(c.remote))
			wantStatus(t, w, http.StatusOK)
			for _, name := range []string{DefaultCookieName, "acctl_csrf"} {
				if got := cookie(t, w, name).Secure; got != c.secure {
					t.Errorf("%s: Secure %v, want %v", name, got, c.secure)
				}
			}
		})
	}
	// Behind the trusted proxy, a proxy that says http keeps the loopback
	// exception (a proxy on one's own machine, for development).
	e := newEnv(t, func(o *Options) { o.TrustedProxies = forwarded.MustParse("127.0.0.1") })
	e.register("alice@example.com", "Alice")
	q := nginx("127.0.0.1:40000")
	q.header["X-Forwarded-Proto"] = "http"
	w := e.do(q)
	wantStatus(t, w, http.StatusOK)
	if cookie(t, w, DefaultCookieName).Secure {
		t.Errorf("Secure over plain HTTP to a loopback host")
	}
}

func TestCrossOriginScheme(t *testing.T) {
	e := newEnv(t, func(o *Options) {
		o.AllowedOrigins = []string{"http://localhost:3000"}
		o.TrustedProxies = forwarded.MustParse("10.0.0.0/8")
	})
	e.register("alice@example.com", "Alice")
	c, a := e.login("alice@example.com", false)
	lang := func(tls bool, remote string, header map[string]string) *httptest.ResponseRecorder {
		q := post("/auth/change_language", "language", "fr")
		q.cookies, q.header, q.tls, q.remote = []*http.Cookie{c}, header, tls, remote
		return e.do(q)
	}
	for _, k := range []struct {
		name   string
		tls    bool
		remote string
		header map[string]string
		status int
	}{
		{"an http:// page of the same host, to HTTPS", true, "", map[string]string{"Origin": "http://example.com"}, http.StatusForbidden},
		{"even with the CSRF token", true, "", map[string]string{"Origin": "http://example.com", CSRFHeader: a.CSRFToken}, http.StatusForbidden},
		{"an http:// Referer, to HTTPS", true, "", map[string]string{"Referer": "http://example.com/settings"}, http.StatusForbidden},
		{"an http:// page, behind a trusted proxy that says https", false, "10.1.1.1:3000",
			map[string]string{"Origin": "http://example.com", "X-Forwarded-Proto": "https"}, http.StatusForbidden},
		{"the same origin over HTTPS", true, "", map[string]string{"Origin": "https://example.com"}, http.StatusOK},
		{"a trusted http:// origin", true, "", map[string]string{"Origin": "http://localhost:3000"}, http.StatusOK},
		{"plain HTTP both ways", false, "", map[string]string{"Origin": "http://example.com"}, http.StatusOK},
		{"https page, the request looks plain (a TLS proxy not trusted)", false, "", map[string]string{"Origin": "https://example.com"}, http.StatusOK},
		{"Sec-Fetch-Site same-origin", true, "", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://example.com"}, http.StatusOK},
		{"Sec-Fetch-Site cross-site from the same host", true, "",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://example.com"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site from an untrusted origin", true, "",
			map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.example.com"}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site from a trusted origin", true, "",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"}, http.StatusOK},
		{"Sec-Fetch-Site alone, same-origin", true, "", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"Sec-Fetch-Site alone, cross-site, with the CSRF token", true, "",
			map[string]string{"Sec-Fetch-Site": "cross-site", CSRFHeader: a.CSRFToken}, http.StatusForbidden},
		{"neither header: the CSRF token", true, "", map[string]string{CSRFHeader: a.CSRFToken}, http.StatusOK},
		{"neither header nor token", true, "", nil, http.StatusForbidden},
	} {
		t.Run(k.name, func(t *testing.T) {
			w := lang(k.tls, k.remote, k.header)
			wantStatus(t, w, k.status)
			if k.status == http.StatusForbidden {
				if a := decode[Answer](t, w); a.Code != acct.CodeRefused {
					t.Errorf("answer %+v", a)
				}
			}
		})
	}
	// GET /auth/logout changes state: a cross-site navigation is refused.
	q := req{method: http.MethodGet, path: "/auth/logout", cookies: []*http.Cookie{c}, tls: true,
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}}
	wantStatus(t, e.do(q), http.StatusForbidden)
	q.header = map[string]string{"Sec-Fetch-Site": "same-origin"}
	wantStatus(t, e.do(q), http.StatusOK)
}

// findNotice returns the last notice of a template sent to an address.
func (e *env) findNotice(to, template string) (acct.Notice, bool) {
	ns := e.notes.Notices()
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].To == to && ns[i].Template == template {
			return ns[i], true
		}
	}
	return acct.Notice{}, false
}

// wantQueued checks that n jobs wait in the queue.
func (e *env) wantQueued(n int) {
	e.t.Helper()
	js, err := e.svc.ListJobs(context.Background(), acct.JobQuery{States: []acct.JobState{acct.JobPending}})
	if err != nil || len(js) != n {
		e.t.Fatalf("pending jobs %+v, %v; want %d", js, err, n)
	}
	if len(e.notes.Notices()) != 0 && n > 0 && js[0].Kind == acct.JobForgot {
		e.t.Fatalf("a link went before the queue ran")
	}
}

// wait checks that the answers so far left their work committed in the
// queue, and runs it as the server's runner would.
func (e *env) wait() {
	e.t.Helper()
	pending, err := e.svc.ListJobs(context.Background(), acct.JobQuery{States: []acct.JobState{acct.JobPending}})
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.svc.RunJobs(context.Background(), acct.JobRun{Max: acct.MaxJobBatch})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(res.Jobs) != len(pending) {
		e.t.Fatalf("ran %d jobs, want the %d pending", len(res.Jobs), len(pending))
	}
}

func keyOf(t *testing.T, link, param string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	k := u.Query().Get(param)
	if k == "" {
		t.Fatalf("no %s in %s", param, link)
	}
	return k
}

func TestSignin(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	form := func(email string) req {
		return post("/auth/signin", "email", email, "password", password, "firstname", "Bob", "lastname", "Smith", "language", "fr-ca")
	}
	w := e.do(form("bob@example.com"))
	wantStatus(t, w, http.StatusOK)
	if a := decode[Answer](t, w); !a.Success || a.Message != msgSignin {
		t.Errorf("answer %+v", a)
	}
	e.wantQueued(1) // acknowledged: committed, not yet done
	e.wait()
	n, ok := e.findNotice("bob@example.com", acct.TemplateActivate)
	if !ok {
		t.Fatalf("no activation link sent: %+v", e.notes.Notices())
	}
	bob, err := e.svc.User(context.Background(), "bob@example.com")
	if err != nil || bob.Status != acct.StatusPending || bob.FirstName != "Bob" || bob.Language != "fr-CA" {
		t.Fatalf("bob %+v, %v", bob, err)
	}

	// An address that is an account's already gets the very same answer.
	sent := len(e.notes.Notices())
	for _, email := range []string{"alice@example.com", "ALICE@example.com"} {
		again := e.do(form(email))
		if again.Code != w.Code || !bytes.Equal(again.Body.Bytes(), w.Body.Bytes()) {
			t.Errorf("%s: answer %d %s, want %d %s", email, again.Code, again.Body, w.Code, w.Body)
		}
	}
	e.wait()
	if got := len(e.notes.Notices()); got != sent {
		t.Errorf("the owner of an active account got %d messages", got-sent)
	}
	// A pending account at that address gets its link again.
	again := e.do(form("bob@example.com"))
	if !bytes.Equal(again.Body.Bytes(), w.Body.Bytes()) {
		t.Errorf("answer %s", again.Body)
	}
	e.wait()
	n2, _ := e.findNotice("bob@example.com", acct.TemplateActivate)
	if n2.Data.URL == n.Data.URL {
		t.Errorf("no new activation link")
	}

	// The older link is void; the new one activates and redirects.
	w = e.do(req{method: http.MethodGet, path: "/auth/signin?confirm=" + url.QueryEscape(keyOf(t, n.Data.URL, "confirm"))})
	wantStatus(t, w, http.StatusUnauthorized)
	if a := decode[Answer](t, w); a.Errors["confirm"] == "" {
		t.Errorf("answer %+v", a)
	}
	confirm := "/auth/signin?confirm=" + url.QueryEscape(keyOf(t, n2.Data.URL, "confirm"))
	w = e.do(req{method: http.MethodGet, path: confirm})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != appURL {
		t.Errorf("Location %q, want %q", loc, appURL)
	}
	if u, _ := e.svc.User(context.Background(), "bob@example.com"); u.Status != acct.StatusActive || !u.EmailVerified {
		t.Errorf("bob %+v", u)
	}
	// Twice: activated already, the same redirect.
	wantStatus(t, e.do(req{method: http.MethodGet, path: confirm}), http.StatusSeeOther)
	e.login("bob@example.com", false)

	// Missing and bad fields.
	w = e.do(post("/auth/signin", "email", "carol@example.com"))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); len(a.Errors) != 3 || a.Errors["password"] != "required" || a.Errors["firstname"] != "required" || a.Errors["lastname"] != "required" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(post("/auth/signin", "email", "carol@", "password", password, "firstname", "C", "lastname", "D"))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["email"] == "" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(post("/auth/signin", "email", "carol@example.com", "password", "password", "firstname", "C", "lastname", "D"))
	wantStatus(t, w, http.StatusForbidden)
	if a := decode[Answer](t, w); a.Errors["password"] == "" || a.Code != acct.CodeRefused {
		t.Errorf("answer %+v", a)
	}
	w = e.do(post("/auth/signin", "email", "carol@example.com", "password", password, "firstname", "C", "lastname", "D", "language", "no such tag!"))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["language"] == "" {
		t.Errorf("answer %+v", a)
	}
	wantStatus(t, e.do(req{method: http.MethodGet, path: "/auth/signin"}), http.StatusBadRequest)
	e.wait()
	if _, err := e.svc.User(context.Background(), "carol@example.com"); !acct.IsCode(err, acct.CodeNotFound) {
		t.Errorf("a refused sign-up made an account: %v", err)
	}

	// Off: 404.
	off := newEnv(t, func(o *Options) { o.Signin = false })
	wantStatus(t, off.do(form("dan@example.com")), http.StatusNotFound)
	wantStatus(t, off.do(req{method: http.MethodGet, path: "/auth/signin?confirm=x"}), http.StatusNotFound)
}

func TestLostAndResetPassword(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	known := e.do(post("/auth/lost_password", "email", "alice@example.com"))
	wantStatus(t, known, http.StatusOK)
	unknown := e.do(post("/auth/lost_password", "email", "nobody@example.com"))
	if unknown.Code != known.Code || !bytes.Equal(unknown.Body.Bytes(), known.Body.Bytes()) {
		t.Errorf("answers differ: %s / %s", known.Body, unknown.Body)
	}
	if a := decode[Answer](t, known); !a.Success || a.Message != msgLost {
		t.Errorf("answer %+v", a)
	}
	e.wantQueued(2) // the same job for a known and an unknown address
	e.wait()
	n, ok := e.findNotice("alice@example.com", acct.TemplateForgot)
	if !ok || len(e.notes.Notices()) != 1 {
		t.Fatalf("notices %+v", e.notes.Notices())
	}
	w := e.do(post("/auth/lost_password", "email", "not an address"))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["email"] == "" {
		t.Errorf("answer %+v", a)
	}
	wantStatus(t, e.do(post("/auth/lost_password")), http.StatusBadRequest)

	old, _ := e.login("alice@example.com", false)
	token := keyOf(t, n.Data.URL, "token")
	// Missing fields, a bad token, a weak password.
	w = e.do(post("/auth/reset_password", "token", token))
	wantStatus(t, w, http.StatusBadRequest)
	w = e.do(post("/auth/reset_password", "token", "not-the-token", "password", "another good passphrase 42"))
	wantStatus(t, w, http.StatusUnauthorized)
	if a := decode[Answer](t, w); a.Errors["token"] == "" && a.Message == "" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(post("/auth/reset_password", "token", token, "password", "password"))
	wantStatus(t, w, http.StatusForbidden)
	if a := decode[Answer](t, w); a.Errors["password"] == "" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(post("/auth/reset_password", "token", token, "password", "another good passphrase 42"))
	wantStatus(t, w, http.StatusOK)
	if a := decode[LocationAnswer](t, w); !a.Success || a.Location != appURL {
		t.Errorf("answer %+v", a)
	}
	if _, err := e.svc.ValidateSession(context.Background(), old.Value); err == nil {
		t.Errorf("the old session outlived the reset")
	}
	wantStatus(t, e.do(post("/auth/login", "username", "alice@example.com", "password", "another good passphrase 42")), http.StatusOK)
	// Used: refused.
	wantStatus(t, e.do(post("/auth/reset_password", "token", token, "password", "yet another passphrase 43")), http.StatusUnauthorized)

	off := newEnv(t, func(o *Options) { o.LostPassword = false })
	wantStatus(t, off.do(post("/auth/lost_password", "email", "alice@example.com")), http.StatusNotFound)
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	wantStatus(t, e.do(post("/auth/change_password", "oldpassword", password, "newpassword", "x")), http.StatusUnauthorized)
	c, _ := e.login("alice@example.com", false)
	other, _ := e.login("alice@example.com", false)

	w := e.do(withSession(post("/auth/change_password", "oldpassword", "not my password", "newpassword", "another good passphrase 42"), c))
	wantStatus(t, w, http.StatusUnauthorized)
	if a := decode[Answer](t, w); a.Errors["oldpassword"] == "" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(withSession(post("/auth/change_password", "oldpassword", password, "newpassword", "password"), c))
	wantStatus(t, w, http.StatusForbidden)
	if a := decode[Answer](t, w); a.Errors["newpassword"] == "" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(withSession(post("/auth/change_password", "oldpassword", password), c))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["newpassword"] != "required" {
		t.Errorf("answer %+v", a)
	}
	w = e.do(withSession(post("/auth/change_password", "oldpassword", password, "newpassword", "another good passphrase 42"), c))
	wantStatus(t, w, http.StatusOK)
	if _, err := e.svc.ValidateSession(context.Background(), c.Value); err != nil {
		t.Errorf("the current session ended: %v", err)
	}
	if _, err := e.svc.ValidateSession(context.Background(), other.Value); err == nil {
		t.Errorf("the other session outlived the change")
	}
}

func TestChangeLanguage(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	wantStatus(t, e.do(post("/auth/change_language", "language", "fr")), http.StatusUnauthorized)
	c, _ := e.login("alice@example.com", false)
	w := e.do(withSession(req{method: http.MethodPost, path: "/auth/change_language", json: `{"language":"pt-br"}`}, c))
	wantStatus(t, w, http.StatusOK)
	if a := decode[LanguageAnswer](t, w); !a.Success || a.UILanguage != "pt-BR" {
		t.Errorf("answer %+v", a)
	}
	if u, _ := e.svc.User(context.Background(), "alice@example.com"); u.Language != "pt-BR" {
		t.Errorf("language %q", u.Language)
	}
	w = e.do(withSession(post("/auth/change_language", "language", "not a tag!"), c))
	wantStatus(t, w, http.StatusBadRequest)
	if a := decode[Answer](t, w); a.Errors["language"] == "" {
		t.Errorf("answer %+v", a)
	}
	wantStatus(t, e.do(withSession(post("/auth/change_language"), c)), http.StatusBadRequest)
	// An empty language clears it.
	wantStatus(t, e.do(withSession(post("/auth/change_language", "language", ""), c)), http.StatusOK)
	if u, _ := e.svc.User(context.Background(), "alice@example.com"); u.Language != "" {
		t.Errorf("language %q", u.Language)
	}
}

func TestSession(t *testing.T) {
	e := newEnv(t, nil)
	u := e.register("alice@example.com", "Alice")
	w := e.do(req{method: http.MethodGet, path: "/auth/session"})
	wantStatus(t, w, http.StatusUnauthorized)

	c, login := e.login("alice@example.com", false)
	w = e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{c}})
	wantStatus(t, w, http.StatusOK)
	a := decode[SessionAnswer](t, w)
	if !a.Success || a.UserID != u.ID || a.User.Email != u.Email || a.Session.ID != login.Session.ID || a.CSRFToken != login.CSRFToken {
		t.Errorf("answer %+v", a)
	}
	// Without its CSRF cookie, the answer sets it again.
	if csrf := cookie(t, w, "acctl_csrf"); csrf.Value != login.CSRFToken {
		t.Errorf("csrf cookie %+v", csrf)
	}
	// With it, no cookie.
	csrf := &http.Cookie{Name: "acctl_csrf", Value: login.CSRFToken}
	w = e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{c, csrf}})
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("cookies %v", w.Header().Values("Set-Cookie"))
	}

	// Used two minutes later, the session is freshened.
	e.clock.Advance(2 * time.Minute)
	w = e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{c, csrf}})
	wantStatus(t, w, http.StatusOK)
	if a := decode[SessionAnswer](t, w); !a.Session.ExpiresAt.After(login.Session.ExpiresAt) {
		t.Errorf("not freshened: %v, was %v", a.Session.ExpiresAt, login.Session.ExpiresAt)
	}

	// Expired: 401, and the cookie goes.
	e.clock.Advance(25 * time.Hour)
	w = e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{c}})
	wantStatus(t, w, http.StatusUnauthorized)
	if got := cookie(t, w, DefaultCookieName); got.MaxAge != -1 {
		t.Errorf("cookie %+v", got)
	}
	// A made-up token: 401.
	w = e.do(req{method: http.MethodGet, path: "/auth/session", cookies: []*http.Cookie{{Name: DefaultCookieName, Value: "acctl_sess_nothing"}}})
	wantStatus(t, w, http.StatusUnauthorized)
}

// failing is a Service whose Login fails with an internal error that
// names what it was given.
type failing struct {
	acct.Service
}

func (failing) Login(_ context.Context, in acct.Login) (*acct.Session, error) {
	return nil, acct.Internal(errors.New("database on fire"), "log in")
}

func TestInternalErrorsAreNotShownAndLogsHoldNoSecret(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	c, _ := e.login("alice@example.com", false)
	h := New(failing{e.svc}, Options{Log: slog.New(slog.NewTextHandler(e.logs, nil))})
	q := post("/auth/login", "username", "alice@example.com", "password", password)
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	wantStatus(t, w, http.StatusInternalServerError)
	if strings.Contains(w.Body.String(), "fire") {
		t.Errorf("the body shows an internal error: %s", w.Body)
	}
	if !strings.Contains(e.logs.String(), "database on fire") {
		t.Errorf("the failure is not logged: %s", e.logs)
	}
	if strings.Contains(e.logs.String(), password) || strings.Contains(e.logs.String(), c.Value) {
		t.Errorf("a secret is in the log: %s", e.logs)
	}
}

// firebaseUnset is a Service whose Login fails as Local's does when an
// account's firebase-scrypt hash has no Firebase parameters to verify it.
type firebaseUnset struct {
	acct.Service
}

func (firebaseUnset) Login(_ context.Context, in acct.Login) (*acct.Session, error) {
	return nil, &acct.Error{Code: acct.CodeInvalid, Field: acct.FirebaseConfigField,
		Message: "firebase-scrypt hashes need the project's password hash parameters in the configuration: import.firebase_scrypt.signer_key"}
}

// The operator's configuration error is not shown to the user at the
// door: a 500, and the keys to set in the server's log.
func TestFirebaseConfigErrorIsTheServers(t *testing.T) {
	e := newEnv(t, nil)
	h := New(firebaseUnset{e.svc}, Options{Log: slog.New(slog.NewTextHandler(e.logs, nil))})
	q := post("/auth/login", "username", "user1@test.com", "password", password)
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	wantStatus(t, w, http.StatusInternalServerError)
	if strings.Contains(w.Body.String(), "firebase") {
		t.Errorf("the body shows the server's configuration: %s", w.Body)
	}
	if !strings.Contains(e.logs.String(), "import.firebase_scrypt.signer_key") {
		t.Errorf("the keys to set are not logged: %s", e.logs)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{
		"30/1m": {30, time.Minute}, "10/15m": {10, 15 * time.Minute}, "5/m": {5, time.Minute},
		" 100 / 1h ": {100, time.Hour}, "3/1d": {3, 24 * time.Hour}, "off": Unlimited, "OFF": Unlimited,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "30", "0/1m", "-1/1m", "a/1m", "30/", "30/0s", "30/-1m", "30/xyz"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
	if s := (Rate{30, time.Minute}).String(); s != "30/1m0s" {
		t.Errorf("String %q", s)
	}
	if r, _ := ParseRate(Rate{30, time.Minute}.String()); r != (Rate{30, time.Minute}) {
		t.Errorf("String does not read back")
	}
}

func TestLimiterForgetsFullBuckets(t *testing.T) {
	clock := accttest.NewClock(accttest.Start)
	l := newLimiter(Rate{Events: 2, Per: time.Second}, clock.Now)
	for i := range maxBuckets {
		l.allow(strconv.Itoa(i))
	}
	clock.Advance(2 * time.Second)
	l.allow("new")
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets after a sweep, want 1", n)
	}
	// A long name is kept as its hash.
	if k := accountKey(strings.Repeat("x", 1<<20)); len(k) > 64 {
		t.Errorf("key of %d bytes", len(k))
	}
	if k := accountKey("login:alice@example.com"); k != "login:alice@example.com" {
		t.Errorf("key %q", k)
	}
	// Unlimited never refuses.
	u := newLimiter(Unlimited, clock.Now)
	for range 100 {
		if ok, _ := u.allow("x"); !ok {
			t.Fatal("refused")
		}
	}
}

func TestRedirectTarget(t *testing.T) {
	for in, want := range map[string]string{
		"":                                      "/",
		"https://app.example.com":               "https://app.example.com",
		"https://app.example.com/welcome?x=1#f": "https://app.example.com/welcome",
		"https://app.example.com/c/{code}/x":    "https://app.example.com/c/",
		"https://app.example.com/auth/signin":   "https://app.example.com/",
	} {
		if got := redirectTarget(in); got != want {
			t.Errorf("redirectTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

// otherSecret is a Service whose code operations fail as Local's do when
// the server's installation secret is not the store's.
type otherSecret struct {
	acct.Service
}

const otherSecretPath = "/etc/acctl/other-secret"

func (otherSecret) ForgotPassword(context.Context, string) error {
	return &acct.Error{Code: acct.CodeInvalid, Field: acct.SecretFileField,
		Message: "secret_file (" + otherSecretPath + ") holds another installation secret than the one this store's codes are made with"}
}

func (otherSecret) ResetPassword(context.Context, acct.PasswordReset) (*acct.User, error) {
	return nil, otherSecret{}.ForgotPassword(context.Background(), "")
}

// A server whose secret is not the store's does not tell the public its
// secret file's path: a 500, and the path and the fix in its log.
func TestSecretMismatchIsTheServers(t *testing.T) {
	e := newEnv(t, nil)
	h := New(otherSecret{e.svc}, Options{PublicURL: publicURL, LostPassword: true,
		Log: slog.New(slog.NewTextHandler(e.logs, nil))})
	for _, q := range []req{
		post("/auth/lost_password", "email", "alice@example.com"),
		post("/auth/reset_password", "token", "7KQ2-MX9D-4TFA-R1ZC", "password", password),
	} {
		r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		wantStatus(t, w, http.StatusInternalServerError)
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%s: the body shows the server's configuration: %s", q.path, w.Body)
		}
	}
	if !strings.Contains(e.logs.String(), otherSecretPath) {
		t.Errorf("the secret file is not named in the log: %s", e.logs)
	}
}
