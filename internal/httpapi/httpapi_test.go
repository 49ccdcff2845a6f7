package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acctl/acctl/internal/acct"
	"github.com/acctl/acctl/internal/api"
)

// fakeService answers User by the error code named in the REF and
// records the calls; any other method it does not override panics.
type fakeService struct {
	acct.Service
	calls  []string
	actors []string
	roles  []acct.Role
}

func (f *fakeService) User(ctx context.Context, ref string) (*acct.User, error) {
	f.calls = append(f.calls, "User")
	f.actors = append(f.actors, acct.ActorFrom(ctx))
	if ref == "ok" {
		return &acct.User{ID: 7, Username: "ok"}, nil
	}
	return nil, &acct.Error{Code: acct.Code(ref), Field: "ref", Message: "failed with " + ref}
}

func (f *fakeService) ListSessions(ctx context.Context, q acct.SessionQuery) ([]acct.Session, error) {
	f.calls = append(f.calls, "ListSessions")
	return nil, nil
}

// PurgeHeld refuses a caller whose role is not admin, as Local does.
func (f *fakeService) PurgeHeld(ctx context.Context, opt acct.PurgeOptions) (*acct.PurgeResult, error) {
	f.calls = append(f.calls, "PurgeHeld")
	role, _ := acct.RoleFrom(ctx)
	f.roles = append(f.roles, role)
	if role != acct.RoleAdmin {
		return nil, acct.Errorf(acct.CodeRefused, "role %s may not call PurgeHeld", role)
	}
	return &acct.PurgeResult{}, nil
}

// keys accepts "admin-key" (admin "root"), "support-key" (support "bob")
// and "auditor-key" (auditor "eve").
type keys struct{}

func (keys) AuthenticateAPIKey(_ context.Context, token string) (*acct.APIKey, error) {
	switch token {
	case "admin-key":
		return &acct.APIKey{Name: "root", Role: acct.RoleAdmin}, nil
	case "support-key":
		return &acct.APIKey{Name: "bob", Role: acct.RoleSupport}, nil
	case "auditor-key":
		return &acct.APIKey{Name: "eve", Role: acct.RoleAuditor}, nil
	}
	return nil, acct.Errorf(acct.CodeUnauthenticated, "no such key")
}

type result struct {
	status int
	header http.Header
	body   api.ErrorBody
	raw    string
}

func post(t *testing.T, h http.Handler, path, token string, body io.Reader) result {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, body)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := result{status: w.Code, header: w.Header(), raw: w.Body.String()}
	if w.Code != http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &res.body); err != nil {
			t.Fatalf("%s: error body %q: %v", path, w.Body, err)
		}
		if api.CodeOf(w.Code) != res.body.Error.Code {
			t.Errorf("%s: status %d with code %q", path, w.Code, res.body.Error.Code)
		}
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: content type %q", path, ct)
	}
	return res
}

func TestEveryServiceMethodHasAnOperation(t *testing.T) {
	typ := reflect.TypeFor[acct.Service]()
	for m := range typ.Methods() {
		if m.Name == "Close" {
			continue
		}
		if operations[m.Name].run == nil {
			t.Errorf("acct.Service.%s has no operation in httpapi's table", m.Name)
		}
	}
	if len(operations) != typ.NumMethod()-1 || len(api.Operations) != len(operations) {
		t.Errorf("%d operations in the table, %d in api.Operations, %d Service methods but Close",
			len(operations), len(api.Operations), typ.NumMethod()-1)
	}
	for _, op := range api.Operations {
		if operations[op].run == nil {
			t.Errorf("api operation %s has no call", op)
		}
	}
}

func TestStatusOfEveryCode(t *testing.T) {
	svc := &fakeService{}
	h := New(svc, keys{}, nil)
	for _, code := range []acct.Code{acct.CodeInvalid, acct.CodeUnauthenticated, acct.CodeRefused,
		acct.CodeNotFound, acct.CodeConflict, acct.CodeInternal, acct.CodeUnavailable} {
		res := post(t, h, "/v1/User", "admin-key", strings.NewReader(`{"ref":"`+string(code)+`"}`))
		if res.status != api.StatusOf(code) || res.body.Error.Code != code {
			t.Errorf("%s: status %d, body %+v", code, res.status, res.body)
		}
		if code == acct.CodeInternal {
			if res.body.Error.Message != api.InternalMessage || res.body.Error.Field != "" {
				t.Errorf("internal error shown as %+v", res.body.Error)
			}
		} else if res.body.Error.Field != "ref" || res.body.Error.Message != "failed with "+string(code) {
			t.Errorf("%s: body %+v, want field ref and the message", code, res.body.Error)
		}
	}
	res := post(t, h, "/v1/User", "admin-key", strings.NewReader(`{"ref":"ok"}`))
	var u acct.User
	if res.status != 200 || json.Unmarshal([]byte(res.raw), &u) != nil || u.ID != 7 {
		t.Fatalf("ok: %d %s", res.status, res.raw)
	}
	for _, a := range svc.actors {
		if a != "root" {
			t.Fatalf("the Service ran with actor %q, want the key's name root", a)
		}
	}
}

