package authapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/acctl/acctl/internal/acct"
)

// TestInvalidUTF8Refused: a JSON string that is not UTF-8 was read as
// U+FFFD, and the account stored and mailed with it; now it is refused
// with 400 naming the field, as a form's is.
func TestInvalidUTF8Refused(t *testing.T) {
	e := newEnv(t, nil)
	e.register("alice@example.com", "Alice")
	for _, c := range []struct {
		path, json, field string
	}{
		{"/auth/signin", `{"email":"` + "\xff\xfe" + `@example.com","password":"` + password + `","firstname":"B","lastname":"S"}`, "email"},
		{"/auth/signin", `{"email":"b@example.com","password":"` + password + `","firstname":"B` + "\xc3" + `","lastname":"S"}`, "firstname"},
		{"/auth/signin", `{"email":"\ud800@example.com","password":"` + password + `","firstname":"B","lastname":"S"}`, "email"},
		{"/auth/lost_password", `{"email":"` + "\xff" + `lice@example.com"}`, "email"},
		{"/auth/login", `{"username":"alice@example.com","password":"` + "\xff" + password + `"}`, "password"},
	} {
		w := e.do(req{method: http.MethodPost, path: c.path, json: c.json})
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s %q: status %d, want 400; %s", c.path, c.json, w.Code, w.Body)
			continue
		}
		if a := decode[Answer](t, w); a.Code != acct.CodeInvalid || a.Errors[c.field] == "" {
			t.Errorf("%s %q: answer %+v, want invalid naming %s", c.path, c.json, a, c.field)
		}
	}
	// A form too.
	w := e.do(post("/auth/signin", "email", "\xffb@example.com", "password", password, "firstname", "B", "lastname", "S"))
	wantStatus(t, w, http.StatusBadRequest)
	w = e.do(post("/auth/login", "username", "alice@example.com", "password", password+"\xff"))
	wantStatus(t, w, http.StatusBadRequest)
	e.wait()
	if p, _ := e.svc.ListUsers(context.Background(), acct.UserQuery{}); len(p.Users) != 1 {
		t.Errorf("%d accounts, want 1", len(p.Users))
	}
	if n := len(e.notes.Notices()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

// TestSigninLookAlikes: sign-up with an address that looks like an
// account's makes no account, and answers as for any taken address (the
// answer must not tell); invisible characters are refused as invalid.
func TestSigninLookAlikes(t *testing.T) {
	e := newEnv(t, nil)
	e.register("known@example.com", "Known")
	form := func(email, first string) req {
		return post("/auth/signin", "email", email, "password", password, "firstname", first, "lastname", "Smith")
	}
	ok := e.do(form("new@example.com", "New"))
	wantStatus(t, ok, http.StatusOK)
	for _, email := range []string{"kn\u043ewn@example.com", "ｋｎｏｗｎ@example.com", "known@ex\u0430mple.com"} {
		w := e.do(form(email, "Eve"))
		if w.Code != ok.Code || w.Body.String() != ok.Body.String() {
			t.Errorf("%s: %d %s, want the answer of any address", email, w.Code, w.Body)
		}
	}
	wantStatus(t, e.do(form("kno\u200bwn@example.com", "Eve")), http.StatusBadRequest)
	wantStatus(t, e.do(form("eve@example.com", "Eve\u202elive")), http.StatusBadRequest)
	e.wait()
	p, err := e.svc.ListUsers(context.Background(), acct.UserQuery{})
	if err != nil || len(p.Users) != 2 {
		t.Fatalf("accounts %+v, %v; want known and new only", p, err)
	}
	for _, n := range e.notes.Notices() {
		if n.To != "new@example.com" {
			t.Errorf("a message to %q", n.To)
		}
	}
}
