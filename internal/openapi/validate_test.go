package openapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/acct/accttest"
	"github.com/acctl/acctl/internal/authapi"
	"github.com/acctl/acctl/internal/cmd/serve"
	"github.com/acctl/acctl/internal/openapi"
	"github.com/acctl/acctl/internal/sqlite"
)

// The validator is an independent reading of the document: libopenapi-
// validator (pb33f, OpenAPI 3.1, JSON Schema 2020-12) checks each request
// and each answer of a run against the real server's handler.

const password = accttest.GoodPassword

// site is the real handler of `acctl serve` (admin API, auth API and the
// document) over Local on a fresh SQLite store, on a loopback listener,
// with the validator of the embedded document.
type site struct {
	t      *testing.T
	srv    *httptest.Server
	v      validator.Validator
	keys   map[acct.Role]string
	local  *acct.Local
	checks int
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "acctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	clock := accttest.NewClock(accttest.Start)
	local, err := acct.NewLocal(store, acct.Options{Now: clock.Now, Argon2: accttest.FastArgon2, ScramIterations: acct.MinScramIterations,
		Actor: "tester", Secret: accttest.Secret, Notifier: &accttest.Recorder{}, PublicURL: "https://app.example.com/welcome",
		HashPool: acct.NewHashPool(0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	s := &site{t: t, local: local, keys: map[acct.Role]string{}}
	for _, r := range []acct.Role{acct.RoleAdmin, acct.RoleAuditor} {
		k, err := local.CreateAPIKey(acct.WithActor(ctx, "tester"), acct.NewAPIKey{Name: string(r), Role: r})
		if err != nil {
			t.Fatal(err)
		}
		s.keys[r] = k.Token
	}
	limitClock := accttest.NewClock(accttest.Start)
	h := serve.NewHandler(serve.HandlerConfig{Service: local, Keys: local, Auth: authapi.Options{
		PublicURL: "https://app.example.com/welcome", Signin: true, LostPassword: true, SMS: true,
		AddressRate: authapi.Rate{Events: 60, Per: time.Hour}, LimitClock: limitClock.Now, Now: clock.Now},
		Log: slog.New(slog.DiscardHandler), APILog: slog.New(slog.DiscardHandler)})
	s.srv = httptest.NewServer(h) // loopback only
	t.Cleanup(s.srv.Close)
	doc, err := libopenapi.NewDocument(openapi.Document)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("the validator refuses the document: %v", errs)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("document: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	s.v = v
	return s
}

// call is one request.
type call struct {
	method, path string
	body         string // JSON, or a form when ct says so
	ct           string // default application/json when body != ""
	key          string // Authorization: Bearer
	header       map[string]string
	cookies      []*http.Cookie
	want         int  // the status; -1: any
	bad          bool // a request the document does not admit: only the answer is validated
}

// do sends c, checks its status, validates the request and the answer
// against the document, and returns the answer and its body.
func (s *site) do(c call) (*http.Response, []byte) {
	s.t.Helper()
	req := func() *http.Request {
		r, err := http.NewRequest(c.method, s.srv.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			s.t.Fatal(err)
		}
		switch {
		case c.ct != "":
			r.Header.Set("Content-Type", c.ct)
		case c.body != "":
			r.Header.Set("Content-Type", "application/json")
		}
		if c.key != "" {
			r.Header.Set("Authorization", "Bearer "+c.key)
		}
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		for _, ck := range c.cookies {
			r.AddCookie(ck)
		}
		return r
	}
	res, err := s.srv.Client().Do(req())
	if err != nil {
		s.t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		s.t.Fatal(err)
	}
	name := c.method + " " + c.path
	if c.want >= 0 && res.StatusCode != c.want {
		s.t.Errorf("%s %s: status %d, want %d; %s", name, c.body, res.StatusCode, c.want, body)
	}
	s.validate(name, req(), res, body, c.bad)
	return res, body
}

// validate checks a request and its answer against the document, or the
// answer only when the request is bad on purpose.
func (s *site) validate(name string, req *http.Request, res *http.Response, body []byte, bad bool) {
	s.t.Helper()
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.Request = req
	s.checks++
	check := s.v.ValidateHttpRequestResponse
	if bad {
		check = s.v.ValidateHttpResponse
	}
	if ok, errs := check(req, res); !ok {
		for _, e := range errs {
			msg := e.Message + ": " + e.Reason
			for _, se := range e.SchemaValidationErrors {
				msg += fmt.Sprintf("\n\t\t%s %s", se.FieldPath, se.Reason)
			}
			s.t.Errorf("%s: answer %d %s\n\tdoes not match the document: %s", name, res.StatusCode, body, msg)
		}
	}
}

func cookie(t *testing.T, res *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no cookie %s", name)
	return nil
}

// TestRealTrafficMatchesTheDocument runs a representative session of the
// admin API and the auth API, successes and failures, through the real
// handler, and validates every request and answer against the document.
func TestRealTrafficMatchesTheDocument(t *testing.T) {
	s := newSite(t)
	admin, auditor := s.keys[acct.RoleAdmin], s.keys[acct.RoleAuditor]
	post := func(op, body string, want int) []byte {
		t.Helper()
		_, b := s.do(call{method: "POST", path: "/v1/" + op, body: body, key: admin, want: want})
		return b
	}
	bad := func(c call) { t.Helper(); c.bad = true; s.do(c) }

	// The admin API.
	post("Register", `{"email":"ann@example.com","username":"ann","first_name":"Ann","last_name":"Doe","password":"`+password+`"}`, 200)
	post("Register", `{"email":"bob@example.com","first_name":"Bob","last_name":"Doe","password":"`+password+`"}`, 200)
	post("Register", `{"email":"ann@example.com","password":"`+password+`"}`, 409)
	bad(call{method: "POST", path: "/v1/Register", body: `{"email":"x@example.com","nickname":"x"}`, key: admin, want: 400})
	post("Register", `{"email":"x@example.com","password":"password"}`, 403) // a weak password: refused
	post("User", `{"ref":"ann"}`, 200)
	post("User", `{"ref":"nobody"}`, 404)
	post("LookupUsers", `{"refs":["ann","nobody"]}`, 200)
	post("ListUsers", ``, 200)
	post("ListUsers", `{"limit":1}`, 200)
	post("UpdateUser", `{"ref":"ann","update":{"language":"fr"}}`, 200)
	post("ListAddresses", `{"ref":"ann"}`, 200)
	var sess struct{ Token string }
	json.Unmarshal(post("Login", `{"ref":"bob@example.com","password":"`+password+`"}`, 200), &sess)
	post("Login", `{"ref":"bob@example.com","password":"wrong-`+password+`"}`, 401)
	post("ValidateSession", `{"token":"`+sess.Token+`"}`, 200)
	post("ValidateSessions", `{"tokens":["`+sess.Token+`","nope"]}`, 200)
	post("ListSessions", `{}`, 200)
	post("PurgeSessions", `{"older_than":"30d"}`, 200)
	post("VerifyPassword", `{"ref":"ann","password":"`+password+`"}`, 200)
	post("VerifyPassword", `{"ref":"ann","password":"nope"}`, 401)
	post("PasswordHashes", ``, 200)
	post("IssueResetCode", `{"ref":"ann","ttl":"1h"}`, 200)
	post("ListCodes", `{"ref":"ann"}`, 200)
	post("RevokeCodes", `{"user":"ann"}`, 200)
	post("Points", `{"ref":"ann"}`, 200)
	post("PointsHistory", `{"user":"ann"}`, 200)
	post("MFAStatus", `{"ref":"ann"}`, 200)
	post("EnrollMFA", `{"ref":"bob@example.com"}`, 200)
	post("ListEvents", `{"limit":5}`, 200)
	post("ListJobs", `{}`, 200)
	post("Preregister", `{"email":"carl@example.com"}`, 200)
	post("ListPreregistrations", `{}`, 200)
	post("CheckIdentifiers", `{"email":"ann@example.com"}`, 200)
	post("ExportUsers", `{}`, 200)
	post("Unregister", `{"ref":"bob@example.com","options":{"hold":"14d"}}`, 200)
	post("Restore", `{"ref":"bob@example.com"}`, 200)
	post("LockUser", `{"ref":"bob@example.com","options":{}}`, 200)
	post("NoSuchOperation", `{}`, 501)
	bad(call{method: "POST", path: "/v1/ListUsers", body: `{}`, want: 401})
	s.do(call{method: "POST", path: "/v1/ListUsers", body: `{}`, key: "not-a-key", want: 401})
	s.do(call{method: "POST", path: "/v1/Register", body: `{"email":"eve@example.com"}`, key: auditor, want: 403})
	bad(call{method: "POST", path: "/v1/User", body: `ref=ann`, ct: "application/x-www-form-urlencoded", key: admin, want: 415})
	s.do(call{method: "POST", path: "/v1/User", body: `{"ref":"` + strings.Repeat("a", 1<<20) + `"}`, key: admin, want: 413})

	// The auth API.
	res, body := s.do(call{method: "POST", path: "/auth/login", body: `{"username":"ann","password":"` + password + `","keep":true}`, want: 200})
	sc := cookie(t, res, authapi.DefaultCookieName)
	var login authapi.SessionAnswer
	if err := json.Unmarshal(body, &login); err != nil {
		t.Fatal(err)
	}
	csrf := map[string]string{authapi.CSRFHeader: login.CSRFToken}
	in := []*http.Cookie{sc}
	s.do(call{method: "POST", path: "/auth/login", body: `username=ann&password=wrong`, ct: "application/x-www-form-urlencoded", want: 401})
	s.do(call{method: "POST", path: "/auth/login", body: `{"username":"bob@example.com","password":"` + password + `"}`, want: 403}) // locked: user_id
	bad(call{method: "POST", path: "/auth/login", body: `{"username":"ann"}`, want: 400})
	bad(call{method: "POST", path: "/auth/login", body: `{"username":"ann","password":"x","remember":true}`, want: 400})
	bad(call{method: "POST", path: "/auth/login", body: `username=ann`, ct: "text/plain", want: 415})
	s.do(call{method: "GET", path: "/auth/session", cookies: in, want: 200})
	s.do(call{method: "GET", path: "/auth/connect", cookies: in, want: 200})
	bad(call{method: "GET", path: "/auth/session", want: 401})
	s.do(call{method: "POST", path: "/auth/change_language", body: `{"language":"de"}`, cookies: in, header: csrf, want: 200})
	s.do(call{method: "POST", path: "/auth/change_language", body: `{"language":"de"}`, cookies: in, want: 403})
	s.do(call{method: "POST", path: "/auth/personal_data", body: `{"firstname":"Anne","lastname":"Doe"}`, cookies: in, header: csrf, want: 200})
	s.do(call{method: "POST", path: "/auth/change_password", body: `{"oldpassword":"nope","newpassword":"x` + password + `"}`, cookies: in, header: csrf, want: 401})
	s.do(call{method: "POST", path: "/auth/mfa/totp", cookies: in, header: csrf, want: 200})
	s.do(call{method: "POST", path: "/auth/mfa/totp/confirm", body: `{"code":"000000"}`, cookies: in, header: csrf, want: 401})
	s.do(call{method: "POST", path: "/auth/email", body: `{"email":"ann2@example.com"}`, cookies: in, header: csrf, want: 200})
	s.do(call{method: "POST", path: "/auth/phone", body: `{"phone":"+41 79 123 45 67"}`, cookies: in, header: csrf, want: 200})
	s.do(call{method: "POST", path: "/auth/delete_account", body: `{"password":"nope"}`, cookies: in, header: csrf, want: 401})
	s.do(call{method: "POST", path: "/auth/signin", body: `{"email":"dan@example.com","password":"` + password + `","firstname":"Dan","lastname":"Doe"}`, want: 200})
	bad(call{method: "POST", path: "/auth/signin", body: `{"email":"dan@example.com"}`, want: 400})
	s.do(call{method: "GET", path: "/auth/signin?confirm=not-a-key", want: 401})
	s.do(call{method: "POST", path: "/auth/lost_password", body: `{"email":"ann@example.com"}`, want: 200})
	s.do(call{method: "POST", path: "/auth/reset_password", body: `{"token":"bad","password":"` + password + `"}`, want: 401})
	s.do(call{method: "POST", path: "/auth/confirm", body: `{"key":"bad"}`, want: 401})
	s.do(call{method: "POST", path: "/auth/signin/verify", body: `{"phone":"+41791234567","code":"123456"}`, want: 401})
	s.do(call{method: "POST", path: "/auth/recovery/sms", body: `{"phone":"+41791234567"}`, want: 200})
	s.do(call{method: "POST", path: "/auth/preregister", body: `{"email":"erin@example.com"}`, want: 200})
	s.do(call{method: "POST", path: "/auth/challenge", body: `{"client_first":"n,,n=ann,r=abcdefghijklmnop"}`, want: 200})
	s.do(call{method: "POST", path: "/auth/challenge/login", body: `{"challenge_id":"nope","client_final":"c=biws,r=x,p=` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"}`, want: 401})
	s.do(call{method: "POST", path: "/auth/mfa/verify", body: `{"mfa_token":"nope","code":"123456"}`, want: 401})
	s.do(call{method: "POST", path: "/auth/logout", cookies: in, header: csrf, want: 200})
	for i := 0; ; i++ { // the limits: 429 with Retry-After
		res, _ := s.do(call{method: "POST", path: "/auth/preregister", body: `{"email":"erin@example.com"}`, want: -1})
		if res.StatusCode == http.StatusTooManyRequests {
			if res.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
		if i == 100 {
			t.Fatal("no 429 after 100 attempts")
		}
	}

	// The document itself.
	res, _ = s.do(call{method: "GET", path: openapi.Path, want: 200})
	s.do(call{method: "GET", path: openapi.Path, header: map[string]string{"If-None-Match": res.Header.Get("ETag")}, want: 304})
	t.Logf("%d requests and answers validated", s.checks)
}

// TestValidatorCatchesADrift proves the check above has teeth: a real
// answer with a field the document does not describe, or without one it
// requires, or an auth answer without its session fields, is refused.
func TestValidatorCatchesADrift(t *testing.T) {
	s := newSite(t)
	admin := s.keys[acct.RoleAdmin]
	s.do(call{method: "POST", path: "/v1/Register", body: `{"email":"ann@example.com","password":"` + password + `"}`, key: admin, want: 200})
	_, body := s.do(call{method: "POST", path: "/v1/User", body: `{"ref":"ann@example.com"}`, key: admin, want: 200})
	_, login := s.do(call{method: "POST", path: "/auth/login", body: `{"username":"ann@example.com","password":"` + password + `"}`, want: 200})
	for name, c := range map[string]struct {
		path, body string
		edit       func(map[string]any)
	}{
		"a field the type lacks":  {"/v1/User", string(body), func(m map[string]any) { m["nickname"] = "x" }},
		"a required field gone":   {"/v1/User", string(body), func(m map[string]any) { delete(m, "created_at") }},
		"a field of a wrong type": {"/v1/User", string(body), func(m map[string]any) { m["id"] = "7" }},
		"auth: csrf_token gone":   {"/auth/login", string(login), func(m map[string]any) { delete(m, "csrf_token") }},
		"auth: an unknown field":  {"/auth/login", string(login), func(m map[string]any) { m["token"] = "secret" }},
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(c.body), &m); err != nil {
			t.Fatal(err)
		}
		c.edit(m)
		b, _ := json.Marshal(m)
		req, _ := http.NewRequest("POST", s.srv.URL+c.path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(b)), Request: req}
		if ok, _ := s.v.ValidateHttpResponse(req, res); ok {
			t.Errorf("%s: the validator accepts %s", name, b)
		}
	}
}