func TestAuthentication(t *testing.T) {
	var logs bytes.Buffer
	svc := &fakeService{}
	h := New(svc, keys{}, slog.New(slog.NewTextHandler(&logs, nil)))
	for name, header := range map[string]string{
		"missing": "", "wrong key": "Bearer nope", "basic": "Basic YWRtaW4ta2V5Og==",
		"empty bearer": "Bearer ", "no scheme": "admin-key",
	} {
		r := httptest.NewRequest(http.MethodPost, "/v1/User", strings.NewReader(`{"ref":"ok"}`))
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var body api.ErrorBody
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != 401 || body.Error.Code != acct.CodeUnauthenticated || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	if len(svc.calls) != 0 {
		t.Errorf("the Service was called without a key: %v", svc.calls)
	}
	if strings.Contains(logs.String(), "nope") || strings.Contains(logs.String(), "YWRtaW4") {
		t.Errorf("a token in the log:\n%s", logs.String())
	}
}

// TestRoleRefusal: the handler gives the Service each key's role (the
// Service holds the role matrix: acct.Local, tested by the conformance
// suite through this handler) and answers its refusal 403, logged.
func TestRoleRefusal(t *testing.T) {
	var logs bytes.Buffer
	svc := &fakeService{}
	h := New(svc, keys{}, slog.New(slog.NewTextHandler(&logs, nil)))
	res := post(t, h, "/v1/PurgeHeld", "support-key", strings.NewReader(`{}`))
	if res.status != 403 || res.body.Error.Code != acct.CodeRefused {
		t.Fatalf("support key on PurgeHeld: %d %+v", res.status, res.body)
	}
	res = post(t, h, "/v1/PurgeHeld", "auditor-key", strings.NewReader(`{}`))
	if res.status != 403 {
		t.Fatalf("auditor key on PurgeHeld: %d %+v", res.status, res.body)
	}
	if want := []acct.Role{acct.RoleSupport, acct.RoleAuditor}; !reflect.DeepEqual(svc.roles, want) {
		t.Fatalf("roles given to the Service: %v, want %v", svc.roles, want)
	}
	if !strings.Contains(logs.String(), "key=bob") || !strings.Contains(logs.String(), "op=PurgeHeld") ||
		!strings.Contains(logs.String(), "status=403") || strings.Contains(logs.String(), "support-key") {
		t.Errorf("log:\n%s", logs.String())
	}
	// Within their roles the keys work.
	if res := post(t, h, "/v1/User", "support-key", strings.NewReader(`{"ref":"ok"}`)); res.status != 200 {
		t.Errorf("support key on User: %d", res.status)
	}
	if res := post(t, h, "/v1/PurgeHeld", "admin-key", strings.NewReader(`{}`)); res.status != 200 {
		t.Errorf("admin key on PurgeHeld: %d", res.status)
	}
}

func TestBodies(t *testing.T) {
	svc := &fakeService{}
	h := New(svc, keys{}, nil)

	big := `{"ref":"` + strings.Repeat("a", api.MaxBodyBytes) + `"}`
	res := post(t, h, "/v1/User", "admin-key", strings.NewReader(big))
	if res.status != http.StatusRequestEntityTooLarge || res.body.Error.Code != acct.CodeInvalid {
		t.Errorf("a body over 1 MiB: %d %+v", res.status, res.body)
	}

	res = post(t, h, "/v1/User", "admin-key", strings.NewReader(`{"ref":"ok","password":"x"}`))
	if res.status != 400 || res.body.Error.Code != acct.CodeInvalid || res.body.Error.Field != "password" {
		t.Errorf("an unknown field: %d %+v", res.status, res.body)
	}
	for _, bad := range []string{`{"ref":`, `{"ref":1}`, `[]`, `{"ref":"ok"} {}`, `nonsense`} {
		res = post(t, h, "/v1/User", "admin-key", strings.NewReader(bad))
		if res.status != 400 || res.body.Error.Code != acct.CodeInvalid {
			t.Errorf("body %s: %d %+v", bad, res.status, res.body)
		}
	}
	if n := len(svc.calls); n != 0 {
		t.Fatalf("the Service was called %d times for bad bodies", n)
	}

	// An empty body is the zero value; a nil list is [].
	res = post(t, h, "/v1/ListSessions", "admin-key", nil)
	if res.status != 200 || strings.TrimSpace(res.raw) != "[]" {
		t.Errorf("empty list: %d %q", res.status, res.raw)
	}
}

func TestMediaType(t *testing.T) {
	svc := &fakeService{}
	h := New(svc, keys{}, nil)
	call := func(ct, body string) *httptest.ResponseRecorder {
		op := "/v1/User"
		if body == "" {
			op = "/v1/ListSessions"
		}
		r := httptest.NewRequest(http.MethodPost, op, strings.NewReader(body))
		if body == "" {
			r.ContentLength = 0
		}
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		r.Header.Set("Authorization", "Bearer admin-key")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/json; charset=latin1", "application/jsonx", "application/json; foo=bar", "nonsense;;"} {
		w := call(ct, `{"ref":"ok"}`)
		var body api.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusUnsupportedMediaType ||
			body.Error.Code != acct.CodeInvalid {
			t.Errorf("Content-Type %q: %d %s", ct, w.Code, w.Body)
		}
	}
	if n := len(svc.calls); n != 0 {
		t.Fatalf("the Service was called %d times for bodies that are not JSON", n)
	}
	for _, ct := range []string{"application/json", "Application/JSON; charset=UTF-8", "application/json;charset=utf-8"} {
		if w := call(ct, `{"ref":"ok"}`); w.Code != http.StatusOK {
			t.Errorf("Content-Type %q: %d %s", ct, w.Code, w.Body)
		}
	}
	// No body at all needs no Content-Type.
	if w := call("", ""); w.Code != http.StatusOK {
		t.Errorf("no body: %d %s", w.Code, w.Body)
	}
}

func TestUnknownOperationAndMethod(t *testing.T) {
	h := New(&fakeService{}, keys{}, nil)
	for _, path := range []string{"/v1/Nope", "/v1/Close", "/v1/", "/v1/user"} {
		res := post(t, h, path, "admin-key", strings.NewReader(`{}`))
		// Its own answer, not "no such user": 501 unsupported.
		if res.status != http.StatusNotImplemented || res.body.Error.Code != api.CodeUnsupported ||
			!strings.HasPrefix(res.body.Error.Message, api.UnknownOperationPrefix) {
			t.Errorf("%s: %d %+v", path, res.status, res.body)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/v1/User", nil)
	r.Header.Set("Authorization", "Bearer admin-key")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

// TestInvalidUTF8 checks that a body whose strings are not UTF-8 is
// refused with 400 naming the field, before the Service is called:
// encoding/json would read them as U+FFFD, and the account would be stored
// and mailed with it.
func TestInvalidUTF8(t *testing.T) {
	svc := &fakeService{}
	h := New(svc, keys{}, nil)
	for body, field := range map[string]string{
		`{"email":"` + "\xff\xfe" + `@example.com"}`:             "email",
		`{"ref":"a","update":{"first_name":"` + "Al\xc3" + `"}}`: "first_name",
		`{"email":"\udc00@example.com"}`:                         "email",
		`{"email":"\ud800\u0041@example.com"}`:                   "email",
		`{"` + "e\xffmail" + `":"a@example.com"}`:                "e\uFFFDmail",
	} {
		res := post(t, h, "/v1/Register", "admin-key", strings.NewReader(body))
		if res.status != 400 || res.body.Error.Code != acct.CodeInvalid || res.body.Error.Field != field {
			t.Errorf("body %q: %d %+v, want 400 naming %q", body, res.status, res.body, field)
		}
	}
	if n := len(svc.calls); n != 0 {
		t.Fatalf("the Service was called %d times", n)
	}
	// A valid escape passes through to the decoder.
	res := post(t, h, "/v1/User", "admin-key", strings.NewReader(`{"ref":"\u006fk"}`))
	if res.status != 200 {
		t.Errorf("an escaped letter: %d %+v", res.status, res.body)
	}
}

// busyService refuses every password check as a full hashing pool does.
type busyService struct {
	acct.Service
	err error
}

func (b busyService) VerifyPassword(context.Context, string, string) error { return b.err }

// TestFullHashPoolAnswers503: a full hashing pool answers 503 with its
// retry-after hint; another unavailable error (a busy store) with 1s.
func TestFullHashPoolAnswers503(t *testing.T) {
	pool := acct.NewHashPool(1, 0)
	started, stop := make(chan struct{}), make(chan struct{})
	go pool.Do(context.Background(), func() { close(started); <-stop })
	<-started
	defer close(stop)
	full := pool.Do(context.Background(), func() {})
	for _, c := range []struct {
		err  error
		want string
	}{
		{full, strconv.Itoa(int(acct.RetryAfter(full) / time.Second))},
		{&acct.Error{Code: acct.CodeUnavailable, RetryAfter: 2500 * time.Millisecond}, "3"},
		{acct.Errorf(acct.CodeUnavailable, "database is locked"), "1"},
	} {
		res := post(t, New(busyService{err: c.err}, keys{}, nil), "/v1/VerifyPassword", "admin-key",
			strings.NewReader(`{"ref":"alice","password":"pw"}`))
		if res.status != http.StatusServiceUnavailable || res.body.Error.Code != acct.CodeUnavailable {
			t.Errorf("%v: %d %+v", c.err, res.status, res.body)
		}
		if got := res.header.Get("Retry-After"); got != c.want {
			t.Errorf("%v: Retry-After %q, want %q", c.err, got, c.want)
		}
	}
}
