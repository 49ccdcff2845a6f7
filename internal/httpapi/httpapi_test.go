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

func (f *fakeService) PurgeHeld(ctx context.Context, opt acct.PurgeOptions) (*acct.PurgeResult, error) {
	f.calls = append(f.calls, "PurgeHeld")
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
		if operations[m.Name] == nil {
			t.Errorf("acct.Service.%s has no operation in httpapi's table", m.Name)
		}
	}
	if len(operations) != typ.NumMethod()-1 || len(api.Operations) != len(operations) {
		t.Errorf("%d operations in the table, %d in api.Operations, %d Service methods but Close",
			len(operations), len(api.Operations), typ.NumMethod()-1)
	}
	for _, op := range api.Operations {
		if operations[op] == nil {
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
	if len(svc.calls) != 0 {
		t.Fatalf("the Service was called for a refused key: %v", svc.calls)
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

func TestUnknownOperationAndMethod(t *testing.T) {
	h := New(&fakeService{}, keys{}, nil)
	for _, path := range []string{"/v1/Nope", "/v1/Close", "/v1/", "/v1/user"} {
		res := post(t, h, path, "admin-key", strings.NewReader(`{}`))
		if res.status != 404 || res.body.Error.Code != acct.CodeNotFound {
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
		{&acct.Error{Code: acct.CodeUnavailable, Err: &acct.RetryError{After: 2500 * time.Millisecond}}, "3"},
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
